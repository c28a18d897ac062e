-- 0006: events and alerts. One row per event raised by the rule engine (pipeline/rules/): congestion
-- changes, crowd formation and dispersal, incidents (stopped vehicle, wrong way, no stopping, person in
-- roadway) and camera health (offline, frozen). The same events go to Redis pub/sub and webhooks.
--
-- event_id is deterministic (a hash of camera, rule, zone, type and start time), so a re-processed
-- segment produces the same id and ReplacingMergeTree keeps one row per event.

CREATE TABLE IF NOT EXISTS events
(
    event_id     String COMMENT 'deterministic id: the same event re-processed keeps its id',
    camera_id    LowCardinality(String),
    ts           DateTime64(3, 'UTC') COMMENT 'when the condition was confirmed (after its duration)' CODEC(Delta, ZSTD(1)),
    started_at   DateTime64(3, 'UTC') COMMENT 'when the condition began',
    type         LowCardinality(String) COMMENT 'jam_start, jam_worsen, jam_clear, crowd_form, crowd_disperse, stopped_vehicle, wrong_way, no_stopping, person_in_roadway, camera_offline, camera_online, camera_frozen, ...',
    rule_id      LowCardinality(String) COMMENT 'the configured rule that raised it',
    zone_id      LowCardinality(String) COMMENT 'zone or line concerned (empty: whole camera)',
    severity     LowCardinality(String) COMMENT 'info, warning or critical',
    value        Float64 COMMENT 'the measure that triggered (count, density, seconds stopped, ...)',
    track_ids    Array(UInt32),
    message      String,
    snapshot     String COMMENT 'path of the JPEG evidence with boxes drawn (empty: none)',
    details      String COMMENT 'JSON with rule-specific details',
    source_id    LowCardinality(String),
    segment      UInt32
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (camera_id, ts, event_id)
TTL toDateTime(ts) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'Events and graded alerts raised by the rule engine and the camera supervisor';
