import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { loadMigrations } from '../../pipeline/store/migrations.ts';
import { cli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('run --config with a wrong key exits 1 with a message naming the file and the key', async () => {
  const file = join(dir, 'cameras.yaml');
  writeFileSync(file, 'cameras:\n  - id: cam-1\n    source: a.mp4\n    fsp: 5\n');
  const r = await cli(['run', '--config', file, '--exit-when-done']);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`cityflow: ${file}: cameras[0].fsp: unknown key`);
});

test('backfill and demo refuse a camera id that is not one (path, quotes, spaces, 300 characters), at once', async () => {
  for (const bad of ['../x', "a'b", 'two words', 'a'.repeat(300), '-x']) {
    const t0 = Date.now();
    const r = await cli(['backfill', 'samples/residential-street.mp4', '--camera', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--camera <id>.*is not a camera id: 1-64 letters, digits/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }
  const d = await cli(['demo', '--camera', 'a/b']);
  expect(d.code).not.toBe(0);
  expect(d.stderr).toMatch(/"a\/b" is not a camera id/);
});

test('a missing config file and an unknown command are named', async () => {
  const r = await cli(['run', '--config', join(dir, 'nope.yaml')]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/nope\.yaml: \(root\): cannot read/);
  const u = await cli(['frobnicate']);
  expect(u.code).not.toBe(0);
  expect(u.stderr).toMatch(/unknown command 'frobnicate'/);
});

test("query reports a SQL error with ClickHouse's message and exits 1", async () => {
  const r = await cli(['query', '--data-dir', join(dir, 'var'), 'SELEC 1']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/Syntax error/);
  const t = await cli(['query', '--data-dir', join(dir, 'var'), 'SELECT * FROM no_such_table']);
  expect(t.code).toBe(1);
  expect(t.stderr).toMatch(/no_such_table/);
});

test('data on standard input never reaches the embedded store (it reads stdin for INSERTs otherwise)', async () => {
  const data = join(dir, 'stdin-var');
  const m = await cli(['migrate', '--data-dir', data], {}, '{"version": 99, "name": "injected"}\nnot json\n');
  expect(m.code, m.stderr).toBe(0);
  const q = await cli(
    ['query', '--json', '--data-dir', data, 'SELECT groupArray(name) AS names FROM schema_migrations'],
    {},
    'x\n',
  );
  expect(q.code, q.stderr).toBe(0);
  expect([...JSON.parse(q.stdout)[0].names].sort()).toEqual(loadMigrations().map((m) => m.name)); // no 'injected'
});
