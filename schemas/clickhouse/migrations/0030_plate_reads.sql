-- 0030: plate_reads, one row per tracked vehicle and segment whose licence plate was read (the vote
-- over the track's reads in that segment: pipeline/plates/plate-vote.ts). Personal data: kept 30 days
-- by default (`plateRetentionDays` in the configuration changes the TTL when the store opens).
-- plate_hash (HMAC-SHA256 with the deployment's secret key) lets analyses match vehicles across
-- cameras without the raw text.

CREATE TABLE IF NOT EXISTS plate_reads
(
    camera_id       LowCardinality(String),
    source_id       LowCardinality(String),
    segment         UInt32,
    track_id        UInt32 COMMENT 'tracks.track_id of the vehicle',
    ts              DateTime64(3, 'UTC') COMMENT 'frame of the most confident read' CODEC(Delta, ZSTD(1)),
    plate           String COMMENT 'normalised plate text, A-Z0-9 (raw personal data)',
    plate_hash      String COMMENT 'HMAC-SHA256 of plate with the deployment key, hex',
    display         String COMMENT 'plate as written in its country, e.g. 59-X1 234.56',
    confidence      Float32 COMMENT 'vote confidence 0..1',
    reads           UInt8 COMMENT 'reads voted over',
    agreeing        UInt8 COMMENT 'reads equal to the verdict',
    layout          LowCardinality(String) COMMENT 'one-line or two-line',
    country         LowCardinality(String) COMMENT 'ISO 3166-1 alpha-2 when a country grammar matched, else empty',
    vehicle_class   LowCardinality(String),
    box             Tuple(x Float32, y Float32, w Float32, h Float32) COMMENT 'plate box, source pixels',
    crop            String DEFAULT '' COMMENT 'reference of the stored plate crop (empty: crops not stored)'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (camera_id, source_id, segment, track_id)
TTL toDateTime(ts) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'Licence plates read on tracked vehicles (personal data: short retention)';
