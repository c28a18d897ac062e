-- 0001: cameras, frames, detections, and the segment ledger.
--
-- Design notes (ClickHouse best practices: https://clickhouse.com/docs/best-practices)
-- * ORDER BY is the primary index. Queries are almost always "one camera (or a few), a time range",
--   so camera_id leads, then time. Columns are ordered by ascending cardinality (camera, class, time)
--   because a low-cardinality prefix makes the sparse index skip more granules.
-- * PARTITION BY month: partitions are for data management (dropping old months, TTL), not for
--   query speed; monthly keeps the partition count small even after years of data.
-- * LowCardinality(String) for ids and class names (tens to thousands of distinct values):
--   dictionary-encoded, cheaper to store, filter and group by than String or Enum migrations.
-- * No Nullable: it costs an extra column per value. "No track" is track_id = 0.
-- * CODEC(Delta, ZSTD) on time columns that grow monotonically within a sort key; ZSTD on floats.
-- * TTL: raw frames and detections are large and are rolled up later; they are kept 400 days
--   (a year plus a margin for year-on-year comparisons). ttl_only_drop_parts drops whole parts instead
--   of rewriting them. (schemas/retention.ts holds the same number for the code.) Beware: rows whose ts is already past the TTL at insert time are dropped at
--   once, so the pipeline refuses sources older than that; backfilling older footage needs a
--   migration that raises the TTL first.
-- * Idempotent inserts: each segment's rows are inserted with a deterministic
--   insert_deduplication_token; non_replicated_deduplication_window keeps the tokens of the last
--   N inserts per table, so a retried segment inserts nothing the second time. Past that window the
--   `segments` ledger decides: a segment listed there is skipped before anything is inserted.

CREATE TABLE IF NOT EXISTS cameras
(
    camera_id   LowCardinality(String),
    name        String,
    source_uri  String,
    config      String COMMENT 'the camera entry of the configuration, as JSON',
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY camera_id
COMMENT 'One row per camera (latest version wins; query with FINAL for the current state)';

CREATE TABLE IF NOT EXISTS frames
(
    camera_id    LowCardinality(String),
    ts           DateTime64(3, 'UTC') COMMENT 'wall time: source start time + pts' CODEC(Delta, ZSTD(1)),
    pts_ms       Int64 COMMENT 'presentation time from the start of the source' CODEC(Delta, ZSTD(1)),
    source_id    LowCardinality(String) COMMENT 'the file or stream this frame came from',
    segment      UInt32 COMMENT 'segment number within the source (the unit of work)',
    analysed     Bool COMMENT 'false when the detector was skipped for this frame',
    detector     LowCardinality(String),
    detector_ms  Float32 COMMENT 'detector latency for this frame, ms' CODEC(ZSTD(1)),
    object_count UInt16
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (camera_id, ts)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'One row per sampled frame';

CREATE TABLE IF NOT EXISTS detections
(
    camera_id   LowCardinality(String),
    class       LowCardinality(String) COMMENT 'car, motorcycle, bus, truck, bicycle, person',
    ts          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    pts_ms      Int64 CODEC(Delta, ZSTD(1)),
    source_id   LowCardinality(String),
    confidence  Float32 CODEC(ZSTD(1)),
    x           Float32 COMMENT 'box left, source pixels' CODEC(ZSTD(1)),
    y           Float32 COMMENT 'box top, source pixels' CODEC(ZSTD(1)),
    w           Float32 CODEC(ZSTD(1)),
    h           Float32 CODEC(ZSTD(1)),
    track_id    UInt32 DEFAULT 0 COMMENT '0 = not tracked'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (camera_id, class, ts)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'One row per detected object per analysed frame';

CREATE TABLE IF NOT EXISTS segments
(
    source_id    LowCardinality(String),
    segment      UInt32,
    camera_id    LowCardinality(String),
    start_ts     DateTime64(3, 'UTC'),
    frames       UInt32,
    detections   UInt32,
    stored_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(stored_at)
ORDER BY (source_id, segment)
SETTINGS non_replicated_deduplication_window = 100000
COMMENT 'Ledger of stored segments: a segment listed here has all its frames and detections stored';
