-- 0010: camera health. One row per stretch of a live camera's status (online, offline, frozen), as its
-- supervisor saw it: when it began and ended, the frames delivered (fps = frames / duration), decode
-- errors, decoder restarts, and black or blurred frames. An outage is one 'offline' row running from
-- the last frame before it to the first frame after it (the recorded gap). Long stretches are cut
-- into pieces of about a minute, so a running camera reports its delivered fps as it goes.
--
-- (camera_id, started_at, status) identifies a row: a re-sent row replaces itself (ReplacingMergeTree),
-- and the insert's deduplication token makes a retried job a no-op.

CREATE TABLE IF NOT EXISTS camera_health
(
    camera_id      LowCardinality(String),
    status         LowCardinality(String) COMMENT 'online, offline or frozen',
    started_at     DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    ended_at       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ms    UInt32 MATERIALIZED toUInt32(greatest(0, dateDiff('millisecond', started_at, ended_at))),
    frames         UInt32 COMMENT 'frames delivered in the stretch',
    fps            Float32 MATERIALIZED if(duration_ms = 0, 0, frames * 1000 / duration_ms),
    decode_errors  UInt32,
    restarts       UInt32 COMMENT 'decoder restarts in the stretch',
    black_frames   UInt32,
    blurred_frames UInt32,
    reason         String COMMENT 'why an offline stretch began (decoder exit, watchdog)',
    worker         LowCardinality(String) COMMENT 'host:pid that owned the camera'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(started_at)
ORDER BY (camera_id, started_at, status)
TTL toDateTime(started_at) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'Live camera status intervals from the camera supervisors';
