import type { ForecastRow } from '../../schemas/forecast.ts';
import { ResidualForecaster } from './residual-forecaster.ts';
import { WEEK } from './seasonal-profile.ts';

/** One camera's 15-minute series on a common grid: index i is the interval starting at startMs + i·15 min. */
export interface CameraSeries {
  cameraId: string;
  volume: Float64Array;
  speed: Float64Array;
  density: Float64Array;
}

export const MODEL = 'profile+residual/1';
export const HORIZONS = [1, 2, 4] as const; // 15, 30 and 60 minutes
/** The forecasts' grid: 15-minute intervals, ms. */
export const STEP_MS = 900_000;
/** Weeks of history needed before a camera is forecast: two values of each weekly slot. */
export const MIN_WEEKS = 2;

export interface ForecastOptions {
  /** Time of index 0 of every series (UTC ms, on the 15-minute grid). */
  startMs: number;
  /** LOS A-E upper density bounds (config measures.losDensity). */
  losDensity: readonly number[];
  /** Upstream camera of each camera (the previous one along a corridor), when known. */
  upstream?: ReadonlyMap<string, CameraSeries>;
}

/** Why a camera gets no forecast: too little history. */
export interface NoForecast {
  cameraId: string;
  reason: string;
  historyDays: number;
}

const los = (density: number, bounds: readonly number[]) => {
  const i = bounds.findIndex((b) => density <= b);
  return 'ABCDE'[i] ?? 'F';
};

/** Days with at least one value, of the series' span. */
function historyDays(s: CameraSeries): number {
  let first = -1;
  for (let i = 0; i < s.volume.length; i++)
    if (Number.isFinite(s.volume[i])) {
      first = i;
      break;
    }
  return first < 0 ? 0 : Math.round(((s.volume.length - first) / 96) * 10) / 10;
}

/**
 * Forecasts of one camera from its series up to its last index (the latest complete interval):
 * volume, mean speed and density (with its level of service) 15, 30 and 60 minutes ahead, each with
 * its 80 % band and the profile alone. A measure the camera never had (speed without calibration,
 * density without zones) is left out; a camera with under two weeks of history gets none, with the
 * reason.
 *
 * @example
 *   const rows = forecastCamera(series, { startMs, losDensity: [7, 11, 16, 22, 28] });
 */
export function forecastCamera(s: CameraSeries, o: ForecastOptions): ForecastRow[] | NoForecast {
  const days = historyDays(s);
  if (days < MIN_WEEKS * 7)
    return {
      cameraId: s.cameraId,
      reason: `${days} days of 15-minute measures; forecasts need ${MIN_WEEKS * 7}`,
      historyDays: days,
    };
  const t = s.volume.length - 1;
  const issuedMs = o.startMs + (t + 1) * STEP_MS;
  const up = o.upstream?.get(s.cameraId);
  const rows: ForecastRow[] = [];
  for (const measure of ['volume', 'speed', 'density'] as const) {
    const y = s[measure];
    if (!y.some(Number.isFinite)) continue;
    const f = new ResidualForecaster(y, { horizons: HORIZONS, neighbour: up?.[measure], weeks: 6 }).fit(
      Math.max(0, y.length - 4 * WEEK),
      y.length,
    );
    for (const h of HORIZONS) {
      const p = f.predict(t, h);
      if (!p) continue;
      rows.push({
        camera_id: s.cameraId,
        issued_at: issuedMs,
        horizon_min: h * 15,
        target_start: issuedMs + (h - 1) * STEP_MS,
        measure: measure === 'speed' ? 'speed_kmh' : measure === 'density' ? 'density_pcu_km' : 'volume',
        value: p.value,
        low: p.low,
        high: p.high,
        profile: f.profile.at(t + h),
        los: measure === 'density' ? los(p.value, o.losDensity) : '',
        model: MODEL,
      });
    }
  }
  return rows;
}
