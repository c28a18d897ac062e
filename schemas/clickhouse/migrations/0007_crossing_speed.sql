-- 0007: the speed of a vehicle as it crossed a counting line (km/h, from the camera's ground-plane
-- calibration; NULL when uncalibrated or the track was too short to estimate).

ALTER TABLE line_crossings ADD COLUMN IF NOT EXISTS speed_kmh Nullable(Float32) COMMENT 'speed at the crossing, km/h (NULL: unknown)';
