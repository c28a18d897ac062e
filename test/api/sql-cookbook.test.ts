import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { applyMigrations, MIGRATIONS_DIR } from '../../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { runSql } from '../../pipeline/store/run-sql.ts';
import { ROOT } from '../helpers/cli.ts';
import { eventRow, measureRows } from './fixtures.ts';

// A week of 15-minute measures for three cameras (the first day stored BEFORE the rollups existed, so
// the migration's backfill is exercised; the rest after, through the materialized views), two hours
// of 1-minute measures, and events.
const WEEK_START = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 7 * 86_400_000;
const CAMERAS = ['cam-a', 'cam-b', 'cam-c'];
const dir = mkdtempSync(join(tmpdir(), 'cityflow-cookbook-'));
let ch: ClickHouseHandle;

const queries = (() => {
  const md = readFileSync(join(ROOT, 'docs', 'sql-cookbook.md'), 'utf8');
  const out: Array<{ title: string; sql: string }> = [];
  const re = /^### (.+)\n+```sql\n([\s\S]*?)```/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) out.push({ title: m[1], sql: m[2] });
  return out;
})();

beforeAll(async () => {
  ch = await openClickHouse({ path: join(dir, 'clickhouse') });
  const early = join(dir, 'migrations-before-rollups');
  cpSync(MIGRATIONS_DIR, early, { recursive: true });
  for (const f of readdirSync(early)) if (Number(f.slice(0, 4)) >= 20) rmSync(join(early, f));
  await applyMigrations(ch.client, early);
  const all = CAMERAS.flatMap((c) => measureRows(c, WEEK_START, 7 * 96, 900));
  const firstDay = all.filter((r) => Date.parse(`${r.start}Z`) < WEEK_START + 86_400_000);
  await insertRows(ch.client, 'traffic_measures', firstDay);
  await applyMigrations(ch.client); // 0020 creates the views and backfills the first day
  await insertRows(
    ch.client,
    'traffic_measures',
    all.filter((r) => !firstDay.includes(r)),
  );
  await insertRows(
    ch.client,
    'traffic_measures',
    measureRows('cam-a', WEEK_START + 3 * 86_400_000 + 8 * 3600_000, 120, 60),
  );
  await insertRows(ch.client, 'events', [
    eventRow('cam-a', WEEK_START + 8 * 3600_000, 'jam_start', 'warning', 'e1'),
    eventRow('cam-b', WEEK_START + 30 * 3600_000, 'jam_start', 'warning', 'e2'),
    eventRow('cam-b', WEEK_START + 31 * 3600_000, 'stopped_vehicle', 'critical', 'e3'),
  ]);
});
afterAll(async () => {
  await ch?.close();
  rmSync(dir, { recursive: true, force: true });
});

const rows = async (sql: string) => (await runSql(ch.client, sql)).rows;

