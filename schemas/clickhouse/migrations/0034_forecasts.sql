-- 0034: short-term forecasts per camera (pipeline/forecast/), refreshed every 15 minutes by the
-- process that owns the store: each refresh writes, per camera, measure and horizon, one row.

CREATE TABLE IF NOT EXISTS forecasts
(
    camera_id     LowCardinality(String),
    issued_at     DateTime('UTC') COMMENT 'end of the latest 15-minute interval the forecast used',
    horizon_min   UInt16 COMMENT '15, 30 or 60: the forecast interval ends this long after issued_at',
    target_start  DateTime('UTC') COMMENT 'start of the 15-minute interval forecast',
    measure       LowCardinality(String) COMMENT 'volume (vehicles per 15 minutes), speed_kmh or density_pcu_km',
    value         Float32,
    low           Float32 COMMENT '80 % band, lower end',
    high          Float32 COMMENT '80 % band, upper end',
    profile       Float32 COMMENT 'the seasonal profile alone (what this weekly slot usually brings)',
    los           LowCardinality(String) COMMENT 'density rows: level of service A-F of value (else empty)',
    model         LowCardinality(String) COMMENT 'the forecaster and its version',
    computed_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(issued_at)
ORDER BY (camera_id, measure, issued_at, horizon_min)
TTL issued_at + INTERVAL 90 DAY
SETTINGS ttl_only_drop_parts = 1
COMMENT 'Short-term forecasts per camera: seasonal profile corrected by recent residuals';
