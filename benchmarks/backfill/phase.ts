// Backfill throughput in × real time: `cityflow backfill` (a real child process, local mode: private
// Redis, embedded ClickHouse, the default detector and motion step) over COPIES copies of a 720p and a
// 1080p H.264 clip, analysed at 2 and 5 frames/s. Baselines in the same run: how fast GStreamer alone
// decodes the same clip (the ceiling on this machine, whatever the analysis rate), and 720p at 2 fps
// without the motion step (`tracking.motionFps: 0`). `realtimeFactor` counts the command's start-up
// (its report's `startupSeconds`, paid once per run); `steadyRealtimeFactor` leaves it out, as a run
// over months of archive does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distinctCopy } from '../../test/helpers/distinct-copy.ts';
import type { BackfillReport } from '../../workers/backfill/backfill-report.ts';
import { report } from '../phases/common.ts';
import { benchClip, RESOLUTIONS, type Resolution } from './clips.ts';

const CLI = fileURLToPath(new URL('../../bin/cityflow.mjs', import.meta.url));
const COPIES = Number(process.env.BENCH_BACKFILL_COPIES ?? 3); // 3 × 37.7 s of video per run
const CLIP_SECONDS = 37.6875;

/** Seconds of video GStreamer decodes per wall second, decoding only (no scaling, no sampling). */
function decodeOnly(clip: string): number {
  const t0 = performance.now();
  const r = spawnSync(
    'gst-launch-1.0',
    [
      '-q',
      'filesrc',
      `location=${clip}`,
      '!',
      'qtdemux',
      '!',
      'h264parse',
      '!',
      'avdec_h264',
      '!',
      'fakesink',
      'sync=false',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`decoding ${clip} failed (exit ${r.status})`);
  return CLIP_SECONDS / ((performance.now() - t0) / 1000);
}

function backfill(clip: string, fps: number, motion = true): BackfillReport {
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-bench-backfill-'));
  try {
    // The baseline without the motion step: the same command with `tracking.motionFps: 0`.
    const config = join(dir, 'no-motion.yaml');
    writeFileSync(config, 'tracking:\n  motionFps: 0\n');
    // Each copy must be a distinct recording, or backfill would skip it as a renamed copy.
    const files = Array.from({ length: COPIES }, (_, i) =>
      distinctCopy(clip, join(dir, `copy-${i + 1}.mp4`), i + 1),
    );
    const start = new Date(Date.now() - 86_400_000).toISOString();
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'backfill',
        ...files,
        '--camera',
        'bench',
        '--start',
        start,
        '--fps',
        String(fps),
        '--data-dir',
        dir,
        '--json',
        ...(motion ? [] : ['--config', config]),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{'))
      throw new Error(`backfill failed (exit ${r.status}):\n${r.stderr}`);
    return JSON.parse(line) as BackfillReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** × real time once started: the video over the wall time after the start-up. */
function steady(r: BackfillReport): number {
  return Math.round((r.videoSeconds / (r.wallSeconds - r.startupSeconds)) * 100) / 100;
}

const runs: Array<Record<string, unknown>> = [];
const decode: Record<string, number> = {};
let frames = 0;
let seconds = 0;
for (const res of Object.keys(RESOLUTIONS) as Resolution[]) {
  const clip = benchClip(res);
  decode[res] = Math.round(decodeOnly(clip) * 10) / 10;
  for (const fps of [2, 5]) {
    const r = backfill(clip, fps);
    frames += r.framesAnalysed;
    seconds += r.wallSeconds;
    runs.push({
      resolution: res,
      fps,
      videoSeconds: r.videoSeconds,
      frames: r.framesAnalysed,
      wallSeconds: r.wallSeconds,
      framesPerSecond: r.framesPerSecond,
      realtimeFactor: r.realtimeFactor,
      startupSeconds: r.startupSeconds,
      steadyRealtimeFactor: steady(r),
      decodeOnlyRealtimeFactor: decode[res],
    });
    process.stderr.write(
      `bench: backfill ${res} at ${fps} fps: ${r.realtimeFactor}x real time (${steady(r)}x after start-up)\n`,
    );
  }
}
// What the motion step costs a backfill: 720p at 2 fps without it, in the same run.
const still = backfill(benchClip('720p'), 2, false);
runs.push({
  resolution: '720p',
  fps: 2,
  motion: false,
  videoSeconds: still.videoSeconds,
  frames: still.framesAnalysed,
  wallSeconds: still.wallSeconds,
  realtimeFactor: still.realtimeFactor,
  startupSeconds: still.startupSeconds,
  steadyRealtimeFactor: steady(still),
  framesPerSecond: still.framesPerSecond,
  decodeOnlyRealtimeFactor: decode['720p'],
});
process.stderr.write(`bench: backfill 720p at 2 fps without motion: ${still.realtimeFactor}x real time\n`);
report({
  phase: 'backfill',
  copies: COPIES,
  frames,
  seconds: Math.round(seconds * 100) / 100,
  framesPerSecond: Math.round((frames / seconds) * 100) / 100,
  runs,
});
