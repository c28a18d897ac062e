import type { ClickHouseClient } from '@clickhouse/client';
import {
  type CameraSeries,
  forecastCamera,
  type NoForecast,
  STEP_MS,
} from '../../pipeline/forecast/camera-forecasts.ts';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { forecastRows } from '../../pipeline/store/rows.ts';
import type { ForecastRow } from '../../schemas/forecast.ts';
import type { CorridorMembership } from '../../schemas/place.ts';

/** History read per refresh: the profile's 6 weeks plus a day. */
const HISTORY_DAYS = 6 * 7 + 1;

export interface RefreshSummary {
  issuedAt: string;
  cameras: number;
  forecast: number;
  rows: number;
  insufficient: NoForecast[];
}

// Per camera and 15-minute interval: vehicles (its lines; its zones' entries when it has no line),
// the speed-weighted mean speed, the worst zone density. FINAL: a re-processed segment counts once.
const SERIES = `
SELECT camera_id, intDiv(toUnixTimestamp(start) * 1000 - {from:Int64}, ${STEP_MS}) AS i,
  if(countIf(site_kind = 'line') > 0, sumIf(volume, site_kind = 'line'), sumIf(volume, site_kind = 'zone')) AS v,
  sumIf(assumeNotNull(speed_mean_kmh) * speed_samples, speed_samples > 0)
    / nullIf(sumIf(speed_samples, speed_samples > 0), 0) AS s,
  maxIf(density_pcu_km, site_kind = 'zone') AS d
FROM traffic_measures FINAL
WHERE interval_s = 900 AND start >= toDateTime({from:Int64} / 1000, 'UTC') AND start < toDateTime({to:Int64} / 1000, 'UTC')
GROUP BY camera_id, start`;

/** Every camera's 15-minute series over [fromMs, toMs) (NaN where there are no measures). */
export async function loadSeries(
  client: ClickHouseClient,
  fromMs: number,
  toMs: number,
): Promise<CameraSeries[]> {
  const n = Math.round((toMs - fromMs) / STEP_MS);
  const rs = await client.query({
    query: SERIES,
    query_params: { from: fromMs, to: toMs },
    format: 'JSONEachRow',
  });
  const byCamera = new Map<string, CameraSeries>();
  for (const r of await rs.json<{
    camera_id: string;
    i: number | string;
    v: number | string;
    s: number | null;
    d: number | null;
  }>()) {
    let s = byCamera.get(r.camera_id);
    if (!s) {
      const empty = () => new Float64Array(n).fill(Number.NaN);
      s = { cameraId: r.camera_id, volume: empty(), speed: empty(), density: empty() };
      byCamera.set(r.camera_id, s);
    }
    const i = Number(r.i);
    s.volume[i] = Number(r.v);
    if (r.s != null) s.speed[i] = Number(r.s);
    if (r.d != null) s.density[i] = Number(r.d);
  }
  return [...byCamera.values()];
}

/** Each camera's upstream neighbour: the camera one position before it in its first corridor. */
async function upstreamOf(
  client: ClickHouseClient,
  series: readonly CameraSeries[],
): Promise<Map<string, CameraSeries>> {
  const rs = await client.query({
    query: 'SELECT camera_id, config FROM cameras FINAL',
    format: 'JSONEachRow',
  });
  const slots = new Map<string, string>(); // "<corridor>#<position>" → camera
  const first = new Map<string, CorridorMembership>();
  for (const r of await rs.json<{ camera_id: string; config: string }>()) {
    let corridors: CorridorMembership[] = [];
    try {
      corridors = (JSON.parse(r.config || '{}') as { corridors?: CorridorMembership[] }).corridors ?? [];
    } catch {
      continue; // an unreadable row has no neighbours
    }
    for (const m of corridors) slots.set(`${m.id}#${m.position}`, r.camera_id);
    if (corridors[0]) first.set(r.camera_id, corridors[0]);
  }
  const byId = new Map(series.map((s) => [s.cameraId, s]));
  const out = new Map<string, CameraSeries>();
  for (const [camera, m] of first) {
    const up = byId.get(slots.get(`${m.id}#${m.position - 1}`) ?? '');
    if (up) out.set(camera, up);
  }
  return out;
}

/**
 * One refresh: forecasts for every camera from the measures up to the last complete 15-minute
 * interval before `nowMs`, written to `forecasts` (a refresh of the same interval replaces its rows).
 *
 * @example
 *   const summary = await refreshForecasts(client, { losDensity: cfg.measures.losDensity });
 */
export async function refreshForecasts(
  client: ClickHouseClient,
  o: { losDensity: readonly number[]; nowMs?: number },
): Promise<RefreshSummary> {
  const issuedMs = Math.floor((o.nowMs ?? Date.now()) / STEP_MS) * STEP_MS;
  const startMs = issuedMs - HISTORY_DAYS * 86_400_000;
  const series = await loadSeries(client, startMs, issuedMs);
  const upstream = await upstreamOf(client, series);
  const rows: ForecastRow[] = [];
  const insufficient: NoForecast[] = [];
  for (const s of series) {
    const out = forecastCamera(s, { startMs, losDensity: o.losDensity, upstream });
    if (Array.isArray(out)) rows.push(...out);
    else insufficient.push(out);
  }
  await insertRows(client, 'forecasts', forecastRows(rows));
  return {
    issuedAt: new Date(issuedMs).toISOString(),
    cameras: series.length,
    forecast: series.length - insufficient.length,
    rows: rows.length,
    insufficient,
  };
}
