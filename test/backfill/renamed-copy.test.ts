import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { BackfillReport } from '../../workers/backfill/backfill-report.ts';
import { cli, lastJson, SAMPLE } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-renamed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a renamed copy of a stored recording adds no row, in another run or the same one', async () => {
  for (const d of ['a', 'b']) mkdirSync(join(dir, d));
  copyFileSync(SAMPLE, join(dir, 'a', '0800.mp4'));
  copyFileSync(SAMPLE, join(dir, 'b', 'copy-of-0800.mp4'));
  copyFileSync(SAMPLE, join(dir, 'b', 'another-copy.mp4'));
  const cfg = join(dir, 'cfg.yaml');
  writeFileSync(
    cfg,
    `dataDir: ${join(dir, 'var')}\ncameras:\n  - id: cam-r\n    source: ${SAMPLE}\n    scene: {lines: [{id: street, from: [200, 210], to: [620, 210]}]}\n`,
  );
  const start = new Date(Date.now() - 3600_000).toISOString();
  const run = async (input: string) => {
    const r = await cli([
      'backfill',
      input,
      '--camera',
      'cam-r',
      '--fps',
      '1',
      '--config',
      cfg,
      '--start',
      start,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    return lastJson<BackfillReport>(r);
  };
  // Two copies under different names in one run: the recording is stored once.
  const first = await run(join(dir, 'b'));
  expect(first.files.map((f) => [f.file.split('/').pop(), f.status])).toEqual([
    ['another-copy.mp4', 'done'],
    ['copy-of-0800.mp4', 'already stored'],
  ]);
  expect(Math.abs(first.rowsByTable.frames - 38)).toBeLessThanOrEqual(1); // one copy's frames at 1 fps
  expect(first.rowsByTable.line_crossings).toBeGreaterThan(0);
  // The original under its own name, later: recognised as stored, nothing added.
  const again = await run(join(dir, 'a'));
  expect(again.files.map((f) => [f.file.split('/').pop(), f.status])).toEqual([
    ['0800.mp4', 'already stored'],
  ]);
  expect(again.rowsInserted).toBe(0);
}, 240_000);
