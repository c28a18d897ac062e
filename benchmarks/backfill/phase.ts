// Backfill throughput in × real time: `cityflow backfill` (a real child process, local mode: private
// Redis, embedded ClickHouse, the centernet detector) over COPIES copies of a 720p and a 1080p H.264
// clip, analysed at 2 and 5 frames/s. Baseline in the same run: how fast GStreamer alone decodes the
// same clip (the ceiling on this machine, whatever the analysis rate).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

function backfill(clip: string, fps: number): BackfillReport {
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-bench-backfill-'));
  try {
    // Copies under their own names are distinct recordings (source ids include the file name).
    const files = Array.from({ length: COPIES }, (_, i) => {
      const f = join(dir, `copy-${i + 1}.mp4`);
      symlinkSync(clip, f);
      return f;
    });
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
      decodeOnlyRealtimeFactor: decode[res],
    });
    process.stderr.write(`bench: backfill ${res} at ${fps} fps: ${r.realtimeFactor}x real time\n`);
  }
}
report({
  phase: 'backfill',
  copies: COPIES,
  frames,
  seconds: Math.round(seconds * 100) / 100,
  framesPerSecond: Math.round((frames / seconds) * 100) / 100,
  runs,
});
