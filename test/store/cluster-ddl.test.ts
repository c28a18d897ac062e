import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { clusterDdl } from '../../pipeline/store/cluster-ddl.ts';
import { loadMigrations } from '../../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-cluster-ddl-'));
let ch: ClickHouseHandle;
beforeAll(async () => {
  ch = await openClickHouse({ path: join(dir, 'ch') });
});
afterAll(async () => {
  await ch?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("every cluster statement is accepted by the engine's parser", async () => {
  const { statements, perShard } = clusterDdl(loadMigrations(), 'city');
  for (const q of [...statements, ...perShard]) {
    // formatQuery parses without executing (no cluster needed); a syntax error throws.
    const rs = await ch.client.query({
      query: 'SELECT formatQuery({q:String}) AS f',
      query_params: { q },
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ f: string }>())[0].f.length).toBeGreaterThan(10);
  }
});

test('tables become replicated shard tables behind Distributed tables sharded by camera', () => {
  const { statements, perShard } = clusterDdl(loadMigrations(), 'city');
  const find = (start: string) => statements.find((s) => s.startsWith(start)) ?? '';
  expect(find('CREATE TABLE IF NOT EXISTS detections_local ON CLUSTER city')).toContain(
    "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/detections_local', '{replica}')",
  );
  expect(find('CREATE TABLE IF NOT EXISTS cameras_local')).toContain(
    "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/cameras_local', '{replica}', updated_at)",
  );
  expect(find('CREATE TABLE IF NOT EXISTS detections ON CLUSTER city')).toContain(
    'ENGINE = Distributed(city, currentDatabase(), detections_local, cityHash64(camera_id))',
  );
  // Materialized views read and write shard tables; `frames` the column stays a column.
  const mv = find(
    'CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_traffic_mv ON CLUSTER city TO rollup_traffic_local',
  );
  expect(mv).toContain('FROM traffic_measures_local');
  expect(mv).toContain('max(frames) AS frames');
  expect(
    statements.some((s) => s.startsWith('ALTER TABLE line_crossings_local ON CLUSTER city ADD COLUMN')),
  ).toBe(true);
  expect(statements.every((s) => s.includes('ON CLUSTER city'))).toBe(true);
  expect(perShard.every((s) => s.startsWith('INSERT INTO rollup_') && s.includes('_local'))).toBe(true);
  expect(() => clusterDdl(loadMigrations(), 'a; DROP')).toThrow(/cluster name/);
});

test('cityflow migrate --cluster prints the DDL and applies nothing', async () => {
  const r = await cli(['migrate', '--cluster', 'city', '--data-dir', join(dir, 'var')]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('CREATE TABLE IF NOT EXISTS frames ON CLUSTER city AS frames_local');
  expect(r.stdout).toContain('-- INSERT INTO rollup_traffic_local');
});
