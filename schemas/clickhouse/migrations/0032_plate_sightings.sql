-- 0032: plate_sightings, the plate reads without the plate text, for analyses that match vehicles
-- across cameras by the keyed hash (travel times, origin-destination) without personal data. Grant
-- analysts this view rather than plate_reads.

CREATE VIEW IF NOT EXISTS plate_sightings
(
    camera_id       LowCardinality(String),
    source_id       LowCardinality(String),
    track_id        UInt32,
    ts              DateTime64(3, 'UTC'),
    plate_hash      String COMMENT 'HMAC-SHA256 of the plate with the deployment key',
    confidence      Float32,
    layout          LowCardinality(String),
    country         LowCardinality(String),
    vehicle_class   LowCardinality(String)
) AS
SELECT camera_id, source_id, track_id, ts, plate_hash, confidence, layout, country, vehicle_class
FROM plate_reads FINAL;
