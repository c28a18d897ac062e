-- 0003: zone visits, one row per tracked object that entered a zone of a camera's scene and left it
-- (seen outside, or lost from view). Dwell time is the measure behind occupancy, stopped vehicles and
-- crowd formation; queried per camera and zone over a time range, hence the sort key.

CREATE TABLE IF NOT EXISTS zone_visits
(
    camera_id   LowCardinality(String),
    zone_id     LowCardinality(String),
    entered_at  DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    left_at     DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    dwell_ms    UInt32,
    class       LowCardinality(String),
    track_id    UInt32,
    reason      LowCardinality(String) COMMENT 'exit: seen outside; lost: not seen for a while (left_at = last sighting)',
    source_id   LowCardinality(String),
    segment     UInt32
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(entered_at)
ORDER BY (camera_id, zone_id, entered_at)
TTL toDateTime(entered_at) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'One row per visit of a tracked object to a scene zone';
