/**
 * Travel times and the origin-destination matrix from plate reads seeded into the real embedded
 * ClickHouse, through the real API: medians and 85th percentiles computed here independently
 * (PERCENTILE.INC), matching by plate hash only, the time window, tracks spanning segments, roles.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { type ApiHarness, insertCamera, startHarness } from './fixtures.ts';

const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000 + 8 * 3600_000; // yesterday 08:00 UTC
const iso = (ms: number) => new Date(ms).toISOString();
let h: ApiHarness;
let segment = 0;

/** A plate read row: vehicle `v` (its hash) seen at `camera`, `s` seconds after T0. */
function read(camera: string, v: string, s: number, track = segment + 1) {
  segment++;
  return {
    camera_id: camera,
    source_id: `${camera}/live`,
    segment,
    track_id: track,
    ts: T0 + s * 1000,
    plate: `51F${v}`,
    plate_hash: `hash-${v}`,
    display: v,
    confidence: 0.95,
    reads: 2,
    agreeing: 2,
    layout: 'one-line',
    country: 'VN',
    vehicle_class: 'car',
    box: { x: 0, y: 0, w: 50, h: 12 },
  };
}

/** Excel's PERCENTILE.INC: linear between the two nearest ranks. */
function percentileInc(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

const FIRST = [60, 90, 120, 150, 300]; // departures 08:00-08:15, travel seconds to cam-b
const SECOND = [200, 400]; // departures 08:15-08:30

beforeAll(async () => {
  h = await startHarness(inject('redisUrl'), 'travel');
  const rows = [
    ...FIRST.flatMap((dt, i) => [read('cam-a', `1000${i}`, 60 * i), read('cam-b', `1000${i}`, 60 * i + dt)]),
    ...SECOND.flatMap((dt, i) => [
      read('cam-a', `2000${i}`, 900 + 60 * i),
      read('cam-b', `2000${i}`, 900 + 60 * i + dt),
    ]),
    // Seen at cam-b two hours after cam-a: another trip, not matched within 60 minutes.
    read('cam-a', '30000', 100),
    read('cam-b', '30000', 100 + 7200),
    // Seen at cam-b before cam-a only: no trip from a to b.
    read('cam-b', '40000', 50),
    read('cam-a', '40000', 400),
    // A track spanning two segments at cam-a: one sighting (its first), then cam-b, then cam-c.
    read('cam-a', '50000', 30, 900),
    read('cam-a', '50000', 40, 900),
    read('cam-b', '50000', 30 + 500),
    read('cam-c', '50000', 30 + 800),
  ];
  await insertRows(h.ch.client, 'plate_reads', rows);
});
afterAll(() => h?.close());

const get = (url: string, key: string | null) =>
  h.app.inject({ method: 'GET', url, headers: key ? { 'x-api-key': key } : {} });

describe('travel times between two cameras', () => {
  test('median and 85th percentile per 15-minute interval of departure, from plate-hash matches', async () => {
    const url = `/api/v1/reports/travel-times?fromCamera=cam-a&toCamera=cam-b&from=${iso(T0)}&to=${iso(T0 + 3600_000)}`;
    const r = await get(url, h.keys.transport);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    // Interval 08:00: FIRST plus the vehicle whose track spans two segments (500 s).
    const first = [...FIRST, 500];
    expect(body.intervals).toEqual([
      {
        start: iso(T0),
        matched: first.length,
        medianSeconds: percentileInc(first, 0.5),
        p85Seconds: Math.round(percentileInc(first, 0.85) * 10) / 10,
      },
      {
        start: iso(T0 + 900_000),
        matched: 2,
        medianSeconds: percentileInc(SECOND, 0.5),
        p85Seconds: percentileInc(SECOND, 0.85),
      },
    ]);
    expect(body.intervals[1].medianSeconds).toBe(300);
  });

  test('a longer window matches the later trip; the reverse direction has only its own trips', async () => {
    const wide = await get(
      `/api/v1/reports/travel-times?fromCamera=cam-a&toCamera=cam-b&from=${iso(T0)}&to=${iso(T0 + 3600_000)}&maxMinutes=180`,
      h.keys.analyst,
    );
    expect(wide.json().intervals[0].matched).toBe(FIRST.length + 2);
    const back = await get(
      `/api/v1/reports/travel-times?fromCamera=cam-b&toCamera=cam-a&from=${iso(T0 - 600_000)}&to=${iso(T0 + 3600_000)}`,
      h.keys.analyst,
    );
    expect(back.json().intervals).toEqual([
      { start: iso(T0), matched: 1, medianSeconds: 350, p85Seconds: 350 },
    ]);
  });

  test('origin-destination matrix: each sighting to the same vehicle’s next camera', async () => {
    const r = await get(
      `/api/v1/reports/od-matrix?cameras=cam-a,cam-b,cam-c&from=${iso(T0 - 3600_000)}&to=${iso(T0 + 6 * 3600_000)}`,
      h.keys.transport,
    );
    expect(r.statusCode, r.body).toBe(200);
    // a→b: FIRST, SECOND and the spanning track; b→a: vehicle 40000; b→c: the spanning track.
    // The 2-hour trip is over the 60-minute window.
    expect(r.json().counts).toEqual([
      [0, FIRST.length + SECOND.length + 1, 0],
      [1, 0, 1],
      [0, 0, 0],
    ]);
  });

  test("a corridor's congestion report carries the travel times between consecutive cameras", async () => {
    for (const camera of ['cam-a', 'cam-b', 'cam-c']) await insertCamera(h.ch, camera);
    const range = `from=${iso(T0)}&to=${iso(T0 + 3600_000)}`;
    const report = await get(
      `/api/v1/reports/congestion?corridor=cam-a,cam-b,cam-c&${range}`,
      h.keys.transport,
    );
    expect(report.statusCode, report.body).toBe(200);
    const pairs = report.json().travelTimes;
    expect(
      pairs.map((t: { fromCamera: string; toCamera: string }) => `${t.fromCamera}>${t.toCamera}`),
    ).toEqual(['cam-a>cam-b', 'cam-b>cam-c']);
    const direct = await get(
      `/api/v1/reports/travel-times?fromCamera=cam-a&toCamera=cam-b&${range}`,
      h.keys.transport,
    );
    expect(pairs[0].intervals).toEqual(direct.json().intervals);
    // b→c: the spanning track, 300 s from cam-b (departed 08:08:50) to cam-c.
    expect(pairs[1].intervals).toEqual([{ start: iso(T0), matched: 1, medianSeconds: 300, p85Seconds: 300 }]);
    const one = await get(`/api/v1/reports/congestion?camera=cam-a&${range}`, h.keys.transport);
    expect(one.json().travelTimes).toEqual([]);
  });

  test('roles and bad requests', async () => {
    const url = `/api/v1/reports/travel-times?fromCamera=cam-a&toCamera=cam-b&from=${iso(T0)}&to=${iso(T0 + 3600_000)}`;
    expect((await get(url, null)).statusCode).toBe(401);
    expect((await get(url, h.keys.operator)).statusCode).toBe(403);
    const same = await get(url.replace('toCamera=cam-b', 'toCamera=cam-a'), h.keys.transport);
    expect(same.statusCode).toBe(400);
    expect(same.json().message).toMatch(/toCamera: must differ/);
  });
});
