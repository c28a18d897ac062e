import type { IntervalMinutes } from '../../../schemas/api/common.ts';
import type { CongestionReport, CongestionRow } from '../../../schemas/api/reports.ts';
import { PRODUCT_CLASSES } from '../../../schemas/classes.ts';
import type { ApiStore } from '../store.ts';
import { sourceInterval } from './time.ts';
import { travelTimes } from './travel-times.ts';
import {
  type GridSlot,
  isoIn,
  localGrid,
  localIntervalStart,
  localIntervalStartSql,
  UTC,
} from './zone-time.ts';

export interface CongestionRequest {
  cameras: string[];
  fromMs: number;
  toMs: number;
  intervalMinutes: IntervalMinutes;
  /** IANA zone of the intervals' grid and of the times written; default UTC. */
  timeZone?: string;
}

/**
 * The congestion report: per camera (in the corridor's order) and interval, from the pipeline's
 * per-interval measures (traffic_measures FINAL, 0005: a re-processed segment never counts twice),
 * 1-minute rows for intervals under 15 minutes, 15-minute rows otherwise:
 *
 * - volume, volume by class, pcu: summed over the camera's counting lines; cameras with zones only
 *   use zone entries instead;
 * - mean speed: the mean of all speed estimates (weighted by samples); p85: exact over the individual
 *   speeds (speeds_kmh), or the mean of the rows' p85 where those are absent;
 * - occupancy and density: mean over the zones; LOS: the worst (highest letter) of the zones;
 * - incidents: events of the camera in the interval.
 * Intervals without rows are returned with frames = 0 (no coverage) so that every camera has the
 * same grid.
 *
 * With a time zone, the grid is the zone's local clock (zone-time.ts) and every time is written with
 * its offset. A source row counts whole in the report interval that holds its start: exact whenever
 * the zone's offset is a multiple of the source rows' 15 minutes (every zone in use today, Kathmandu's
 * +5:45 and Chatham's +12:45 included); under a historic offset that is not, a 15-minute row
 * straddling a local boundary is not split between the two intervals.
 */
export async function congestionReport(store: ApiStore, req: CongestionRequest): Promise<CongestionReport> {
  const stepS = req.intervalMinutes * 60;
  const timeZone = req.timeZone ?? UTC;
  const params = {
    cameras: req.cameras,
    src: sourceInterval(req.intervalMinutes),
    from: Math.floor(req.fromMs / 1000),
    to: Math.floor(req.toMs / 1000),
    step: stepS,
    tz: timeZone,
  };
  // A corridor's consecutive pairs of cameras: travel times from plate matches.
  const pairs = req.cameras.slice(1).map((to, i) => [req.cameras[i], to] as const);
  const [measures, incidents, travel] = await Promise.all([
    store.query<MeasureRow>(MEASURES_SQL, params),
    store.query<IncidentDbRow>(INCIDENTS_SQL, { ...params, limit: MAX_INCIDENTS + 1 }),
    Promise.all(
      pairs.map(([fromCamera, toCamera]) =>
        travelTimes(store, { ...req, timeZone, fromCamera, toCamera, maxMinutes: CORRIDOR_TRIP_MINUTES }),
      ),
    ),
  ]);
  // The per-interval counts come from the list when it is complete; one more query when it is not.
  const eventCounts =
    incidents.length > MAX_INCIDENTS
      ? await store.query<{ camera_id: string; t_s: number | string; n: number | string }>(
          EVENT_COUNTS_SQL,
          params,
        )
      : countByInterval(incidents, stepS, timeZone);
  incidents.splice(MAX_INCIDENTS);
  const key = (camera: string, t: number) => `${camera}\u0000${t}`;
  const byKey = new Map(measures.map((m) => [key(m.camera_id, Number(m.t_s)), m]));
  const events = new Map(eventCounts.map((e) => [key(e.camera_id, Number(e.t_s)), Number(e.n)]));

  // One grid for every camera: its times are written once.
  const grid = localGrid(params.from, params.to, stepS, timeZone);
  const rows: CongestionRow[] = [];
  for (const camera of req.cameras) {
    for (const slot of grid) {
      const m = byKey.get(key(camera, slot.key));
      rows.push(toRow(camera, slot, m, events.get(key(camera, slot.key)) ?? 0));
    }
  }
  return {
    cameras: req.cameras,
    from: isoIn(req.fromMs, timeZone),
    to: isoIn(req.toMs, timeZone),
    intervalMinutes: req.intervalMinutes,
    timeZone,
    rows,
    incidents: incidents.map((e) => ({
      eventId: e.event_id,
      cameraId: e.camera_id,
      ts: isoIn(Number(e.ts_ms), timeZone),
      type: e.type,
      severity: e.severity,
      zoneId: e.zone_id,
      message: e.message,
    })),
    travelTimes: travel,
  };
}

/** A corridor's travel times count a later sighting as the same trip within this long. */
export const CORRIDOR_TRIP_MINUTES = 60;

/** Incidents listed in a report (all are counted per interval). */
export const MAX_INCIDENTS = 1000;

