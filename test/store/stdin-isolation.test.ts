import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadMigrations } from '../../pipeline/store/migrations.ts';
import { ROOT } from '../helpers/cli.ts';

// chDB (clickhouse-local) reads the process's stdin as data for an INSERT that has a data section.
// The store library must not give it one, whoever runs it: here a process started without the CLI,
// with rows on stdin that would parse as schema_migrations rows.
test('the store library inserts correctly while stdin carries data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-stdin-'));
  const script = `
    import { openClickHouse } from '${ROOT}pipeline/store/open-clickhouse.ts';
    import { applyMigrations } from '${ROOT}pipeline/store/migrations.ts';
    import { SegmentWriter } from '${ROOT}pipeline/store/segment-writer.ts';
    const ch = await openClickHouse({ path: '${join(dir, 'ch')}' });
    await applyMigrations(ch.client);
    await new SegmentWriter(ch.client).write({ segmentKey: 's#0', sourceId: 's', cameraId: 'c', segment: 0, detector: 'd',
      frames: [{ ptsMs: 0, tsMs: Date.now(), analysed: true, detectorMs: 1, detections: [] }] });
    const q = async (sql) => (await (await ch.client.query({ query: sql, format: 'JSONEachRow' })).json());
    console.log(JSON.stringify({ migrations: await q('SELECT version FROM schema_migrations'), frames: await q('SELECT count() AS n FROM frames') }));
    await ch.close();`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    input: '{"version": 99, "name": "injected", "checksum": "x"}\n',
    encoding: 'utf8',
    cwd: ROOT,
  });
  rmSync(dir, { recursive: true, force: true });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  // Exactly the repository's migrations: the row on stdin (version 99) was not inserted.
  expect(
    out.migrations.map((m: { version: number }) => m.version).sort((a: number, b: number) => a - b),
  ).toEqual(loadMigrations().map((m) => m.version));
  expect(Number(out.frames[0].n)).toBe(1);
});
