-- 0021: views for analysts, with stable names and documented columns, over the rollups of 0020 and
-- the events table. They finalise the aggregate states, so a plain SELECT gives numbers:
--
--   SELECT * FROM traffic_15m WHERE camera_id = 'cam-07' AND start >= now() - INTERVAL 1 DAY
--
-- Names are a contract (docs/sql-cookbook.md builds on them): change them only with a new view.

CREATE VIEW IF NOT EXISTS traffic_15m
(
    camera_id       LowCardinality(String) COMMENT 'camera',
    site_kind       LowCardinality(String) COMMENT 'line (counting line) or zone',
    site_id         LowCardinality(String) COMMENT 'the line or zone id of the camera scene',
    direction       LowCardinality(String) COMMENT 'lines: positive or negative; zones: empty',
    start           DateTime('UTC') COMMENT 'interval start (15-minute grid, UTC)',
    frames          UInt32 COMMENT 'analysed frames in the interval (0: camera blind)',
    volume          UInt64 COMMENT 'vehicles counted: crossings (lines) or entries (zones)',
    pcu             Float64 COMMENT 'volume in passenger-car units',
    flow_pcu_h      Float64 COMMENT 'hourly flow rate, pcu/h',
    speed_samples   UInt64 COMMENT 'vehicles with a speed estimate',
    speed_mean_kmh  Nullable(Float64) COMMENT 'mean speed, km/h (NULL: no estimate)',
    speed_p50_kmh   Nullable(Float64) COMMENT 'median speed, km/h (t-digest)',
    speed_p85_kmh   Nullable(Float64) COMMENT '85th-percentile speed, km/h (t-digest)',
    occupancy       Float64 COMMENT 'zones: share of analysed frames with a vehicle in the zone, 0..1',
    density_pcu_km  Nullable(Float64) COMMENT 'zones: pcu per km per lane (NULL: no calibration)',
    los             String COMMENT 'zones: level of service A-F (empty: unknown)',
    persons_mean    Float64 COMMENT 'zones: mean persons in the zone per analysed frame',
    persons_max     UInt16 COMMENT 'zones: most persons seen at once'
) AS
SELECT camera_id, site_kind, site_id, direction, start,
       max(frames) AS frames,
       sum(volume) AS volume,
       sum(pcu) AS pcu,
       sum(rollup_traffic.pcu) * 4 AS flow_pcu_h,
       sum(speed_samples) AS speed_samples,
       sum(speed_sum) / nullIf(sum(rollup_traffic.speed_samples), 0) AS speed_mean_kmh,
       if(sum(rollup_traffic.speed_samples) = 0, NULL, quantilesTDigestMerge(0.5, 0.85, 0.95)(speed_q)[1]) AS speed_p50_kmh,
       if(sum(rollup_traffic.speed_samples) = 0, NULL, quantilesTDigestMerge(0.5, 0.85, 0.95)(speed_q)[2]) AS speed_p85_kmh,
       avgMerge(occupancy) AS occupancy,
       avgMerge(density) AS density_pcu_km,
       max(los_worst) AS los,
       avgMerge(persons_mean) AS persons_mean,
       max(persons_max) AS persons_max
FROM rollup_traffic
WHERE interval_s = 900
GROUP BY camera_id, site_kind, site_id, direction, start
COMMENT 'Traffic per camera, counting line or zone, direction and 15 minutes';

CREATE VIEW IF NOT EXISTS traffic_1m
(
    camera_id       LowCardinality(String) COMMENT 'camera',
    site_kind       LowCardinality(String) COMMENT 'line or zone',
    site_id         LowCardinality(String) COMMENT 'the line or zone id',
    direction       LowCardinality(String) COMMENT 'lines: positive or negative; zones: empty',
    start           DateTime('UTC') COMMENT 'minute (UTC)',
    frames          UInt32 COMMENT 'analysed frames in the minute',
    volume          UInt64 COMMENT 'vehicles counted',
    pcu             Float64 COMMENT 'passenger-car units',
    flow_pcu_h      Float64 COMMENT 'hourly flow rate, pcu/h',
    speed_samples   UInt64 COMMENT 'vehicles with a speed estimate',
    speed_mean_kmh  Nullable(Float64) COMMENT 'mean speed, km/h',
    speed_p85_kmh   Nullable(Float64) COMMENT '85th-percentile speed, km/h (t-digest)',
    occupancy       Float64 COMMENT 'zones: occupancy 0..1',
    los             String COMMENT 'zones: level of service A-F',
    persons_max     UInt16 COMMENT 'zones: most persons seen at once'
) AS
SELECT camera_id, site_kind, site_id, direction, start,
       max(frames) AS frames,
       sum(volume) AS volume,
       sum(pcu) AS pcu,
       sum(rollup_traffic.pcu) * 60 AS flow_pcu_h,
       sum(speed_samples) AS speed_samples,
       sum(speed_sum) / nullIf(sum(rollup_traffic.speed_samples), 0) AS speed_mean_kmh,
       if(sum(rollup_traffic.speed_samples) = 0, NULL, quantilesTDigestMerge(0.5, 0.85, 0.95)(speed_q)[2]) AS speed_p85_kmh,
       avgMerge(occupancy) AS occupancy,
       max(los_worst) AS los,
       max(persons_max) AS persons_max
