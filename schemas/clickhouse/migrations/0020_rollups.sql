-- 0020: rollups of the per-interval traffic measures (0005), kept up to date by materialized views,
-- for long ranges and many cameras (the city-wide summary, months of trends) without re-reading
-- every measure row.
--
--   traffic_measures ──MV──▶ rollup_traffic     per camera, grid (60 / 900 s), site, direction, interval
--                    ──MV──▶ rollup_class       per camera, grid, site, direction, class, interval (volume)
--                    ──MV──▶ rollup_crowd_1m    per camera, zone, minute (persons)
--                    ──MV──▶ rollup_camera_1h   per camera, site kind, hour (from the 15-minute grid)
--
-- * AggregatingMergeTree: sums, maxima and aggregate states (speed quantiles as t-digests, means)
--   merge exactly (quantiles approximately) when parts merge or when a query groups coarser; read
--   them through the views of 0021, which finalise the states.
-- * A materialized view sees only rows inserted after it exists: this migration backfills each
--   rollup from the rows already in traffic_measures right after creating its view (the statements
--   are also the ones to re-run by hand after truncating a rollup; see docs/sql-cookbook.md).
-- * Retries: a segment re-inserted with its deduplication token is dropped by traffic_measures, and
--   the rollups keep a deduplication window too (non_replicated_deduplication_window), so the block the
--   view derives from it is dropped as well (tested). A segment re-processed with a NEW token after the
--   window (weeks later) is counted twice in a rollup, while traffic_measures FINAL keeps one row: the
--   API's reports read traffic_measures FINAL for that reason, and a rebuild (truncate + the backfill
--   statement) fixes a rollup.
-- * Kept 5 years (the raw tables 400 days): rollups are small.

