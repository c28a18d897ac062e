import { expect, test } from 'vitest';
import { forecastCamera } from '../../pipeline/forecast/camera-forecasts.ts';
import { ResidualForecaster, ridge } from '../../pipeline/forecast/residual-forecaster.ts';
import { historicalAverage, SeasonalProfile, WEEK } from '../../pipeline/forecast/seasonal-profile.ts';

/** A deterministic pseudo-random stream (no Math.random: the test must not depend on luck). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('SeasonalProfile: median of the same weekly slot, only earlier weeks, none below minSamples', () => {
  const y = new Float64Array(4 * WEEK).fill(Number.NaN);
  const i = 3 * WEEK + 10;
  y[i - WEEK] = 10;
  y[i - 2 * WEEK] = 100; // an incident week: the median ignores it
  y[i - 3 * WEEK] = 12;
  y[i] = 999; // the slot itself is never used
  const p = new SeasonalProfile(y, { weeks: 6 });
  expect(p.at(i)).toBe(12);
  expect(new SeasonalProfile(y, { weeks: 1, minSamples: 1 }).at(i)).toBe(10);
  expect(new SeasonalProfile(y, { weeks: 6, minSamples: 4 }).at(i)).toBeNaN();
  expect(historicalAverage(y, i)).toBeCloseTo(122 / 3);
  expect(() => new SeasonalProfile(y, { weeks: 2, minSamples: 3 })).toThrow(RangeError);
});

test('ridge recovers known coefficients', () => {
  const r = rng(1);
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let n = 0; n < 500; n++) {
    const x = [1, r() * 10 - 5, r() * 10 - 5, 0]; // the last column is dead (no neighbour)
    xs.push(x);
    ys.push(2 + 0.7 * x[1] - 0.2 * x[2] + (r() - 0.5) * 0.01);
  }
  const c = ridge(xs, ys);
  expect(c[0]).toBeCloseTo(2, 2);
  expect(c[1]).toBeCloseTo(0.7, 2);
  expect(c[2]).toBeCloseTo(-0.2, 2);
  expect(c[3]).toBe(0);
});

/** Six weeks of a daily pattern plus a persistent disturbance (AR(1), 0.9 per step) plus noise. */
function disturbed(seed: number) {
  const r = rng(seed);
  const y = new Float64Array(6 * WEEK);
  let d = 0;
  for (let i = 0; i < y.length; i++) {
    d = 0.9 * d + (r() - 0.5) * 8;
    y[i] = 50 + 40 * Math.sin((2 * Math.PI * (i % 96)) / 96) + d + (r() - 0.5) * 4;
  }
  return y;
}

test('ResidualForecaster: the residual correction beats the profile alone on a persistent disturbance', () => {
  const y = disturbed(7);
  const f = new ResidualForecaster(y, { horizons: [1, 4] }).fit(0, 5 * WEEK);
  expect(f.fitOf(1)?.coef[1]).toBeGreaterThan(0.6); // r(t) carries most of the next residual
  expect(f.fitOf(4)?.coef[1]).toBeLessThan(f.fitOf(1)?.coef[1] as number); // and fades with the horizon
  let model = 0;
  let profile = 0;
  let inBand = 0;
  let n = 0;
  for (let t = 5 * WEEK; t + 1 < y.length; t++) {
    const p = f.predict(t, 1);
    if (!p) continue;
    model += Math.abs(p.value - y[t + 1]);
    profile += Math.abs(f.profile.at(t + 1) - y[t + 1]);
    if (y[t + 1] >= p.low && y[t + 1] <= p.high) inBand++;
    n++;
  }
  expect(n).toBeGreaterThan(600);
  expect(model / n).toBeLessThan(0.8 * (profile / n)); // measured: 0.73
  expect(inBand / n).toBeGreaterThan(0.7); // an 80 % band
  expect(inBand / n).toBeLessThan(0.9);
});

test('ResidualForecaster: no profile, no forecast; bad options refused', () => {
  const y = disturbed(3).slice(0, WEEK + 5);
  const f = new ResidualForecaster(y, { horizons: [1] }).fit(0, y.length);
  expect(f.predict(y.length - 1, 1)).toBeNull(); // one earlier week < minSamples 2
  expect(() => new ResidualForecaster(y, { horizons: [0] })).toThrow(RangeError);
  expect(() => new ResidualForecaster(y, { horizons: [1], neighbour: new Float64Array(3) })).toThrow(
    /same grid/,
  );
  expect(() => f.predict(3, 2)).toThrow(/not fitted/);
});

test('forecastCamera: rows per measure and horizon, LOS from density; too little history says so', () => {
  const y = disturbed(11);
  const series = { cameraId: 'c', volume: y, speed: y.map((v) => 60 - v / 4), density: y.map((v) => v / 3) };
  const rows = forecastCamera(series, { startMs: 0, losDensity: [7, 11, 16, 22, 28] });
  if (!Array.isArray(rows)) throw new Error(rows.reason);
  expect(rows).toHaveLength(9);
  const issued = y.length * 900_000;
  for (const r of rows) {
    expect(r.issued_at).toBe(issued);
    expect(r.target_start).toBe(issued + (r.horizon_min - 15) * 60_000);
    expect(r.low).toBeLessThanOrEqual(r.value);
    expect(r.high).toBeGreaterThanOrEqual(r.value);
  }
  const d = rows.find((r) => r.measure === 'density_pcu_km' && r.horizon_min === 15);
  const bands = [7, 11, 16, 22, 28];
  const want = 'ABCDE'[bands.findIndex((b) => (d?.value as number) <= b)] ?? 'F';
  expect(d?.los).toBe(want);
  const short = {
    ...series,
    volume: y.slice(0, 10 * 96),
    speed: y.slice(0, 10 * 96),
    density: y.slice(0, 10 * 96),
  };
  const none = forecastCamera(short, { startMs: 0, losDensity: bands });
  expect(none).toEqual({
    cameraId: 'c',
    reason: '10 days of 15-minute measures; forecasts need 14',
    historyDays: 10,
  });
});
