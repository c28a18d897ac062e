import type { CameraForecast, CorridorForecast } from '../../../schemas/forecast.ts';
import type { CameraPlace } from '../../../schemas/place.ts';
import type { ApiStore } from '../store.ts';
import { isoOf } from './time.ts';

/** Forecasts issued longer ago than this are not current: the camera gets none. */
const CURRENT_MS = 2 * 3600_000;
const MIN_DAYS = 14;

interface Row {
  camera_id: string;
  issued_ms: number | string;
  horizon_min: number;
  target_ms: number | string;
  measure: string;
  value: number;
  low: number;
  high: number;
  profile: number;
  los: string;
  model: string;
}

// The newest refresh of each camera within CURRENT_MS, all its rows.
const LATEST = `
SELECT camera_id, toUnixTimestamp(issued_at) * 1000 AS issued_ms, horizon_min,
       toUnixTimestamp(target_start) * 1000 AS target_ms, measure, value, low, high, profile, los, model
FROM forecasts FINAL
WHERE camera_id IN {cameras:Array(String)}
  AND (camera_id, issued_at) IN (
    SELECT camera_id, max(issued_at) FROM forecasts
    WHERE camera_id IN {cameras:Array(String)} AND issued_at >= now() - INTERVAL ${CURRENT_MS / 1000} SECOND
    GROUP BY camera_id)
ORDER BY camera_id, horizon_min, measure`;

// How much 15-minute history each camera has in the window a forecast reads.
const HISTORY = `
SELECT camera_id, uniqExact(start) / 96 AS days FROM traffic_measures
WHERE interval_s = 900 AND camera_id IN {cameras:Array(String)} AND start >= now() - INTERVAL 43 DAY
GROUP BY camera_id`;

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function horizonsOf(rows: readonly Row[]): CameraForecast['horizons'] {
  const byH = new Map<number, Row[]>();
  for (const r of rows) byH.set(r.horizon_min, [...(byH.get(r.horizon_min) ?? []), r]);
  return [...byH.entries()].map(([h, rs]) => {
    const m = (name: string) => rs.find((r) => r.measure === name);
    const v = m('volume');
    const s = m('speed_kmh');
    const d = m('density_pcu_km');
    return {
      horizonMin: h,
      targetStart: isoOf(Number(rs[0].target_ms)),
      volume: v ? round(v.value) : null,
      volumeLow: v ? round(v.low) : null,
      volumeHigh: v ? round(v.high) : null,
      speedKmh: s ? round(s.value) : null,
      speedLow: s ? round(s.low) : null,
      speedHigh: s ? round(s.high) : null,
      densityPcuKm: d ? round(d.value) : null,
      los: d?.los || null,
      profileVolume: v ? round(v.profile) : null,
    };
  });
}

/**
 * The current forecasts of the given cameras, in the given order: 15, 30 and 60 minutes ahead of
 * the latest refresh (at most two hours old). A camera without one says why: too little history
 * (under two weeks of 15-minute measures) or no refresh yet.
 */
export async function currentForecasts(
  store: ApiStore,
  cameras: readonly string[],
): Promise<CameraForecast[]> {
  const [rows, history] = await Promise.all([
    store.query<Row>(LATEST, { cameras }),
    store.query<{ camera_id: string; days: number }>(HISTORY, { cameras }),
  ]);
  const days = new Map(history.map((h) => [h.camera_id, Number(h.days)]));
  return cameras.map((id) => {
    const mine = rows.filter((r) => r.camera_id === id);
    if (mine.length)
      return {
        cameraId: id,
        status: 'ok',
        reason: null,
        issuedAt: isoOf(Number(mine[0].issued_ms)),
        model: mine[0].model,
        horizons: horizonsOf(mine),
      };
    const d = round(days.get(id) ?? 0);
    const short = d < MIN_DAYS;
    return {
      cameraId: id,
      status: short ? 'insufficient-history' : 'none-yet',
      reason: short
        ? `${d} days of 15-minute measures in the last 6 weeks; forecasts need ${MIN_DAYS}`
        : 'no forecast in the last 2 hours: `cityflow run` refreshes them every 15 minutes (or run `cityflow forecast`)',
      issuedAt: null,
      model: null,
      horizons: [],
    };
  });
}

/**
 * The corridor's forecast travel time per horizon, from its legs' lengths (each camera's `toNextM`
 * in a corridor where the next camera of the list holds the next position) and the forecast speeds.
 */
export async function corridorTravelTime(
  store: ApiStore,
  cameras: readonly string[],
  forecasts: readonly CameraForecast[],
): Promise<CorridorForecast> {
  const rows = await store.query<{ camera_id: string; config: string }>(
    'SELECT camera_id, argMax(config, updated_at) AS config FROM cameras WHERE camera_id IN {cameras:Array(String)} GROUP BY camera_id',
    { cameras },
  );
  const memberships = new Map(
    rows.map((r) => {
      try {
        return [r.camera_id, (JSON.parse(r.config || '{}') as CameraPlace).corridors ?? []];
      } catch {
        return [r.camera_id, []];
      }
    }),
  );
  const lengths = cameras.slice(1).map((to, i) => {
    const mine = memberships.get(cameras[i]) ?? [];
    const theirs = memberships.get(to) ?? [];
    const leg = mine.find((m) => theirs.some((t) => t.id === m.id && t.position === m.position + 1));
    return leg?.toNextM ?? null;
  });
  const speedAt = (id: string, h: number) =>
    forecasts.find((f) => f.cameraId === id)?.horizons.find((x) => x.horizonMin === h)?.speedKmh ?? null;
  const missing = lengths.indexOf(null);
  const horizons = [15, 30, 60].map((h) => {
    if (missing >= 0) return { horizonMin: h, travelTimeS: null };
    let total = 0;
    for (let i = 0; i < lengths.length; i++) {
      const s = [speedAt(cameras[i], h), speedAt(cameras[i + 1], h)].filter(
        (v): v is number => v != null && v > 0,
      );
      if (!s.length) return { horizonMin: h, travelTimeS: null };
      total += (lengths[i] as number) / (s.reduce((a, b) => a + b, 0) / s.length / 3.6);
    }
    return { horizonMin: h, travelTimeS: Math.round(total) };
  });
  const reason =
    missing >= 0
      ? `no road length from ${cameras[missing]} to ${cameras[missing + 1]}: give toNextM in their corridor membership`
      : horizons.some((x) => x.travelTimeS === null)
        ? 'a leg has no speed forecast at either end'
        : null;
  const lengthM = missing >= 0 ? null : (lengths as number[]).reduce((a, b) => a + b, 0);
  return { cameras: [...cameras], lengthM, horizons, reason };
}
