import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { BackfillReport } from '../../workers/backfill/backfill-report.ts';
import { cli, lastJson } from '../helpers/cli.ts';
import { distinctCopy } from '../helpers/distinct-copy.ts';

// An archive of many short recordings (a camera that cuts its recording every few minutes, made
// small here): each file goes in as soon as it is planned, while the watch asks Redis about only the
// first few queued files each time, so every one of them must still be seen to the end.
const FILES = 14;
const dir = mkdtempSync(join(tmpdir(), 'cityflow-many-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function archive(): string {
  const clip = join(dir, 'clip.mp4');
  const gst = spawnSync('gst-launch-1.0', [
    '-q',
    'videotestsrc',
    'num-buffers=45',
    'pattern=ball',
    '!',
    'video/x-raw,width=320,height=240,framerate=15/1',
    '!',
    'x264enc',
    'speed-preset=ultrafast',
    '!',
    'mp4mux',
    '!',
    'filesink',
    `location=${clip}`,
  ]);
  expect(gst.status, gst.stderr?.toString()).toBe(0);
  const folder = join(dir, 'archive');
  mkdirSync(folder);
  for (let i = 0; i < FILES; i++) {
    distinctCopy(clip, join(folder, `cam_part${String(i).padStart(2, '0')}.mp4`), i + 1);
  }
  return folder;
}

test(`${FILES} short files in one backfill: every one planned in order, stored and reported done`, async () => {
  const folder = archive();
  const start = new Date(Date.now() - 86_400_000).toISOString();
  const data = join(dir, 'data');
  const r = await cli([
    'backfill',
    folder,
    '--camera',
    'many',
    '--start',
    start,
    '--fps',
    '2',
    '--data-dir',
    data,
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const report = lastJson<BackfillReport>(r);
  expect(report.failures).toEqual([]);
  expect(report.files.map((f) => f.status)).toEqual(Array(FILES).fill('done'));
  // Chained under --start: each 3 s file starts where the one before it ended.
  const starts = report.files.map((f) => (Date.parse(f.startTime as string) - Date.parse(start)) / 1000);
  expect(starts).toEqual(Array.from({ length: FILES }, (_, i) => i * 3));
  // 3 s at 2 frames/s each: the grid's six slots, and the file's last frame (more than a quarter
  // of a second after the last slot, so a crossing then is still seen).
  expect(report.files.map((f) => f.framesAnalysed)).toEqual(Array(FILES).fill(7));
  expect(report.rowsByTable.frames).toBe(FILES * 7);
  expect(report.startupSeconds).toBeLessThan(report.wallSeconds);
  expect(r.stderr.match(/backfill: done cam_part\d\d\.mp4/g)).toHaveLength(FILES);
}, 180_000);
