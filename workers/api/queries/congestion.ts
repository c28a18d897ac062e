import type { IntervalMinutes } from '../../../schemas/api/common.ts';
import type { CongestionReport, CongestionRow } from '../../../schemas/api/reports.ts';
import { PRODUCT_CLASSES } from '../../../schemas/classes.ts';
import type { ApiStore } from '../store.ts';
import { isoOf, sourceInterval } from './time.ts';

export interface CongestionRequest {
  cameras: string[];
  fromMs: number;
  toMs: number;
  intervalMinutes: IntervalMinutes;
}

/**
 * The congestion report: per camera (in the corridor's order) and interval, from the pipeline's
 * per-interval measures (traffic_measures, 0005). Two steps:
 *
 *   traffic_measures rows ── per camera and source interval (1 or 15 min) ──▶ one camera-interval
 *                         ── per camera and report interval (1..60 min)    ──▶ report row
 *
 * - volume, volume by class, pcu: summed over the camera's counting lines; cameras with zones only
 *   use zone entries instead;
 * - mean speed: the mean of all speed estimates (weighted by samples); p85: exact over the individual
 *   speeds (speeds_kmh), or the mean of the rows' p85 where those are absent;
 * - occupancy and density: mean over the zones; LOS: the worst (highest letter) of the zones;
 * - incidents: events of the camera in the interval.
 * Intervals without rows are returned with frames = 0 (no coverage) so that every camera has the
 * same grid.
 */
export async function congestionReport(store: ApiStore, req: CongestionRequest): Promise<CongestionReport> {
  const stepS = req.intervalMinutes * 60;
  const params = {
    cameras: req.cameras,
    src: sourceInterval(req.intervalMinutes),
    from: Math.floor(req.fromMs / 1000),
    to: Math.floor(req.toMs / 1000),
    step: stepS,
  };
  const [measures, eventCounts, incidents] = await Promise.all([
    store.query<MeasureRow>(MEASURES_SQL, params),
    store.query<{ camera_id: string; t_s: number | string; n: number | string }>(EVENT_COUNTS_SQL, params),
    store.query<IncidentDbRow>(INCIDENTS_SQL, params),
  ]);
  const key = (camera: string, t: number) => `${camera}\u0000${t}`;
  const byKey = new Map(measures.map((m) => [key(m.camera_id, Number(m.t_s)), m]));
  const events = new Map(eventCounts.map((e) => [key(e.camera_id, Number(e.t_s)), Number(e.n)]));

  const first = Math.floor(params.from / stepS) * stepS;
  const rows: CongestionRow[] = [];
  for (const camera of req.cameras) {
    for (let t = first; t < params.to; t += stepS) {
      const m = byKey.get(key(camera, t));
      rows.push(toRow(camera, t, stepS, m, events.get(key(camera, t)) ?? 0));
    }
  }
  return {
    cameras: req.cameras,
    from: isoOf(req.fromMs),
    to: isoOf(req.toMs),
    intervalMinutes: req.intervalMinutes,
    rows,
    incidents: incidents.map((e) => ({
      eventId: e.event_id,
      cameraId: e.camera_id,
      ts: isoOf(Number(e.ts_ms)),
      type: e.type,
      severity: e.severity,
      zoneId: e.zone_id,
      message: e.message,
    })),
  };
}

interface MeasureRow {
  camera_id: string;
  t_s: number | string;
  frames: number | string;
  volume: number | string;
  by_class: Record<string, number | string>;
  pcu: number;
  speed_mean: number | null;
  speed_p85: number | null;
  occupancy: number | null;
  density: number | null;
  los: string | null;
}

interface IncidentDbRow {
  event_id: string;
  camera_id: string;
  ts_ms: number | string;
  type: string;
  severity: string;
  zone_id: string;
  message: string;
}

const round = (v: number | null, digits = 2) =>
  v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits;

function toRow(
  cameraId: string,
  t: number,
  stepS: number,
  m: MeasureRow | undefined,
  incidents: number,
): CongestionRow {
  const volumeByClass: Record<string, number> = Object.fromEntries(PRODUCT_CLASSES.map((c) => [c, 0]));
  for (const [c, n] of Object.entries(m?.by_class ?? {})) volumeByClass[c] = Number(n);
  const pcu = round(m ? Number(m.pcu) : 0) ?? 0;
  return {
    cameraId,
    start: isoOf(t * 1000),
    end: isoOf((t + stepS) * 1000),
    frames: m ? Number(m.frames) : 0,
    volume: m ? Number(m.volume) : 0,
    volumeByClass,
    pcu,
    flowPcuH: round((pcu * 3600) / stepS) ?? 0,
    speedMeanKmh: round(m?.speed_mean ?? null, 1),
    speedP85Kmh: round(m?.speed_p85 ?? null, 1),
    occupancy: round(m?.occupancy ?? null, 3),
    densityPcuKm: round(m?.density ?? null, 1),
    los: m?.los || null,
    incidents,
  };
}

