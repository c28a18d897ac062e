import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { measuresSql } from '../../benchmarks/api/generate.ts';
import { median } from '../../pipeline/stats/median.ts';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import type { ForecastAnswer } from '../../schemas/forecast.ts';
import { refreshForecasts } from '../../workers/forecast/refresh-forecasts.ts';
import { type ApiHarness, INJECTIONS, measureRows, startHarness } from './fixtures.ts';

let h: ApiHarness;
const STEP = 900_000;
const NOW = Date.now();
const ISSUED = Math.floor(NOW / STEP) * STEP;

beforeAll(async () => {
  h = await startHarness(inject('redisUrl'), 'forecast');
  // cam-000..cam-002: 21 days of generated 15-minute measures up to the latest complete interval.
  const days = 21;
  await h.ch.client.command({ query: measuresSql(900, ISSUED / 1000 - days * 86_400, days * 96, 3) });
  // A corridor cam-000 → cam-001 → cam-002, 1000 m then 500 m.
  await insertRows(
    h.ch.client,
    'cameras',
    [
      ['cam-000', { id: 'c1', position: 1, toNextM: 1000 }],
      ['cam-001', { id: 'c1', position: 2, toNextM: 500 }],
      ['cam-002', { id: 'c1', position: 3 }],
    ].map(([id, m]) => ({
      camera_id: id,
      name: id,
      source_uri: 'rtsp://x',
      config: JSON.stringify({ corridors: [m] }),
    })),
  );
  // cam-short: 3 days only.
  await insertRows(
    h.ch.client,
    'traffic_measures',
    measureRows('cam-short', ISSUED - 3 * 86_400_000, 3 * 96, 900),
  );
  const summary = await refreshForecasts(h.ch.client, { losDensity: [7, 11, 16, 22, 28], nowMs: NOW });
  expect(summary).toMatchObject({ cameras: 4, forecast: 3, rows: 27 });
  expect(summary.insufficient.map((n) => n.cameraId)).toEqual(['cam-short']);
}, 60_000);
afterAll(async () => h?.close());

const get = (url: string, key: string | null = h.keys.transport) =>
  h.app.inject({ method: 'GET', url, headers: key ? { 'x-api-key': key } : {} });

test('GET /api/v1/forecast: 15, 30 and 60 minutes ahead with bands, the profile from the same weekly slots', async () => {
  const res = await get('/api/v1/forecast?camera=cam-001');
  expect(res.statusCode, res.body).toBe(200);
  const [f] = (res.json() as ForecastAnswer).cameras;
  expect(f).toMatchObject({
    cameraId: 'cam-001',
    status: 'ok',
    reason: null,
    issuedAt: new Date(ISSUED).toISOString(),
  });
  expect(f.horizons.map((x) => x.horizonMin)).toEqual([15, 30, 60]);
  for (const x of f.horizons) {
    expect(x.targetStart).toBe(new Date(ISSUED + (x.horizonMin - 15) * 60_000).toISOString());
    for (const [v, lo, hi] of [
      [x.volume, x.volumeLow, x.volumeHigh],
      [x.speedKmh, x.speedLow, x.speedHigh],
    ]) {
      expect(lo as number).toBeLessThanOrEqual(v as number);
      expect(hi as number).toBeGreaterThanOrEqual(v as number);
    }
    expect(x.los).toMatch(/^[A-F]$/);
    // The profile, computed here straight from the rows: the median of the same slot 1-3 weeks before.
    const target = ISSUED + (x.horizonMin - 15) * 60_000;
    const rs = await h.ch.client.query({
      query: `SELECT sum(volume) AS v FROM traffic_measures FINAL WHERE camera_id = 'cam-001' AND interval_s = 900
              AND site_kind = 'line' AND toUnixTimestamp(start) IN (${[1, 2, 3].map((k) => (target - k * 7 * 86_400_000) / 1000)})
              GROUP BY start`,
      format: 'JSONEachRow',
    });
    const weeks = (await rs.json<{ v: string }>()).map((r) => Number(r.v));
    expect(weeks).toHaveLength(3);
    expect(x.profileVolume).toBeCloseTo(median(weeks), 1);
  }
});

test('a camera with too little history, or none, says so; a corridor keeps its order', async () => {
  const res = await get('/api/v1/forecast?corridor=cam-short,cam-002,nope');
  expect(res.statusCode, res.body).toBe(200);
  const [short, ok, nope] = (res.json() as ForecastAnswer).cameras;
  expect(short).toMatchObject({ cameraId: 'cam-short', status: 'insufficient-history', horizons: [] });
  expect(short.reason).toMatch(/^3 days of 15-minute measures in the last 6 weeks; forecasts need 14$/);
  expect(ok).toMatchObject({ cameraId: 'cam-002', status: 'ok' });
  expect(nope).toMatchObject({ cameraId: 'nope', status: 'insufficient-history' });
});

test('a corridor: its travel time per horizon from the legs’ lengths and the forecast speeds', async () => {
  const res = await get('/api/v1/forecast?corridor=cam-000,cam-001,cam-002');
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as ForecastAnswer;
  const speed = (i: number, h: number) =>
    body.cameras[i].horizons.find((x) => x.horizonMin === h)?.speedKmh as number;
  expect(body.corridor?.lengthM).toBe(1500);
  expect(body.corridor?.reason).toBeNull();
  for (const h of [15, 30, 60]) {
    const want =
      1000 / ((speed(0, h) + speed(1, h)) / 2 / 3.6) + 500 / ((speed(1, h) + speed(2, h)) / 2 / 3.6);
    expect(body.corridor?.horizons.find((x) => x.horizonMin === h)?.travelTimeS).toBe(Math.round(want));
  }
  const gap = (await get('/api/v1/forecast?corridor=cam-000,cam-002')).json() as ForecastAnswer;
  expect(gap.corridor?.horizons.every((x) => x.travelTimeS === null)).toBe(true);
  expect(gap.corridor?.reason).toBe(
    'no road length from cam-000 to cam-002: give toNextM in their corridor membership',
  );
  expect(((await get('/api/v1/forecast?camera=cam-000')).json() as ForecastAnswer).corridor).toBeUndefined();
});

test('roles, validation and injection-like values', async () => {
  expect((await get('/api/v1/forecast?camera=cam-001', null)).statusCode).toBe(401);
  expect((await get('/api/v1/forecast?camera=cam-001', h.keys.plates)).statusCode).toBe(403);
  for (const role of ['analyst', 'operator', 'transport'] as const)
    expect((await get('/api/v1/forecast?camera=cam-001', h.keys[role])).statusCode, role).toBe(200);
  for (const url of [
    '/api/v1/forecast',
    '/api/v1/forecast?camera=a&corridor=b,c',
    '/api/v1/forecast?corridor=a,,b',
    '/api/v1/forecast?corridor=a,a',
    '/api/v1/forecast?camera=a&horizon=15',
  ]) {
    const res = await get(url);
    expect(res.statusCode, url).toBe(400);
    expect(res.json().message, url).toMatch(/querystring/);
  }
  for (const v of INJECTIONS.filter((x) => !x.includes('\u0000'))) {
    const res = await get(`/api/v1/forecast?camera=${encodeURIComponent(v)}`);
    expect(res.statusCode, v).toBe(200);
    expect(res.json().cameras[0].status, v).toBe('insufficient-history');
  }
});
