import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { planFiles } from '../../workers/backfill/plan-files.ts';
import { distinctCopy } from '../helpers/distinct-copy.ts';
import { SAMPLE } from '../helpers/make-clips.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the sample that is a recording of its own (a trailing MP4 `free` box of n bytes). */
function recording(name: string, n: number): string {
  return distinctCopy(SAMPLE, join(dir, name), n);
}

test('--start: after an unreadable file the chain resumes at the next file with its own start time', async () => {
  const a = recording('a.mp4', 1);
  const broken = join(dir, 'b.mp4');
  writeFileSync(broken, Buffer.alloc(4096, 7));
  const c = recording('cam_20261201T080000.mp4', 2);
  const d = recording('d.mp4', 3);
  const startMs = Date.parse('2026-11-30T00:00:00Z');
  const r = await planFiles([a, broken, c, d], {
    cameraId: 'cam',
    startMs,
    nowMs: Date.parse('2026-12-02T00:00:00Z'),
  });
  expect(r.failures.map((f) => f.file)).toEqual([broken]);
  expect(r.plans.map((p) => [p.file, new Date(p.startTimeMs).toISOString(), p.startOrigin])).toEqual([
    [a, '2026-11-30T00:00:00.000Z', 'explicit'],
    [c, '2026-12-01T08:00:00.000Z', 'file name'],
    // d follows c, back to back: 37.688 s later.
    [d, '2026-12-01T08:00:37.688Z', 'explicit'],
  ]);
});
