import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { CongestionReport } from '../../schemas/api/reports.ts';
import { PRODUCT_CLASSES } from '../../schemas/classes.ts';
import { check } from '../../schemas/validate.ts';
import { CSV_COLUMNS } from '../../workers/api/queries/congestion.ts';
import {
  isoIn,
  localGrid,
  localIntervalStart,
  localIntervalStartSql,
} from '../../workers/api/queries/zone-time.ts';
import { buildApi } from '../../workers/api/server.ts';
import { DirectStore } from '../../workers/api/store.ts';
import {
  type ApiHarness,
  eventRow,
  insertCamera,
  type MeasureFixture,
  measureRows,
  startHarness,
} from './fixtures.ts';

// Fixture: 48 h of 15-minute measures for cam-a and cam-b around a UTC midnight two days ago (DAY),
// so that local days east of UTC (Vietnam +7, India +5:30, Nepal +5:45) are fully covered.
const DAY = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
const DATE = new Date(DAY).toISOString().slice(0, 10);
const HOUR = 3600_000;
const QUARTER = 900_000;
const rowsA = measureRows('cam-a', DAY - 12 * HOUR, 192, 900);
const rowsB = measureRows('cam-b', DAY - 12 * HOUR, 192, 900);
let h: ApiHarness;

beforeAll(async () => {
  h = await startHarness(inject('redisUrl'), 'report-tz');
  await insertCamera(h.ch, 'cam-a');
  await insertCamera(h.ch, 'cam-b');
  await insertRows(h.ch.client, 'traffic_measures', [...rowsA, ...rowsB]);
  await insertRows(h.ch.client, 'events', [
    // 08:05 in Ho Chi Minh City; 06:35 in Kolkata.
    eventRow('cam-a', DAY + HOUR + 5 * 60_000, 'jam_start', 'warning', 'e1'),
    // 09:10 in Kolkata: the local 09:00 hour, where a UTC grid would put it at 03:00.
    eventRow('cam-a', DAY + 3 * HOUR + 40 * 60_000, 'stopped_vehicle', 'critical', 'e2'),
  ]);
});
afterAll(() => h?.close());

const get = (url: string, app = h.app) =>
  app.inject({ method: 'GET', url, headers: { 'x-api-key': h.keys.transport } });
