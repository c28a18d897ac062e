/**
 * Days raw rows (frames, detections) are kept: the TTL of those tables in
 * schemas/clickhouse/migrations/0001_init.sql. ClickHouse drops rows that are already past their TTL
 * at insert time, silently, so sources older than this are refused at submission (see
 * PipelineNode.submitFile) rather than processed for nothing.
 */
export const RAW_RETENTION_DAYS = 400;
