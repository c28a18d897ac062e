import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { CitySummary, CongestionReport } from '../../schemas/api/reports.ts';
import { PRODUCT_CLASSES } from '../../schemas/classes.ts';
import { check } from '../../schemas/validate.ts';
import { CSV_COLUMNS } from '../../workers/api/queries/congestion.ts';
import {
  type ApiHarness,
  eventRow,
  INJECTIONS,
  insertCamera,
  type MeasureFixture,
  measureRows,
  startHarness,
} from './fixtures.ts';

// Fixture: two days ago (inside the raw tables' TTL), cam-a for 24 h and cam-b for 12 h of 15-minute
// measures, cam-a also 2 h of 1-minute measures, and three events on cam-a.
const DAY = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
let h: ApiHarness;
const rowsA = measureRows('cam-a', DAY, 96, 900);
const rowsB = measureRows('cam-b', DAY, 48, 900);
const minutesA = measureRows('cam-a', DAY + 7 * 3600_000, 120, 60);

beforeAll(async () => {
  h = await startHarness(inject('redisUrl'), 'report');
  await insertCamera(h.ch, 'cam-a');
  await insertCamera(h.ch, 'cam-b');
  await insertRows(h.ch.client, 'traffic_measures', [...rowsA, ...rowsB, ...minutesA]);
  await insertRows(h.ch.client, 'events', [
    eventRow('cam-a', DAY + 8 * 3600_000 + 120_000, 'jam_start', 'warning', 'e1', 'jam on lane-1'),
    eventRow(
      'cam-a',
      DAY + 8 * 3600_000 + 600_000,
      'stopped_vehicle',
      'critical',
      'e2',
      'stopped, "quoted", text',
    ),
    eventRow('cam-a', DAY + 9 * 3600_000, 'jam_clear', 'info', 'e3'),
  ]);
});
afterAll(() => h?.close());

const get = (url: string, key: string | null = h.keys.transport) =>
  h.app.inject({ method: 'GET', url, headers: key ? { 'x-api-key': key } : {} });

/** What a report row must hold, computed from the fixture rows independently of the SQL. */
function expected(rows: MeasureFixture[], startMs: number) {
  const at = rows.filter((r) => r.start === new Date(startMs).toISOString().slice(0, 19).replace('T', ' '));
  const lines = at.filter((r) => r.site_kind === 'line');
  const zone = at.find((r) => r.site_kind === 'zone');
  const speeds = lines.flatMap((r) => r.speeds_kmh).sort((a, b) => a - b);
  const byClass: Record<string, number> = {};
  for (const r of lines)
    for (const [c, n] of Object.entries(r.volume_by_class)) byClass[c] = (byClass[c] ?? 0) + n;
  return {
    volume: lines.reduce((a, r) => a + r.volume, 0),
    byClass,
    speedMean:
      lines.reduce((a, r) => a + (r.speed_mean_kmh ?? 0) * r.speed_samples, 0) /
      lines.reduce((a, r) => a + r.speed_samples, 0),
    speedP85: speeds[Math.floor(0.85 * speeds.length)],
    los: zone?.los,
    occupancy: zone?.occupancy,
  };
}