function countByInterval(incidents: IncidentDbRow[], stepS: number, timeZone: string) {
  const counts = new Map<string, { camera_id: string; t_s: number; n: number }>();
  for (const e of incidents) {
    const t = localIntervalStart(Math.floor(Number(e.ts_ms) / 1000), stepS, timeZone);
    const k = `${e.camera_id}\u0000${t}`;
    const c = counts.get(k) ?? { camera_id: e.camera_id, t_s: t, n: 0 };
    c.n++;
    counts.set(k, c);
  }
  return [...counts.values()];
}

interface MeasureRow {
  camera_id: string;
  t_s: number | string;
  frames: number | string;
  volume: number | string;
  [classColumn: `v_${string}`]: number | string;
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
  slot: GridSlot,
  m: MeasureRow | undefined,
  incidents: number,
): CongestionRow {
  const volumeByClass = Object.fromEntries(PRODUCT_CLASSES.map((c) => [c, m ? Number(m[`v_${c}`]) : 0]));
  const pcu = round(m ? Number(m.pcu) : 0) ?? 0;
  return {
    cameraId,
    start: slot.startIso,
    end: slot.endIso,
    frames: m ? Number(m.frames) : 0,
    volume: m ? Number(m.volume) : 0,
    volumeByClass,
    pcu,
    flowPcuH: round((pcu * 3600) / (slot.end - slot.start)) ?? 0,
    speedMeanKmh: round(m?.speed_mean ?? null, 1),
    speedP85Kmh: round(m?.speed_p85 ?? null, 1),
    occupancy: round(m?.occupancy ?? null, 3),
    densityPcuKm: round(m?.density ?? null, 1),
    los: m?.los || null,
    incidents,
  };
}

// One column per product class (a sumMap of the Map column and its parsing cost 40 % of the query).
const CLASS_COLUMNS = PRODUCT_CLASSES.map(
  (c) =>
    `if(has_lines, sumIf(volume_by_class['${c}'], site_kind = 'line'), sumIf(volume_by_class['${c}'], site_kind = 'zone')) AS v_${c}`,
).join(',\n  ');

// One pass, grouped straight into report intervals (a two-step grouping, per source interval first,
// measured twice as slow on 30 days); t_s is the interval's start on the zone's local grid, in UTC
// seconds. frames: the sites' rows of one source interval share the same analysed-frame count, so
// their sum divided by the number of sites is the interval's coverage.
const MEASURES_SQL = `
SELECT
  camera_id,
  ${localIntervalStartSql('start')} AS t_s,
  countIf(site_kind = 'line') > 0 AS has_lines,
  intDiv(sum(frames), greatest(1, uniqExact(site_kind, site_id, direction))) AS frames,
  if(has_lines, sumIf(volume, site_kind = 'line'), sumIf(volume, site_kind = 'zone')) AS volume,
  ${CLASS_COLUMNS},
  if(has_lines, sumIf(pcu, site_kind = 'line'), sumIf(pcu, site_kind = 'zone')) AS pcu,
  if(has_lines,
     sumIf(speed_mean_kmh * speed_samples, site_kind = 'line' AND speed_mean_kmh IS NOT NULL),
     sumIf(speed_mean_kmh * speed_samples, site_kind = 'zone' AND speed_mean_kmh IS NOT NULL))
    / nullIf(if(has_lines,
       sumIf(speed_samples, site_kind = 'line' AND speed_mean_kmh IS NOT NULL),
       sumIf(speed_samples, site_kind = 'zone' AND speed_mean_kmh IS NOT NULL)), 0) AS speed_mean,
  if(has_lines, countIf(site_kind = 'line' AND notEmpty(speeds_kmh)), countIf(site_kind = 'zone' AND notEmpty(speeds_kmh))) > 0
    AS has_speeds,
  if(has_speeds,
     if(has_lines,
        quantileExactArrayIf(0.85)(speeds_kmh, site_kind = 'line'),
        quantileExactArrayIf(0.85)(speeds_kmh, site_kind = 'zone')),
     if(has_lines, avgIf(speed_p85_kmh, site_kind = 'line'), avgIf(speed_p85_kmh, site_kind = 'zone'))) AS speed_p85,
  if(countIf(site_kind = 'zone') = 0, NULL, avgIf(occupancy, site_kind = 'zone')) AS occupancy,
  avgIf(density_pcu_km, site_kind = 'zone') AS density,
  nullIf(maxIf(toString(los), site_kind = 'zone' AND los != ''), '') AS los
FROM traffic_measures FINAL
WHERE camera_id IN {cameras:Array(String)}
  AND interval_s = {src:UInt16}
  AND start >= toDateTime({from:UInt32}, 'UTC') AND start < toDateTime({to:UInt32}, 'UTC')
GROUP BY camera_id, t_s
ORDER BY camera_id, t_s`;

const EVENT_COUNTS_SQL = `
SELECT camera_id, ${localIntervalStartSql('ts')} AS t_s, count() AS n
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
LIMIT {limit:UInt32}`;

/**
 * CSV columns, in order; the same values as the JSON rows (tested). time_zone (the report's, the same
 * on every row) is a column rather than a line above the header: a spreadsheet or a CSV reader then
 * takes the first line as the header, and the zone stays with rows copied elsewhere. It comes last so
 * that the other columns keep their places.
 */
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
  'time_zone',
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
        report.timeZone,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