const report = async (query: string) => {
  const res = await get(`/api/v1/reports/congestion?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<CongestionReport>();
  expect(check(CongestionReport, body)).toEqual([]);
  return body;
};
const range = (fromMs: number, toMs: number) =>
  `from=${encodeURIComponent(new Date(fromMs).toISOString())}&to=${encodeURIComponent(new Date(toMs).toISOString())}`;

/** An instant as wall time at a fixed offset (minutes east), written by hand: `…T08:15:00+07:00`. */
function atOffset(ms: number, minutes: number) {
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
  const wall = new Date(ms + minutes * 60_000).toISOString().slice(0, 19);
  return `${wall}${minutes < 0 ? '-' : '+'}${hh}:${mm}`;
}

/** What a report interval must hold: the fixture rows starting in [fromMs, toMs), summed here. */
function totals(rows: MeasureFixture[], fromMs: number, toMs: number) {
  const inside = rows.filter((r) => {
    const t = Date.parse(`${r.start.replace(' ', 'T')}Z`);
    return t >= fromMs && t < toMs;
  });
  const lines = inside.filter((r) => r.site_kind === 'line');
  const zones = inside.filter((r) => r.site_kind === 'zone');
  const byClass = Object.fromEntries(PRODUCT_CLASSES.map((c) => [c, 0]));
  for (const r of lines) for (const [c, n] of Object.entries(r.volume_by_class)) byClass[c] += n;
  const speeds = lines.flatMap((r) => r.speeds_kmh).sort((a, b) => a - b);
  return {
    quarters: zones.length,
    volume: lines.reduce((a, r) => a + r.volume, 0),
    byClass,
    pcu: lines.reduce((a, r) => a + r.pcu, 0),
    speedMean:
      lines.reduce((a, r) => a + (r.speed_mean_kmh ?? 0) * r.speed_samples, 0) /
      lines.reduce((a, r) => a + r.speed_samples, 0),
    speedP85: speeds[Math.floor(0.85 * speeds.length)],
    occupancy: zones.reduce((a, r) => a + r.occupancy, 0) / zones.length,
    los: zones.map((r) => r.los).sort()[zones.length - 1],
  };
}

describe('congestion report in a time zone', () => {
  test('Asia/Ho_Chi_Minh, 15 minutes: local midnight to midnight, +07:00 offsets, the same values', async () => {
    const from = DAY - 7 * HOUR; // 00:00 in Ho Chi Minh City
    const r = await report(`camera=cam-a&${range(from, from + 24 * HOUR)}&timeZone=Asia/Ho_Chi_Minh`);
    expect(r.timeZone).toBe('Asia/Ho_Chi_Minh');
    expect(r.from).toBe(`${DATE}T00:00:00+07:00`);
    expect(r.to).toBe(atOffset(from + 24 * HOUR, 420));
    expect(r.rows).toHaveLength(96);
    expect(r.rows[0].start).toBe(`${DATE}T00:00:00+07:00`);
    expect(r.rows[33].start).toBe(`${DATE}T08:15:00+07:00`);
    expect(r.rows[33].end).toBe(`${DATE}T08:30:00+07:00`);
    r.rows.forEach((row, i) => {
      const t = from + i * QUARTER;
      expect(row.start).toBe(atOffset(t, 420));
      expect(row.end).toBe(atOffset(t + QUARTER, 420));
      const want = totals(rowsA, t, t + QUARTER);
      expect(row.frames).toBe(4500);
      expect(row.volume).toBe(want.volume);
      expect(row.los).toBe(want.los);
    });
    const peak = totals(rowsA, from + 33 * QUARTER, from + 34 * QUARTER);
    expect(r.rows[33].volumeByClass).toEqual(peak.byClass);
    expect(Math.abs((r.rows[33].speedMeanKmh as number) - peak.speedMean)).toBeLessThanOrEqual(0.06);
    expect(r.rows[32].incidents).toBe(1); // e1 at 08:05 local
    expect(r.incidents.map((e) => e.ts)).toEqual([`${DATE}T08:05:00+07:00`, `${DATE}T10:40:00+07:00`]);
  });

  test('Asia/Kolkata, 60 minutes: local hours (:30 UTC), sums of their four quarters', async () => {
    const from = DAY - 5.5 * HOUR; // 00:00 in Kolkata
    const r = await report(
      `corridor=cam-a,cam-b&${range(from, from + 24 * HOUR)}&interval=60&timeZone=Asia/Kolkata`,
    );
    expect(r.timeZone).toBe('Asia/Kolkata');
    expect(r.rows).toHaveLength(48);
    for (const [c, camera] of ['cam-a', 'cam-b'].entries()) {
      const rows = c === 0 ? rowsA : rowsB;
      for (let hour = 0; hour < 24; hour++) {
        const row = r.rows[c * 24 + hour];
        const t = from + hour * HOUR;
        expect(row.cameraId).toBe(camera);
        expect(row.start).toBe(`${DATE}T${String(hour).padStart(2, '0')}:00:00+05:30`);
        expect(row.end).toBe(atOffset(t + HOUR, 330));
        expect(Date.parse(row.start) % HOUR).toBe(30 * 60_000);
        const want = totals(rows, t, t + HOUR);
        expect(want.quarters).toBe(4);
        expect(row.frames).toBe(4 * 4500);
        expect(row.volume).toBe(want.volume);
        expect(row.volumeByClass).toEqual(want.byClass);
        expect(row.pcu).toBeCloseTo(want.pcu, 2);
        expect(row.flowPcuH).toBeCloseTo(want.pcu, 2);
        expect(Math.abs((row.speedMeanKmh as number) - want.speedMean)).toBeLessThanOrEqual(0.06);
        expect(Math.abs((row.speedP85Kmh as number) - want.speedP85)).toBeLessThanOrEqual(0.06);
        expect(Math.abs((row.occupancy as number) - want.occupancy)).toBeLessThanOrEqual(0.001);
        expect(row.los).toBe(want.los);
      }
    }
    expect(r.rows.map((row) => row.incidents).slice(0, 24)).toEqual(
      Array.from({ length: 24 }, (_, i) => (i === 6 || i === 9 ? 1 : 0)),
    );
    // The corridor's travel times are on the same clock.
    expect(r.travelTimes[0]).toMatchObject({ from: `${DATE}T00:00:00+05:30`, fromCamera: 'cam-a' });
    // The day's total is the same on either grid; the hours are not.
    const utc = await report(`camera=cam-a&${range(from, from + 24 * HOUR)}&interval=60`);
    const total = (rows: CongestionReport['rows']) => rows.reduce((a, row) => a + row.volume, 0);
    expect(total(r.rows.slice(0, 24))).toBe(totals(rowsA, from, from + 24 * HOUR).volume);
    expect(utc.rows[0].start).toBe(new Date(from - 30 * 60_000).toISOString()); // 18:00Z: the UTC grid
  });

  test('Asia/Kathmandu (+5:45): 15-minute rows fall on the local quarter hours, hours start at :15 UTC', async () => {
    const from = DAY - 5.75 * HOUR; // 00:00 in Kathmandu
    const quarters = await report(`camera=cam-a&${range(from, from + 2 * HOUR)}&timeZone=Asia/Kathmandu`);
    expect(quarters.rows.map((row) => row.start.slice(11))).toEqual(
      ['00', '01'].flatMap((hh) => ['00', '15', '30', '45'].map((mm) => `${hh}:${mm}:00+05:45`)),
    );
    quarters.rows.forEach((row, i) => {
      expect(row.frames).toBe(4500); // one source row each: nothing to split
      expect(row.volume).toBe(totals(rowsA, from + i * QUARTER, from + (i + 1) * QUARTER).volume);
    });
    const hours = await report(
      `camera=cam-a&${range(from, from + 2 * HOUR)}&interval=60&timeZone=Asia/Kathmandu`,
    );
    expect(hours.rows.map((row) => row.start)).toEqual([`${DATE}T00:00:00+05:45`, `${DATE}T01:00:00+05:45`]);
    expect(Date.parse(hours.rows[0].start) % HOUR).toBe(15 * 60_000);
    expect(hours.rows[1].volume).toBe(totals(rowsA, from + HOUR, from + 2 * HOUR).volume);
  });

  test('an unknown zone: 400 naming querystring.timeZone', async () => {
    const base = `camera=cam-a&${range(DAY, DAY + HOUR)}`;
    for (const [zone, message] of [
      ['Saigon/Central', /querystring\.timeZone: unknown time zone "Saigon\/Central"/],
      ['GMT+7', /querystring\.timeZone: unknown time zone/],
      // Intl takes any case; ClickHouse's names are case-sensitive: still a 400, not a 500.
      ['asia/kolkata', /querystring\.timeZone: unknown time zone "asia\/kolkata"/],
      ['x'.repeat(65), /querystring\.timeZone: must NOT have more than 64 characters/],
    ] as const) {
      const res = await get(`/api/v1/reports/congestion?${base}&timeZone=${encodeURIComponent(zone)}`);
      expect(res.statusCode, zone).toBe(400);
      expect(res.json().message, zone).toMatch(message);
    }
  });

  test('CSV: the zone in a time_zone column, times with its offset, the same rows as JSON', async () => {
    const q = `camera=cam-a&${range(DAY - 7 * HOUR, DAY + 17 * HOUR)}&timeZone=Asia/Ho_Chi_Minh`;
    const json = await report(q);
    const res = await get(`/api/v1/reports/congestion?${q}&format=csv`);
    expect(res.statusCode).toBe(200);
    const [head, ...lines] = res.body.trimEnd().split('\r\n');
    expect(head.split(',')).toEqual([...CSV_COLUMNS]);
    expect(CSV_COLUMNS.at(-1)).toBe('time_zone');
    expect(lines).toHaveLength(96);
    lines.forEach((line, i) => {
      const cells = Object.fromEntries(line.split(',').map((v, j) => [CSV_COLUMNS[j], v]));
      expect(cells.time_zone).toBe('Asia/Ho_Chi_Minh');
      expect(cells.start).toBe(json.rows[i].start);
      expect(cells.end).toBe(json.rows[i].end);
      expect(Number(cells.volume)).toBe(json.rows[i].volume);
    });
    expect(lines[0].split(',')[1]).toBe(`${DATE}T00:00:00+07:00`);
    // Under the default, UTC: named the same way, times as before.
    const utc = await get(`/api/v1/reports/congestion?camera=cam-a&${range(DAY, DAY + HOUR)}&format=csv`);
    const first = utc.body.split('\r\n')[1].split(',');
    expect(first[1]).toBe(new Date(DAY).toISOString());
    expect(first.at(-1)).toBe('UTC');
  });

  test("the API's time zone is the default; timeZone=UTC still answers in Z", async () => {
    const app = await buildApi({
      store: new DirectStore(h.ch.client, 'embedded'),
      keys: h.keyStore,
      redisUrl: inject('redisUrl'),
      queuePrefix: `${h.prefix}-vn`,
      timeZone: 'Asia/Ho_Chi_Minh',
    });
    try {
      const local = (
        await get(`/api/v1/reports/congestion?camera=cam-a&${range(DAY, DAY + HOUR)}`, app)
      ).json();
      expect(local.timeZone).toBe('Asia/Ho_Chi_Minh');
      expect(local.rows[0].start).toBe(`${DATE}T07:00:00+07:00`);
      const utc = (
        await get(`/api/v1/reports/congestion?camera=cam-a&${range(DAY, DAY + HOUR)}&timeZone=UTC`, app)
      ).json();
      expect(utc.timeZone).toBe('UTC');
      expect(utc.rows[0].start).toBe(new Date(DAY).toISOString());
    } finally {
      await app.close();
    }
    // The test harness's API has no zone configured: UTC.
    expect((await report(`camera=cam-a&${range(DAY, DAY + HOUR)}`)).timeZone).toBe('UTC');
  });
});

describe('local interval grid (zone-time.ts)', () => {
  test('SQL and TypeScript put the same instants in the same intervals, DST and odd offsets included', async () => {
    const zones = [
      'America/New_York',
      'Europe/London',
      'Asia/Kolkata',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
    ];
    // Every 7 minutes over three days around each of 2026's DST changes in these zones.
    const days = ['2026-03-07', '2026-03-28', '2026-04-04', '2026-10-03', '2026-10-24', '2026-10-31'];
    const instants = days.flatMap((d) =>
      Array.from(
        { length: Math.floor((3 * 24 * 60) / 7) },
        (_, i) => Date.parse(`${d}T00:00:00Z`) / 1000 + i * 420,
      ),
    );
    for (const tz of zones) {
      for (const step of [300, 900, 3600]) {
        const rs = await h.ch.client.query({
          query: `SELECT groupArray(b) AS b FROM (
                    SELECT ${localIntervalStartSql('dt')} AS b
                    FROM (SELECT toDateTime(arrayJoin({ts:Array(UInt32)}), 'UTC') AS dt))`,
          query_params: { ts: instants, tz, step },
          format: 'JSONEachRow',
        });
        const [{ b }] = await rs.json<{ b: Array<number | string> }>();
        expect(b.map(Number), `${tz} ${step}`).toEqual(instants.map((t) => localIntervalStart(t, step, tz)));
      }
    }
  });

  test('a DST day has 25 or 23 local hours; each interval starts on the local hour', () => {
    // New York falls back on 2026-11-01 (01:00-02:00 twice), springs forward on 2026-03-08.
    const fall = localGrid(
      Date.parse('2026-11-01T04:00:00Z') / 1000,
      Date.parse('2026-11-02T05:00:00Z') / 1000,
      3600,
      'America/New_York',
    );
    expect(fall).toHaveLength(25);
    expect(fall.slice(0, 3).map((s) => s.startIso)).toEqual([
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T01:00:00-05:00',
    ]);
    expect(fall.at(-1)?.endIso).toBe('2026-11-02T00:00:00-05:00');
    const spring = localGrid(
      Date.parse('2026-03-08T05:00:00Z') / 1000,
      Date.parse('2026-03-09T04:00:00Z') / 1000,
      3600,
      'America/New_York',
    );
    expect(spring).toHaveLength(23);
    expect(spring[2].startIso).toBe('2026-03-08T03:00:00-04:00');
    // Lord Howe Island falls back by 30 minutes at 02:00 (+11:00): 01:00-02:00 lasts 90 minutes, cut
    // where the offset changes (the SQL groups the two parts under different keys).
    const lordHowe = localGrid(
      Date.parse('2026-04-04T13:00:00Z') / 1000,
      Date.parse('2026-04-05T13:30:00Z') / 1000,
      3600,
      'Australia/Lord_Howe',
    );
    expect(lordHowe.slice(1, 4).map((s) => [s.startIso.slice(11), s.endIso.slice(11)])).toEqual([
      ['01:00:00+11:00', '01:30:00+10:30'],
      ['01:30:00+10:30', '02:00:00+10:30'],
      ['02:00:00+10:30', '03:00:00+10:30'],
    ]);
    expect(lordHowe.at(-1)?.endIso).toBe('2026-04-06T00:00:00+10:30');
    // Every slot, in every zone: contiguous, and every instant in it has the slot's key.
    for (const [zone, grid] of [
      ['America/New_York', fall],
      ['America/New_York', spring],
      ['Australia/Lord_Howe', lordHowe],
    ] as const) {
      for (const [i, s] of grid.entries()) {
        if (i > 0) expect(s.start).toBe(grid[i - 1].end);
        for (let x = s.start; x < s.end; x += 60)
          expect(localIntervalStart(x, 3600, zone), s.startIso).toBe(s.key);
      }
    }
    expect(isoIn(Date.parse('2026-11-02T01:15:00.250Z'), 'Asia/Ho_Chi_Minh')).toBe(
      '2026-11-02T08:15:00.250+07:00',
    );
    expect(isoIn(Date.parse('2026-11-02T01:15:00Z'), 'UTC')).toBe('2026-11-02T01:15:00.000Z');
  });
});