describe('rollups and analyst views', () => {
  test('rollups hold every measure: rows from before the views (backfill) and after (materialized views)', async () => {
    const [source] = await rows(
      "SELECT sum(volume) AS v, sum(pcu) AS p FROM traffic_measures FINAL WHERE interval_s = 900 AND site_kind = 'line'",
    );
    const [view] = await rows(
      "SELECT sum(volume) AS v, sum(pcu) AS p FROM traffic_15m WHERE site_kind = 'line'",
    );
    expect(Number(view.v)).toBe(Number(source.v));
    expect(Number(view.p)).toBeCloseTo(Number(source.p), 0);
    const [hourly] = await rows("SELECT sum(volume) AS v FROM camera_hourly WHERE site_kind = 'line'");
    expect(Number(hourly.v)).toBe(Number(source.v));
    const [mix] = await rows("SELECT sum(volume) AS v FROM vehicle_mix_15m WHERE site_kind = 'line'");
    expect(Number(mix.v)).toBe(Number(source.v));
    const [minutes] = await rows('SELECT count() AS n, sum(volume) AS v FROM traffic_1m');
    expect(Number(minutes.n)).toBe(120 * 3);
    const [crowd] = await rows('SELECT count() AS n FROM crowd_1m');
    expect(Number(crowd.n)).toBe(120);
    // The first day (backfilled) is there like the others.
    const perDay = await rows(
      "SELECT toDate(start) AS d, sum(volume) AS v FROM traffic_15m WHERE site_kind = 'line' GROUP BY d ORDER BY d",
    );
    expect(perDay).toHaveLength(7);
    expect(new Set(perDay.map((r) => Number(r.v))).size).toBe(1); // the same traffic every day
  });

  test('a retried segment (same deduplication token) is not counted twice in the rollups', async () => {
    const sum = async () =>
      Number((await rows("SELECT sum(volume) AS v FROM traffic_15m WHERE camera_id = 'cam-z'"))[0].v);
    const batch = measureRows('cam-z', WEEK_START, 4, 900);
    const token = { insert_deduplication_token: 'traffic_measures:cam-z/live#0' };
    await insertRows(ch.client, 'traffic_measures', batch, token);
    const once = await sum();
    await insertRows(ch.client, 'traffic_measures', batch, token);
    expect(once).toBeGreaterThan(0);
    expect(await sum()).toBe(once);
  });

  test('speed quantiles and means of a 15-minute view row match the measures', async () => {
    const at = new Date(WEEK_START + 2 * 86_400_000 + 8 * 3600_000)
      .toISOString()
      .slice(0, 19)
      .replace('T', ' ');
    const src = measureRows('cam-a', Date.parse(`${at}Z`), 1, 900).filter((r) => r.site_kind === 'line');
    const speeds = src.flatMap((r) => r.speeds_kmh).sort((a, b) => a - b);
    const mean = speeds.reduce((a, b) => a + b, 0) / speeds.length;
    const [v] = await rows(
      `SELECT sum(speed_sum) / sum(speed_samples) AS mean, quantilesTDigestMerge(0.5, 0.85, 0.95)(speed_q)[2] AS p85
       FROM rollup_traffic WHERE camera_id = 'cam-a' AND interval_s = 900 AND site_kind = 'line' AND start = '${at}'`,
    );
    expect(Number(v.mean)).toBeCloseTo(mean, 1);
    expect(Math.abs(Number(v.p85) - speeds[Math.floor(0.85 * speeds.length)])).toBeLessThan(2); // t-digest
  });

  test('every view column is documented', async () => {
    const undocumented = await rows(
      `SELECT table, name FROM system.columns WHERE database = currentDatabase()
         AND table IN ('traffic_15m', 'traffic_1m', 'vehicle_mix_15m', 'crowd_1m', 'camera_hourly', 'incidents')
         AND comment = ''`,
    );
    expect(undocumented).toEqual([]);
  });
});

describe('docs/sql-cookbook.md', () => {
  test('has at least 10 queries', () => {
    expect(queries.length).toBeGreaterThanOrEqual(10);
  });

  test.each(queries.map((q) => [q.title, q.sql]))('%s', async (_title, sql) => {
    const result = await rows(sql);
    expect(result.length).toBeGreaterThan(0);
  });

  test('the answers mean what the titles say', async () => {
    const byTitle = (n: number) => queries.find((q) => q.title.startsWith(`${n}.`))?.sql as string;
    // The fixture's evening peak (17:30) is the busiest hour.
    const ours = (r: Record<string, unknown>) => CAMERAS.includes(r.camera_id as string);
    const peaks = (await rows(byTitle(1))).filter(ours);
    expect(peaks).toHaveLength(3 * 7);
    expect(new Set(peaks.map((r) => Number(r.peak_hour)))).toEqual(new Set([17]));
    const los = await rows(byTitle(3));
    const total = los.filter((r) => r.camera_id === 'cam-a').reduce((a, r) => a + Number(r.intervals), 0);
    expect(total).toBe(7 * 96);
    const incidents = await rows(byTitle(5));
    expect(incidents[0]).toMatchObject({ type: 'jam_start', severity: 'warning' });
    expect(Number(incidents[0].incidents)).toBe(2);
    const phf = await rows(byTitle(7));
    for (const r of phf) {
      expect(Number(r.phf)).toBeGreaterThan(0.25);
      expect(Number(r.phf)).toBeLessThanOrEqual(1);
    }
    const coverage = (await rows(byTitle(9))).filter(ours);
    expect(coverage.map((r) => Number(r.covered_share))).toEqual([1, 1, 1]);
  });
});
