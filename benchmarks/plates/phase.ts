// What reading plates costs a camera: `cityflow backfill` of the bundled footage (640x352, 37.7 s) at
// 2 frames/s for a camera without and with `plates: {}`, in the same run. The difference in CPU
// seconds (this process's children: the CLI, its decoders) per second of video is the plate stage's
// cost in cores per camera: the second, source-resolution decoder, the vehicle crops, the text
// locator and the reader. The bundled street's plates are too small to read; the locator and the
// reader still run on every chosen vehicle view, which is the cost.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackfillReport } from '../../workers/backfill/backfill-report.ts';
import { cpuSeconds, report, SAMPLE } from '../phases/common.ts';

const CLI = fileURLToPath(new URL('../../bin/cityflow.mjs', import.meta.url));
const FPS = 2;

function backfill(plates: boolean): BackfillReport & { cpuSeconds: number } {
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-bench-plates-'));
  try {
    const config = join(dir, 'cityflow.yaml');
    writeFileSync(
      config,
      `cameras:\n  - id: bench\n    source: ${SAMPLE}\n    fps: ${FPS}\n${plates ? '    plates: {}\n' : ''}`,
    );
    const start = new Date(Date.now() - 86_400_000).toISOString();
    const cpu0 = cpuSeconds();
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'backfill',
        SAMPLE,
        '--camera',
        'bench',
        '--start',
        start,
        '--config',
        config,
        '--data-dir',
        dir,
        '--json',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    const cpu = cpuSeconds() - cpu0;
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{'))
      throw new Error(`backfill failed (exit ${r.status}):\n${r.stderr}`);
    return { ...(JSON.parse(line) as BackfillReport), cpuSeconds: cpu };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const off = backfill(false);
const on = backfill(true);
const r2 = (v: number) => Math.round(v * 100) / 100;
const coresOff = off.cpuSeconds / off.videoSeconds;
const coresOn = on.cpuSeconds / on.videoSeconds;
process.stderr.write(
  `bench: plates at ${FPS} fps: ${r2(coresOff)} cores per camera without, ${r2(coresOn)} with (${r2(coresOn - coresOff)} for plates)\n`,
);
report({
  phase: 'plates',
  frames: off.framesAnalysed + on.framesAnalysed,
  seconds: r2(off.wallSeconds + on.wallSeconds),
  framesPerSecond: r2((off.framesAnalysed + on.framesAnalysed) / (off.wallSeconds + on.wallSeconds)),
  fps: FPS,
  videoSeconds: on.videoSeconds,
  withoutPlates: {
    wallSeconds: off.wallSeconds,
    cpuSeconds: r2(off.cpuSeconds),
    coresPerCamera: r2(coresOff),
  },
  withPlates: {
    wallSeconds: on.wallSeconds,
    cpuSeconds: r2(on.cpuSeconds),
    coresPerCamera: r2(coresOn),
    plateReads: on.rowsByTable.plate_reads ?? 0,
  },
  plateCoresPerCamera: r2(coresOn - coresOff),
});