CREATE TABLE IF NOT EXISTS rollup_traffic
(
    camera_id      LowCardinality(String),
    interval_s     UInt16 COMMENT '60 or 900: the grid of the source rows',
    site_kind      LowCardinality(String) COMMENT 'line or zone',
    site_id        LowCardinality(String),
    direction      LowCardinality(String),
    start          DateTime('UTC'),
    frames         SimpleAggregateFunction(max, UInt32) COMMENT 'analysed frames (coverage)',
    volume         SimpleAggregateFunction(sum, UInt64),
    pcu            SimpleAggregateFunction(sum, Float64),
    speed_samples  SimpleAggregateFunction(sum, UInt64),
    speed_sum      SimpleAggregateFunction(sum, Float64) COMMENT 'sum of speeds, km/h: mean = speed_sum / speed_samples',
    speed_q        AggregateFunction(quantilesTDigest(0.5, 0.85, 0.95), Float32) COMMENT 'speed quantiles p50, p85, p95',
    occupancy      AggregateFunction(avg, Float32),
    density        AggregateFunction(avg, Nullable(Float32)),
    los_worst      SimpleAggregateFunction(max, String) COMMENT 'worst level of service (A-F, empty: unknown)',
    persons_mean   AggregateFunction(avg, Float32),
    persons_max    SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(start)
ORDER BY (camera_id, interval_s, site_kind, site_id, direction, start)
TTL start + INTERVAL 1830 DAY
SETTINGS non_replicated_deduplication_window = 100000
COMMENT 'Rollup of traffic_measures per camera, site, direction and interval (read through traffic_1m / traffic_15m)';

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_traffic_mv TO rollup_traffic AS
SELECT camera_id, interval_s, site_kind, site_id, direction, start,
       max(frames) AS frames,
       sum(toUInt64(volume)) AS volume,
       sum(toFloat64(pcu)) AS pcu,
       sum(toUInt64(speed_samples)) AS speed_samples,
       sum(toFloat64(ifNull(speed_mean_kmh, 0)) * traffic_measures.speed_samples) AS speed_sum,
       quantilesTDigestArrayState(0.5, 0.85, 0.95)(speeds_kmh) AS speed_q,
       avgState(occupancy) AS occupancy,
       avgState(density_pcu_km) AS density,
       max(toString(los)) AS los_worst,
       avgState(persons_mean) AS persons_mean,
       max(persons_max) AS persons_max
FROM traffic_measures
GROUP BY camera_id, interval_s, site_kind, site_id, direction, start;

INSERT INTO rollup_traffic
SELECT camera_id, interval_s, site_kind, site_id, direction, start,
       max(frames), sum(toUInt64(volume)), sum(toFloat64(pcu)), sum(toUInt64(speed_samples)),
       sum(toFloat64(ifNull(speed_mean_kmh, 0)) * traffic_measures.speed_samples),
       quantilesTDigestArrayState(0.5, 0.85, 0.95)(speeds_kmh), avgState(occupancy), avgState(density_pcu_km),
       max(toString(los)), avgState(persons_mean), max(persons_max)
FROM traffic_measures FINAL
GROUP BY camera_id, interval_s, site_kind, site_id, direction, start;

CREATE TABLE IF NOT EXISTS rollup_class
(
    camera_id   LowCardinality(String),
    interval_s  UInt16,
    site_kind   LowCardinality(String),
    site_id     LowCardinality(String),
    direction   LowCardinality(String),
    class       LowCardinality(String),
    start       DateTime('UTC'),
    volume      UInt64
)
ENGINE = SummingMergeTree(volume)
PARTITION BY toYYYYMM(start)
ORDER BY (camera_id, interval_s, site_kind, site_id, direction, class, start)
TTL start + INTERVAL 1830 DAY
SETTINGS non_replicated_deduplication_window = 100000
COMMENT 'Volume per class: the vehicle mix (read through vehicle_mix_15m)';

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_class_mv TO rollup_class AS
SELECT camera_id, interval_s, site_kind, site_id, direction, cls.1 AS class, start, toUInt64(cls.2) AS volume
FROM traffic_measures
ARRAY JOIN arrayZip(mapKeys(volume_by_class), mapValues(volume_by_class)) AS cls;

INSERT INTO rollup_class
SELECT camera_id, interval_s, site_kind, site_id, direction, cls.1 AS class, start, toUInt64(cls.2) AS volume
FROM traffic_measures FINAL
ARRAY JOIN arrayZip(mapKeys(volume_by_class), mapValues(volume_by_class)) AS cls;

CREATE TABLE IF NOT EXISTS rollup_crowd_1m
(
    camera_id     LowCardinality(String),
    zone_id       LowCardinality(String),
    minute        DateTime('UTC'),
    persons_mean  AggregateFunction(avg, Float32),
    persons_max   SimpleAggregateFunction(max, UInt16)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (camera_id, zone_id, minute)
TTL minute + INTERVAL 1830 DAY
SETTINGS non_replicated_deduplication_window = 100000
COMMENT 'Persons per zone and minute (read through crowd_1m)';

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_crowd_1m_mv TO rollup_crowd_1m AS
SELECT camera_id, site_id AS zone_id, start AS minute, avgState(persons_mean) AS persons_mean, max(persons_max) AS persons_max
FROM traffic_measures
WHERE site_kind = 'zone' AND interval_s = 60
GROUP BY camera_id, zone_id, minute;

INSERT INTO rollup_crowd_1m
SELECT camera_id, site_id AS zone_id, start AS minute, avgState(persons_mean), max(persons_max)
FROM traffic_measures FINAL
WHERE site_kind = 'zone' AND interval_s = 60
GROUP BY camera_id, zone_id, minute;

CREATE TABLE IF NOT EXISTS rollup_camera_1h
(
    camera_id      LowCardinality(String),
    site_kind      LowCardinality(String),
    hour           DateTime('UTC'),
    volume         SimpleAggregateFunction(sum, UInt64),
    pcu            SimpleAggregateFunction(sum, Float64),
    speed_samples  SimpleAggregateFunction(sum, UInt64),
    speed_sum      SimpleAggregateFunction(sum, Float64),
    speed_q        AggregateFunction(quantilesTDigest(0.5, 0.85, 0.95), Float32),
    occupancy      AggregateFunction(avg, Float32),
    los_worst      SimpleAggregateFunction(max, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (camera_id, site_kind, hour)
TTL hour + INTERVAL 1830 DAY
SETTINGS non_replicated_deduplication_window = 100000
COMMENT 'Per camera and hour, from the 15-minute measures (read through camera_hourly)';

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_camera_1h_mv TO rollup_camera_1h AS
SELECT camera_id, site_kind, toStartOfHour(start) AS hour,
       sum(toUInt64(volume)) AS volume,
       sum(toFloat64(pcu)) AS pcu,
       sum(toUInt64(speed_samples)) AS speed_samples,
       sum(toFloat64(ifNull(speed_mean_kmh, 0)) * traffic_measures.speed_samples) AS speed_sum,
       quantilesTDigestArrayState(0.5, 0.85, 0.95)(speeds_kmh) AS speed_q,
       avgState(occupancy) AS occupancy,
       max(toString(los)) AS los_worst
FROM traffic_measures
WHERE interval_s = 900
GROUP BY camera_id, site_kind, hour;

INSERT INTO rollup_camera_1h
SELECT camera_id, site_kind, toStartOfHour(start) AS hour,
       sum(toUInt64(volume)), sum(toFloat64(pcu)),
       sum(toUInt64(speed_samples)), sum(toFloat64(ifNull(speed_mean_kmh, 0)) * traffic_measures.speed_samples),
       quantilesTDigestArrayState(0.5, 0.85, 0.95)(speeds_kmh), avgState(occupancy), max(toString(los))
FROM traffic_measures FINAL
WHERE interval_s = 900
GROUP BY camera_id, site_kind, hour
