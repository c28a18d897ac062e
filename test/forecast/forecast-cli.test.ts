import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { measuresSql } from '../../benchmarks/api/generate.ts';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { openStore } from '../../workers/open-store.ts';
import { measureRows } from '../api/fixtures.ts';
import { cli, lastJson } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-forecast-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('cityflow forecast: one refresh from the stored measures, a summary, rows in forecasts', async () => {
  const issued = Math.floor(Date.now() / 900_000) * 900_000;
  const store = await openStore({ dataDir: dir });
  // Two cameras with 15 days up to now (generated), one with 5 days.
  await store.client.command({ query: measuresSql(900, issued / 1000 - 15 * 86_400, 15 * 96, 2) });
  await insertRows(
    store.client,
    'traffic_measures',
    measureRows('cam-002', issued - 5 * 86_400_000, 5 * 96, 900),
  );
  await store.close();

  const r = await cli(['forecast', '--data-dir', dir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const s = lastJson<{
    issuedAt: string;
    cameras: number;
    forecast: number;
    rows: number;
    insufficient: Array<{ cameraId: string; reason: string }>;
  }>(r);
  expect(s).toMatchObject({ issuedAt: new Date(issued).toISOString(), cameras: 3, forecast: 2, rows: 18 });
  expect(s.insufficient).toEqual([
    { cameraId: 'cam-002', reason: '5 days of 15-minute measures; forecasts need 14', historyDays: 5 },
  ]);
  const text = await cli(['forecast', '--data-dir', dir]);
  expect(text.stdout).toMatch(/^forecasts issued at .*: 2 of 3 cameras, 18 rows\n {2}cam-002: 5 days/);

  const again = await openStore({ dataDir: dir });
  try {
    const rs = await again.client.query({
      query: 'SELECT camera_id, count() AS n FROM forecasts FINAL GROUP BY camera_id ORDER BY camera_id',
      format: 'JSONEachRow',
    });
    // Two refreshes of the same interval replace each other's rows.
    expect(await rs.json()).toEqual([
      { camera_id: 'cam-000', n: 9 },
      { camera_id: 'cam-001', n: 9 },
    ]);
  } finally {
    await again.close();
  }
}, 120_000);