FROM rollup_traffic
WHERE interval_s = 60
GROUP BY camera_id, site_kind, site_id, direction, start
COMMENT 'Traffic per camera, counting line or zone, direction and minute';

CREATE VIEW IF NOT EXISTS vehicle_mix_15m
(
    camera_id  LowCardinality(String) COMMENT 'camera',
    site_kind  LowCardinality(String) COMMENT 'line or zone',
    site_id    LowCardinality(String) COMMENT 'the line or zone id',
    direction  LowCardinality(String) COMMENT 'lines: positive or negative; zones: empty',
    class      LowCardinality(String) COMMENT 'car, motorcycle, bus, truck, bicycle, person',
    start      DateTime('UTC') COMMENT 'interval start (15-minute grid, UTC)',
    volume     UInt64 COMMENT 'objects of this class counted'
) AS
SELECT camera_id, site_kind, site_id, direction, class, start, sum(volume) AS volume
FROM rollup_class
WHERE interval_s = 900
GROUP BY camera_id, site_kind, site_id, direction, class, start
COMMENT 'Volume per class, camera, site, direction and 15 minutes';

CREATE VIEW IF NOT EXISTS crowd_1m
(
    camera_id     LowCardinality(String) COMMENT 'camera',
    zone_id       LowCardinality(String) COMMENT 'zone',
    minute        DateTime('UTC') COMMENT 'minute (UTC)',
    persons_mean  Float64 COMMENT 'mean persons in the zone per analysed frame',
    persons_max   UInt16 COMMENT 'most persons seen at once'
) AS
SELECT camera_id, zone_id, minute, avgMerge(persons_mean) AS persons_mean, max(persons_max) AS persons_max
FROM rollup_crowd_1m
GROUP BY camera_id, zone_id, minute
COMMENT 'Persons per zone and minute';

CREATE VIEW IF NOT EXISTS camera_hourly
(
    camera_id       LowCardinality(String) COMMENT 'camera',
    site_kind       LowCardinality(String) COMMENT 'line: volumes are crossings; zone: entries (use line where a camera has lines)',
    hour            DateTime('UTC') COMMENT 'hour (UTC)',
    volume          UInt64 COMMENT 'vehicles counted in the hour, all sites of the kind',
    pcu             Float64 COMMENT 'passenger-car units (= hourly flow, pcu/h)',
    speed_mean_kmh  Nullable(Float64) COMMENT 'mean speed, km/h',
    speed_p85_kmh   Nullable(Float64) COMMENT '85th-percentile speed, km/h (t-digest)',
    occupancy       Float64 COMMENT 'mean occupancy of the zones, 0..1',
    los_worst       String COMMENT 'worst level of service of the hour (zones)'
) AS
SELECT camera_id, site_kind, hour,
       sum(volume) AS volume,
       sum(pcu) AS pcu,
       sum(speed_sum) / nullIf(sum(speed_samples), 0) AS speed_mean_kmh,
       if(sum(speed_samples) = 0, NULL, quantilesTDigestMerge(0.5, 0.85, 0.95)(speed_q)[2]) AS speed_p85_kmh,
       avgMerge(occupancy) AS occupancy,
       max(los_worst) AS los_worst
FROM rollup_camera_1h
GROUP BY camera_id, site_kind, hour
COMMENT 'Per camera and hour: volume, speeds, occupancy, worst LOS';

CREATE VIEW IF NOT EXISTS incidents
(
    event_id    String COMMENT 'stable id of the event',
    camera_id   LowCardinality(String) COMMENT 'camera',
    ts          DateTime64(3, 'UTC') COMMENT 'when the condition was confirmed',
    started_at  DateTime64(3, 'UTC') COMMENT 'when the condition began',
    duration_s  Float64 COMMENT 'seconds from start to confirmation',
    type        LowCardinality(String) COMMENT 'jam_start, stopped_vehicle, wrong_way, crowd_form, camera_offline, ...',
    severity    LowCardinality(String) COMMENT 'info, warning or critical',
    zone_id     LowCardinality(String) COMMENT 'zone or line concerned (empty: whole camera)',
    value       Float64 COMMENT 'the measure that triggered',
    message     String COMMENT 'human-readable summary',
    snapshot    String COMMENT 'path of the JPEG evidence (empty: none)'
) AS
SELECT event_id, camera_id, ts, started_at, (toUnixTimestamp64Milli(ts) - toUnixTimestamp64Milli(started_at)) / 1000 AS duration_s,
       type, severity, zone_id, value, message, snapshot
FROM events FINAL
COMMENT 'Events and alerts, one row per event';
