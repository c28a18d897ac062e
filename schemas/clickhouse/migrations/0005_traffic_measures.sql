-- 0005: traffic measures per interval (1 minute and 15 minutes) per camera and site, computed by the
-- pipeline (pipeline/measure/) as intervals close, in traffic-engineering terms:
--
--   site_kind = 'line': one row per line, direction (positive / negative) and interval: volume of
--                       crossings by class, flow in passenger-car units, speeds of the crossing vehicles.
--   site_kind = 'zone': one row per zone and interval (direction ''): vehicles entering (volume),
--                       occupancy (share of analysed frames with a vehicle in the zone), mean count,
--                       density (pcu/km/lane, needs calibration), level of service, congestion state,
--                       persons (crowd zones).
--
-- interval_s says which grid the row belongs to (60 or 900); a 15-minute row is not the sum of its
-- minutes for quantiles, so both are written. Rows are deterministic for a given input, and carry the
-- segment's deduplication token, so a retried segment writes nothing twice.
--
-- source_id is part of the key: when two sources of one camera cover the same interval (consecutive
-- archive files, or a live stream restarted), each writes its partial row and readers sum them
-- (volumes add; quantiles come from speeds_kmh). The rollup views do this.

CREATE TABLE IF NOT EXISTS traffic_measures
(
    camera_id        LowCardinality(String),
    site_kind        LowCardinality(String) COMMENT 'line or zone',
    site_id          LowCardinality(String) COMMENT 'the line or zone id of the camera''s scene',
    direction        LowCardinality(String) COMMENT 'lines: positive or negative; zones: empty',
    interval_s       UInt16 COMMENT '60 or 900',
    start            DateTime('UTC') COMMENT 'interval start (aligned to the interval grid)',
    frames           UInt32 COMMENT 'analysed frames in the interval (coverage: 0 = camera blind)',
    volume           UInt32 COMMENT 'vehicles counted (crossings for lines, entries for zones)',
    volume_by_class  Map(LowCardinality(String), UInt32) COMMENT 'volume split by class',
    pcu              Float32 COMMENT 'volume in passenger-car units (config measures.pcu)',
    flow_pcu_h       Float32 COMMENT 'pcu per hour at the interval''s rate',
    speed_samples    UInt32 COMMENT 'vehicles with a speed estimate',
    speed_mean_kmh   Nullable(Float32),
    speed_p85_kmh    Nullable(Float32),
    speeds_kmh       Array(Float32) COMMENT 'the individual speed estimates (for exact quantiles in rollups)',
    occupancy        Float32 COMMENT 'zones: share of analysed frames with at least one vehicle in the zone (0..1)',
    mean_count       Float32 COMMENT 'zones: mean number of vehicles in the zone per analysed frame',
    density_pcu_km   Nullable(Float32) COMMENT 'zones: pcu per km per lane (NULL: no calibration)',
    los              LowCardinality(String) COMMENT 'level of service A-F from density (empty: unknown)',
    phf              Nullable(Float32) COMMENT '15-minute rows: peak-hour factor of the hour ending with this interval',
    persons_mean     Float32 COMMENT 'zones: mean number of persons in the zone per analysed frame',
    persons_max      UInt16,
    congestion       LowCardinality(String) COMMENT 'zones: free, slow, heavy or jam at the interval end (empty: n/a)',
    source_id        LowCardinality(String),
    segment          UInt32 COMMENT 'the segment whose processing closed the interval'
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(start)
ORDER BY (camera_id, interval_s, site_kind, site_id, direction, start, source_id)
TTL start + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 100000, ttl_only_drop_parts = 1
COMMENT 'Per-interval traffic measures per camera, counting line and zone';
