-- 0002: line crossings, one row per tracked object crossing a counting line of a camera's scene.
--
-- Queried as "counts per camera and line (and direction, class) over a time range", so the sort key is
-- (camera_id, line_id, ts); direction and class are LowCardinality and cheap to group by.
-- Same TTL, partitioning and idempotent-insert settings as the raw tables of 0001.

CREATE TABLE IF NOT EXISTS line_crossings
(
    camera_id   LowCardinality(String),
    line_id     LowCardinality(String),
    ts          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    direction   LowCardinality(String) COMMENT 'positive or negative, as the line''s `positive` side defines',
    class       LowCardinality(String) COMMENT 'the track''s voted class',
    track_id    UInt32,
    source_id   LowCardinality(String),
    segment     UInt32
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (camera_id, line_id, ts)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'One row per crossing of a counting line by a tracked object';