const MEASURES_SQL = `
WITH per_start AS (
  SELECT
    camera_id,
    start,
    countIf(site_kind = 'line') > 0 AS has_lines,
    max(frames) AS frames,
    if(has_lines, sumIf(volume, site_kind = 'line'), sumIf(volume, site_kind = 'zone')) AS volume,
    if(has_lines, sumMapIf(volume_by_class, site_kind = 'line'), sumMapIf(volume_by_class, site_kind = 'zone')) AS by_class,
    if(has_lines, sumIf(pcu, site_kind = 'line'), sumIf(pcu, site_kind = 'zone')) AS pcu,
    if(has_lines,
       sumIf(speed_mean_kmh * speed_samples, site_kind = 'line' AND speed_mean_kmh IS NOT NULL),
       sumIf(speed_mean_kmh * speed_samples, site_kind = 'zone' AND speed_mean_kmh IS NOT NULL)) AS speed_sum,
    if(has_lines,
       sumIf(speed_samples, site_kind = 'line' AND speed_mean_kmh IS NOT NULL),
       sumIf(speed_samples, site_kind = 'zone' AND speed_mean_kmh IS NOT NULL)) AS speed_n,
    if(has_lines,
       arrayFlatten(groupArrayIf(speeds_kmh, site_kind = 'line')),
       arrayFlatten(groupArrayIf(speeds_kmh, site_kind = 'zone'))) AS speeds,
    if(has_lines, avgIf(speed_p85_kmh, site_kind = 'line'), avgIf(speed_p85_kmh, site_kind = 'zone')) AS p85_rows,
    if(countIf(site_kind = 'zone') = 0, NULL, avgIf(occupancy, site_kind = 'zone')) AS occupancy,
    avgIf(density_pcu_km, site_kind = 'zone') AS density,
    nullIf(maxIf(toString(los), site_kind = 'zone' AND los != ''), '') AS los
  FROM traffic_measures FINAL
  WHERE camera_id IN {cameras:Array(String)}
    AND interval_s = {src:UInt16}
    AND start >= toDateTime({from:UInt32}, 'UTC') AND start < toDateTime({to:UInt32}, 'UTC')
  GROUP BY camera_id, start
)
SELECT
  camera_id,
  toUnixTimestamp(toStartOfInterval(start, toIntervalSecond({step:UInt32}))) AS t_s,
  sum(frames) AS frames,
  sum(volume) AS volume,
  sumMap(by_class) AS by_class,
  sum(pcu) AS pcu,
  sum(speed_sum) / nullIf(sum(speed_n), 0) AS speed_mean,
  if(length(arrayFlatten(groupArray(speeds))) > 0,
     arrayReduce('quantileExact(0.85)', arrayFlatten(groupArray(speeds))),
     avg(p85_rows)) AS speed_p85,
  avg(occupancy) AS occupancy,
  avg(density) AS density,
  max(los) AS los
FROM per_start
GROUP BY camera_id, t_s
ORDER BY camera_id, t_s`;

const EVENT_COUNTS_SQL = `
SELECT camera_id, toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) AS t_s, count() AS n
FROM events FINAL
WHERE camera_id IN {cameras:Array(String)}
  AND ts >= toDateTime64({from:UInt32}, 3, 'UTC') AND ts < toDateTime64({to:UInt32}, 3, 'UTC')
GROUP BY camera_id, t_s`;

const INCIDENTS_SQL = `
SELECT event_id, camera_id, toUnixTimestamp64Milli(ts) AS ts_ms, type, severity, zone_id, message
FROM events FINAL
WHERE camera_id IN {cameras:Array(String)}
  AND ts >= toDateTime64({from:UInt32}, 3, 'UTC') AND ts < toDateTime64({to:UInt32}, 3, 'UTC')
ORDER BY ts
LIMIT 1000`;

/** CSV columns, in order; the same values as the JSON rows (tested). */
export const CSV_COLUMNS = [
  'camera_id',
  'start',
  'end',
  'frames',
  'volume',
  ...PRODUCT_CLASSES.map((c) => `volume_${c}`),
  'pcu',
  'flow_pcu_h',
  'speed_mean_kmh',
  'speed_p85_kmh',
  'occupancy',
  'density_pcu_km',
  'los',
  'incidents',
] as const;

/** The report's rows as CSV (RFC 4180; empty cell = no value). */
export function congestionCsv(report: CongestionReport): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of report.rows) {
    lines.push(
      [
        r.cameraId,
        r.start,
        r.end,
        r.frames,
        r.volume,
        ...PRODUCT_CLASSES.map((c) => r.volumeByClass[c] ?? 0),
        r.pcu,
        r.flowPcuH,
        r.speedMeanKmh,
        r.speedP85Kmh,
        r.occupancy,
        r.densityPcuKm,
        r.los,
        r.incidents,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
