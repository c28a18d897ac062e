-- 0035: acknowledgements of alerts from the alert console. Append-only: every acknowledgement is
-- kept (who, when, what they wrote: the audit trail); an alert's state is its latest one.

CREATE TABLE IF NOT EXISTS alert_acks
(
    event_id    String,
    camera_id   LowCardinality(String),
    acked_at    DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    key_id      String COMMENT 'id of the API key that acknowledged (never the secret)',
    key_name    String COMMENT 'its name, e.g. the operator''s',
    role        LowCardinality(String),
    comment     String,
    client_ip   String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(acked_at)
ORDER BY (event_id, acked_at)
TTL toDateTime(acked_at) + INTERVAL 400 DAY
SETTINGS ttl_only_drop_parts = 1
COMMENT 'Acknowledgements of alerts: every one kept (audit trail); the latest is the alert''s state';