describe('GET /api/v1/reports/congestion', () => {
  test('one camera, a day, 15-minute rows: volume by class, mean and p85 speed, LOS, incidents', async () => {
    const res = await get(
      `/api/v1/reports/congestion?camera=cam-a&from=${iso(DAY)}&to=${iso(DAY + 86_400_000)}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<CongestionReport>();
    expect(check(CongestionReport, report)).toEqual([]); // the output matches its published schema
    expect(report.intervalMinutes).toBe(15);
    expect(report.rows).toHaveLength(96);
    for (const i of [0, 32, 70]) {
      const row = report.rows[i];
      const want = expected(rowsA, DAY + i * 900_000);
      expect(row.start).toBe(iso(DAY + i * 900_000));
      expect(row.end).toBe(iso(DAY + (i + 1) * 900_000));
      expect(row.volume).toBe(want.volume);
      for (const [c, n] of Object.entries(want.byClass)) expect(row.volumeByClass[c]).toBe(n);
      // Stored as Float32 and answered to 0.1 km/h.
      expect(Math.abs((row.speedMeanKmh as number) - want.speedMean)).toBeLessThanOrEqual(0.06);
      expect(Math.abs((row.speedP85Kmh as number) - want.speedP85)).toBeLessThanOrEqual(0.06);
      expect(row.los).toBe(want.los);
      expect(row.occupancy).toBeCloseTo(want.occupancy ?? Number.NaN, 3);
      expect(row.frames).toBe(4500);
    }
    // The morning peak is slower, denser and busier than the night.
    const night = report.rows[8];
    const peak = report.rows[32]; // 08:00
    expect(peak.volume).toBeGreaterThan(night.volume * 2);
    expect(peak.speedMeanKmh as number).toBeLessThan(night.speedMeanKmh as number);
    expect((peak.los as string) > (night.los as string)).toBe(true);
    expect(peak.incidents).toBe(2); // e1 and e2 fall in 08:00-08:15
    expect(report.incidents.map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3']);
  });

  test('hourly intervals sum their quarters; a corridor keeps its order and fills missing intervals', async () => {
    const res = await get(
      `/api/v1/reports/congestion?corridor=cam-b,cam-a&from=${iso(DAY)}&to=${iso(DAY + 86_400_000)}&interval=60`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<CongestionReport>();
    expect(report.cameras).toEqual(['cam-b', 'cam-a']);
    expect(report.rows).toHaveLength(48);
    expect(report.rows[0].cameraId).toBe('cam-b');
    expect(report.rows[24].cameraId).toBe('cam-a');
    const quarters = [0, 1, 2, 3].map((q) => expected(rowsA, DAY + 8 * 3600_000 + q * 900_000).volume);
    expect(report.rows[24 + 8].volume).toBe(quarters.reduce((a, b) => a + b, 0));
    // cam-b has no measures after noon: those hours are present, with no coverage.
    expect(report.rows[13]).toMatchObject({
      cameraId: 'cam-b',
      frames: 0,
      volume: 0,
      speedMeanKmh: null,
      los: null,
    });
  });

  test('1-minute intervals come from the 1-minute measures', async () => {
    const from = DAY + 7 * 3600_000;
    const res = await get(
      `/api/v1/reports/congestion?camera=cam-a&from=${iso(from)}&to=${iso(from + 3600_000)}&interval=1`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<CongestionReport>();
    expect(report.rows).toHaveLength(60);
    expect(report.rows[10].volume).toBe(expected(minutesA, from + 600_000).volume);
  });

  test('more incidents than listed: the list stops at 1000, the per-interval counts are complete', async () => {
    const events = Array.from({ length: 1005 }, (_, i) =>
      eventRow('cam-c', DAY + 3600_000 + i * 3000, 'wrong_way', 'critical', `w${i}`),
    );
    await insertCamera(h.ch, 'cam-c');
    await insertRows(h.ch.client, 'events', events);
    const res = await get(
      `/api/v1/reports/congestion?camera=cam-c&from=${iso(DAY)}&to=${iso(DAY + 86_400_000)}&interval=60`,
    );
    const report = res.json<CongestionReport>();
    expect(report.incidents).toHaveLength(1000);
    expect(report.rows.reduce((n, r) => n + r.incidents, 0)).toBe(1005);
    expect(report.rows[1].incidents).toBe(1005); // one every 3 s from 01:00: all within that hour
  });

  test('CSV has the same rows and values as JSON', async () => {
    const q = `camera=cam-a&from=${iso(DAY)}&to=${iso(DAY + 86_400_000)}`;
    const json = (await get(`/api/v1/reports/congestion?${q}`)).json<CongestionReport>();
    const res = await get(`/api/v1/reports/congestion?${q}&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const viaAccept = await h.app.inject({
      method: 'GET',
      url: `/api/v1/reports/congestion?${q}`,
      headers: { 'x-api-key': h.keys.transport, accept: 'text/csv' },
    });
    expect(viaAccept.body).toBe(res.body);
    const [head, ...lines] = res.body.trimEnd().split('\r\n');
    expect(head.split(',')).toEqual([...CSV_COLUMNS]);
    expect(lines).toHaveLength(json.rows.length);
    lines.forEach((line, i) => {
      const cells = Object.fromEntries(line.split(',').map((v, j) => [CSV_COLUMNS[j], v]));
      const r = json.rows[i];
      const num = (v: string) => (v === '' ? null : Number(v));
      expect(cells.camera_id).toBe(r.cameraId);
      expect(cells.start).toBe(r.start);
      expect(cells.end).toBe(r.end);
      expect(num(cells.volume)).toBe(r.volume);
      for (const c of PRODUCT_CLASSES) expect(num(cells[`volume_${c}`])).toBe(r.volumeByClass[c]);
      expect(num(cells.pcu)).toBe(r.pcu);
      expect(num(cells.flow_pcu_h)).toBe(r.flowPcuH);
      expect(num(cells.speed_mean_kmh)).toBe(r.speedMeanKmh);
      expect(num(cells.speed_p85_kmh)).toBe(r.speedP85Kmh);
      expect(num(cells.occupancy)).toBe(r.occupancy);
      expect(num(cells.density_pcu_km)).toBe(r.densityPcuKm);
      expect(cells.los === '' ? null : cells.los).toBe(r.los);
      expect(num(cells.incidents)).toBe(r.incidents);
    });
  });

  test('invalid input: 400 naming the field', async () => {
    const base = `from=${iso(DAY)}&to=${iso(DAY + 86_400_000)}`;
    const cases: Array<[string, RegExp]> = [
      [`camera=cam-a&from=yesterday&to=${iso(DAY)}`, /querystring\.from: must match format "date-time"/],
      [`camera=cam-a&from=${iso(DAY)}`, /querystring\.to: is required/],
      [`camera=cam-a&${base}&interval=7`, /querystring\.interval: must be one of 1, 5, 15, 30, 60/],
      [`camera=cam-a&${base}&format=xml`, /querystring\.format/],
      [`camera=cam-a&${base}&colour=red`, /querystring\.colour: unknown key/],
      [base, /querystring\.camera: give either camera or corridor/],
      [`camera=cam-a&from=${iso(DAY + 86_400_000)}&to=${iso(DAY)}`, /querystring\.to: must be after from/],
      [
        `camera=cam-a&from=${iso(DAY - 90 * 86_400_000)}&to=${iso(DAY)}&interval=1`,
        /querystring\.to: range too long/,
      ],
      [`corridor=cam-a,,cam-b&${base}`, /querystring\.corridor: empty camera id/],
    ];
    for (const [q, message] of cases) {
      const res = await get(`/api/v1/reports/congestion?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message, q).toMatch(message);
    }
  });

  test('missing or unknown key: 401; a role without reports: 403', async () => {
    const url = `/api/v1/reports/congestion?camera=cam-a&from=${iso(DAY)}&to=${iso(DAY + 3600_000)}`;
    expect((await get(url, null)).statusCode).toBe(401);
    expect((await get(url, 'cfk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(
      401,
    );
    expect((await get(url, 'not a key')).json().message).toMatch(/unknown or revoked API key/);
    const forbidden = await get(url, h.keys.operator);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().message).toMatch(/role operator may not/);
    expect((await get(url, h.keys.analyst)).statusCode).toBe(200);
    expect((await get(url, h.keys.admin)).statusCode).toBe(200);
  });

  test('SQL-injection-like camera ids are data: no such camera, no 500', async () => {
    for (const camera of INJECTIONS) {
      const res = await get(
        `/api/v1/reports/congestion?camera=${encodeURIComponent(camera)}&from=${iso(DAY)}&to=${iso(DAY + 3600_000)}`,
      );
      expect(res.statusCode, camera).toBe(404);
      expect(res.json().message).toBe(
        `querystring.camera: no camera ${JSON.stringify(camera)} (cameras are added by the configuration)`,
      );
    }
    const corridor = await get(
      `/api/v1/reports/congestion?corridor=${encodeURIComponent(`cam-a,${INJECTIONS[1]}`)}&from=${iso(DAY)}&to=${iso(DAY + 3600_000)}`,
    );
    expect(corridor.statusCode).toBe(404);
    expect(corridor.json().message).toContain(
      `querystring.corridor: no camera ${JSON.stringify(INJECTIONS[1])}`,
    );
    // The table the injection names is still there.
    const still = await get(
      `/api/v1/reports/congestion?camera=cam-a&from=${iso(DAY)}&to=${iso(DAY + 3600_000)}`,
    );
    expect(still.json<CongestionReport>().rows[0].volume).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/series/* and /api/v1/crowd', () => {
  const range = `from=${iso(DAY + 8 * 3600_000)}&to=${iso(DAY + 10 * 3600_000)}`;
  test('counts per site and direction, speeds, crowd per zone', async () => {
    const counts = await get(`/api/v1/series/counts?camera=cam-a&${range}&interval=60`, h.keys.analyst);
    expect(counts.statusCode, counts.body).toBe(200);
    const pts = counts.json().points as Array<{
      start: string;
      siteId: string;
      direction: string;
      volume: number;
    }>;
    expect(pts).toHaveLength(6); // 2 hours × (2 line directions + 1 zone)
    const positive8 = rowsA
      .filter(
        (r) =>
          r.direction === 'positive' &&
          r.start >= '' &&
          Date.parse(`${r.start}Z`) >= DAY + 8 * 3600_000 &&
          Date.parse(`${r.start}Z`) < DAY + 9 * 3600_000,
      )
      .reduce((a, r) => a + r.volume, 0);
    expect(pts.find((p) => p.direction === 'positive' && p.start === iso(DAY + 8 * 3600_000))?.volume).toBe(
      positive8,
    );

    const speed = await get(`/api/v1/series/speed?camera=cam-a&${range}`, h.keys.transport);
    expect(speed.statusCode, speed.body).toBe(200);
    const sp = speed.json().points as Array<{
      meanKmh: number;
      p50Kmh: number;
      p85Kmh: number;
      samples: number;
    }>;
    expect(sp).toHaveLength(8);
    expect(Math.abs(sp[0].meanKmh - expected(rowsA, DAY + 8 * 3600_000).speedMean)).toBeLessThanOrEqual(0.06);
    expect(sp[0].p85Kmh).toBeGreaterThanOrEqual(sp[0].p50Kmh);

    const crowd = await get(`/api/v1/crowd?camera=cam-a&${range}&interval=30`, h.keys.operator);
    expect(crowd.statusCode, crowd.body).toBe(200);
    const cp = crowd.json().points as Array<{ zoneId: string; personsMax: number }>;
    expect(cp).toHaveLength(4);
    expect(cp[0].zoneId).toBe('lane-1');
    expect(cp[0].personsMax).toBeGreaterThan(0);
  });

  test('invalid input names the field; keys and roles are checked; injection strings are data', async () => {
    for (const path of ['/api/v1/series/counts', '/api/v1/series/speed', '/api/v1/crowd']) {
      const bad = await get(`${path}?${range}`, h.keys.admin);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toMatch(/querystring\.camera: is required/);
      const badTo = await get(`${path}?camera=cam-a&from=${iso(DAY)}&to=soon`, h.keys.admin);
      expect(badTo.json().message).toMatch(/querystring\.to/);
      expect((await get(`${path}?camera=cam-a&${range}`, null)).statusCode).toBe(401);
      for (const camera of INJECTIONS) {
        const res = await get(`${path}?camera=${encodeURIComponent(camera)}&${range}`, h.keys.admin);
        expect(res.statusCode, `${path} ${camera}`).toBe(200);
        expect(res.json().points).toEqual([]);
      }
    }
    expect((await get(`/api/v1/series/counts?camera=cam-a&${range}`, h.keys.operator)).statusCode).toBe(403);
    expect((await get(`/api/v1/crowd?camera=cam-a&${range}`, h.keys.transport)).statusCode).toBe(403);
  });
});

describe('GET /api/v1/reports/summary', () => {
  test('every camera over the range, busiest first, with incidents', async () => {
    const res = await get(`/api/v1/reports/summary?from=${iso(DAY)}&to=${iso(DAY + 86_400_000)}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(check(CitySummary, res.json())).toEqual([]);
    const cams = res.json().cameras as Array<Record<string, unknown>>;
    expect(cams.map((c) => c.cameraId)).toEqual(['cam-a', 'cam-b']); // cam-b has half a day
    const volumeA = rowsA.filter((r) => r.site_kind === 'line').reduce((a, r) => a + r.volume, 0);
    expect(cams[0]).toMatchObject({ volume: volumeA, coveredIntervals: 96, incidents: 3, worstLos: 'F' });
    expect(cams[0].congestedShare as number).toBeGreaterThan(0);
    expect(cams[0].congestedShare as number).toBeLessThan(1);
  });

  test('invalid input names the field; 401/403; injection-like values are refused as dates', async () => {
    const bad = await get(`/api/v1/reports/summary?from=${iso(DAY)}&to=${encodeURIComponent(INJECTIONS[1])}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/querystring\.to: must match format "date-time"/);
    const long = await get(`/api/v1/reports/summary?from=${iso(DAY - 60 * 86_400_000)}&to=${iso(DAY)}`);
    expect(long.json().message).toMatch(/querystring\.to: range too long/);
    const url = `/api/v1/reports/summary?from=${iso(DAY)}&to=${iso(DAY + 3600_000)}`;
    expect((await get(url, null)).statusCode).toBe(401);
    expect((await get(url, h.keys.operator)).statusCode).toBe(403);
  });
});
