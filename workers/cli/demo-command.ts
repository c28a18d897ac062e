import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logger } from '../logger.ts';
import { configFrom } from './common.ts';
import { processSources } from './process-sources.ts';
import { formatSummary } from './summary.ts';

const SAMPLE = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));

/** `cityflow demo [files...]`: the main job on bundled footage, in local mode. */
export async function demoCommand(
  files: string[],
  opts: { json?: boolean; fps: number; camera: string; dataDir: string },
) {
  // The demo's output is its summary, failures included; logs stay out of it unless asked for.
  if (!process.env.LOG_LEVEL) logger.level = 'fatal';
  const sources = files.length ? files.map((f) => resolve(f)) : [SAMPLE];
  // Each file is its own camera when several are given, so their rows stay apart. The demo treats a
  // file as recorded when it was last written (for the bundled sample: when it was checked out), not
  // at its container's creation time (2017 for the sample), so its rows are recent.
  const cameras = sources.map((source, i) => ({
    id: sources.length === 1 ? opts.camera : `${opts.camera}-${i + 1}`,
    name: basename(source),
    source,
    fps: opts.fps,
    startTime: mtimeIso(source),
  }));
  const cfg = configFrom({ dataDir: opts.dataDir }, { extract: { fps: opts.fps } });
  if (!opts.json)
    process.stderr.write(`cityflow demo: ${sources.map((s) => basename(s)).join(', ')} at ${opts.fps} fps\n`);
  const summary = await processSources(cfg, cameras, {
    progress: !opts.json && process.stderr.isTTY === true,
  });
  process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  if (summary.failures.length) process.exitCode = 1;
}

function mtimeIso(path: string): string | undefined {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return undefined; // a missing file is reported by the pipeline with its reason
  }
}
