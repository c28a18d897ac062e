import type { AlertCounts, AlertRecord, AlertsQuery } from '../../../schemas/api/alerts.ts';
import { SEVERITIES } from '../../../schemas/events.ts';
import type { ApiStore } from '../store.ts';
import { type EventDbRow, toEventRecord } from './event-rows.ts';
import { isoOf } from './time.ts';

interface AlertDbRow extends EventDbRow {
  district: string;
  ack_ms: number | string | null;
  ack_by: string;
  ack_role: string;
  ack_comment: string;
}

// Events of the range with their camera's district and latest acknowledgement (argMax over every
// acknowledgement of the event: the table keeps them all). Filters are parameters, never text.
function alertsSql(q: AlertsQuery): string {
  const where = [
    "e.ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND e.ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')",
    q.camera === undefined ? '' : 'e.camera_id = {camera:String}',
    q.type === undefined ? '' : 'e.type = {type:String}',
    q.severity === undefined ? '' : 'indexOf({severities:Array(String)}, e.severity) > 0',
    q.district === undefined ? '' : 'c.district = {district:String}',
    q.state === 'open' ? 'a.ack_ms IS NULL' : q.state === 'acknowledged' ? 'a.ack_ms IS NOT NULL' : '',
  ].filter(Boolean);
  return `
SELECT e.event_id AS event_id, e.camera_id AS camera_id, toUnixTimestamp64Milli(e.ts) AS ts_ms,
       toUnixTimestamp64Milli(e.started_at) AS started_ms, e.type AS type, e.rule_id AS rule_id, e.zone_id AS zone_id,
       e.severity AS severity, e.value AS value, e.track_ids AS track_ids, e.message AS message, e.snapshot AS snapshot,
       e.details AS details, e.source_id AS source_id, e.segment AS segment, c.district AS district,
       a.ack_ms AS ack_ms, a.by AS ack_by, a.role AS ack_role, a.comment AS ack_comment
FROM (SELECT * FROM events FINAL) AS e
LEFT JOIN (SELECT camera_id, argMax(district, updated_at) AS district
           FROM cameras GROUP BY camera_id) AS c ON c.camera_id = e.camera_id
LEFT JOIN (SELECT event_id, toNullable(toUnixTimestamp64Milli(max(acked_at))) AS ack_ms,
                  argMax(key_name, acked_at) AS by, argMax(role, acked_at) AS role, argMax(comment, acked_at) AS comment
           FROM alert_acks GROUP BY event_id) AS a ON a.event_id = e.event_id
WHERE ${where.join(' AND ')}
ORDER BY e.ts DESC, e.event_id
LIMIT {limit:UInt32}
SETTINGS join_use_nulls = 1`;
}

/** Alerts of a range, newest first, filtered, each with its district and latest acknowledgement. */
export async function listAlerts(
  store: ApiStore,
  q: AlertsQuery & { fromMs: number; toMs: number },
): Promise<AlertRecord[]> {
  const rank = q.severity ? (SEVERITIES as readonly string[]).indexOf(q.severity) : 0;
  const rows = await store.query<AlertDbRow>(alertsSql(q), {
    from: q.fromMs,
    to: q.toMs,
    limit: q.limit,
    ...(q.camera === undefined ? {} : { camera: q.camera }),
    ...(q.type === undefined ? {} : { type: q.type }),
    ...(q.severity === undefined ? {} : { severities: SEVERITIES.slice(rank) }),
    ...(q.district === undefined ? {} : { district: q.district }),
  });
  return rows.map((r) => ({
    ...toEventRecord(r),
    district: r.district || null,
    acknowledged:
      r.ack_ms == null
        ? null
        : { at: isoOf(Number(r.ack_ms)), by: r.ack_by, role: r.ack_role, comment: r.ack_comment },
  }));
}

/** Alerts per local day and district, by severity, and how many of them are acknowledged. */
export async function alertCounts(
  store: ApiStore,
  o: { fromMs: number; toMs: number; timeZone: string },
): Promise<AlertCounts> {
  const rows = await store.query<Record<string, string | number>>(
    `SELECT toString(toDate(e.ts, {tz:String})) AS day, ifNull(c.district, '') AS district,
            countIf(e.severity = 'info') AS info, countIf(e.severity = 'warning') AS warning,
            countIf(e.severity = 'critical') AS critical, countIf(a.event_id != '') AS acknowledged
     FROM (SELECT event_id, camera_id, ts, severity FROM events FINAL
           WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')) AS e
     LEFT JOIN (SELECT camera_id, argMax(district, updated_at) AS district
                FROM cameras GROUP BY camera_id) AS c ON c.camera_id = e.camera_id
     LEFT JOIN (SELECT DISTINCT event_id FROM alert_acks) AS a ON a.event_id = e.event_id
     GROUP BY day, district ORDER BY day, district`,
    { from: o.fromMs, to: o.toMs, tz: o.timeZone },
  );
  return {
    timeZone: o.timeZone,
    rows: rows.map((r) => ({
      day: String(r.day),
      district: String(r.district),
      info: Number(r.info),
      warning: Number(r.warning),
      critical: Number(r.critical),
      acknowledged: Number(r.acknowledged),
    })),
  };
}
