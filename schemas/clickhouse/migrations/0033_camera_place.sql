-- 0033: where each camera stands, from the place keys of its configuration (config JSON), for the
-- city map and for analysts joining measures to districts. Computed as rows are written; rows
-- written before this migration compute them when read.

ALTER TABLE cameras ADD COLUMN IF NOT EXISTS lat Nullable(Float64) MATERIALIZED JSONExtract(config, 'location', 'lat', 'Nullable(Float64)') COMMENT 'latitude, degrees WGS 84 (NULL: not placed)';

ALTER TABLE cameras ADD COLUMN IF NOT EXISTS lon Nullable(Float64) MATERIALIZED JSONExtract(config, 'location', 'lon', 'Nullable(Float64)') COMMENT 'longitude, degrees WGS 84 (NULL: not placed)';

ALTER TABLE cameras ADD COLUMN IF NOT EXISTS district LowCardinality(String) MATERIALIZED JSONExtractString(config, 'district') COMMENT 'district (empty: none given)';
