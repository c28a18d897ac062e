-- 0031: plate_audit, one row per request of the plates role (raw plate reads, the watch list): who
-- (API key id and name), when, what (method, route, parameters) and how many rows it returned or
-- changed. Kept longer than the plates themselves, as the record of who looked at them.

CREATE TABLE IF NOT EXISTS plate_audit
(
    ts              DateTime64(3, 'UTC'),
    key_id          LowCardinality(String),
    key_name        String,
    role            LowCardinality(String),
    method          LowCardinality(String),
    route           LowCardinality(String),
    params          String COMMENT 'the request parameters, JSON',
    rows            UInt32 COMMENT 'rows returned, or entries changed',
    status          UInt16
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (ts, key_id)
TTL toDateTime(ts) + INTERVAL 400 DAY
COMMENT 'Who read or changed licence-plate data through the API';
