-- 0004: tracks, one row per tracked object (a confirmed ByteTracker track) once it has ended: lost
-- for good, or its source ended. The object-level table analysts start from ("how many buses, how
-- fast, which way"); detections.track_id points here together with (camera_id, source_id).
--
-- Track ids are unique within one source (a file, or one live session of a stream), so the key of a
-- track is (camera_id, source_id, track_id). Speeds are NULL when the camera has no ground-plane
-- calibration, or the track was too short for a reliable estimate (Nullable on purpose here: avg()
-- and quantile() skip NULLs, which is what an analyst wants, where 0 would drag averages down).

CREATE TABLE IF NOT EXISTS tracks
(
    camera_id       LowCardinality(String),
    source_id       LowCardinality(String),
    track_id        UInt32,
    class           LowCardinality(String) COMMENT 'class by vote over the track''s detections',
    first_seen      DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    last_seen       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    hits            UInt32 COMMENT 'frames in which the track was matched to a detection',
    path            Array(Tuple(x Float32, y Float32)) COMMENT 'bottom-centre points in source pixels, sampled (at most 32)',
    distance_m      Nullable(Float32) COMMENT 'ground distance travelled, metres (NULL: no calibration)',
    mean_speed_kmh  Nullable(Float32) COMMENT 'robust mean speed over the track, km/h (NULL: unknown)',
    source_segment  UInt32 COMMENT 'segment in which the track ended'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(first_seen)
ORDER BY (camera_id, source_id, track_id)
TTL toDateTime(first_seen) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'One row per tracked object, written when the track ends';
