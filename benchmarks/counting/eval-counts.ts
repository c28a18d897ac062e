/**
 * Line counts of the real backfill path against hand-annotated ground truth, on every annotated clip
 * and at several analysis rates.
 *
 *   npm run eval:counts                              # every clip at 2, 5 and 10 fps: one table
 *   npm run eval:counts -- --fps 2,5 --clips night-arterial-motorbikes --json
 *   npm run eval:counts -- --no-synthetic | --without-motion | --seeds 1,2 | --motion-fps 0
 *   npm run eval:counts -- --mirrored                # each clip also flipped left to right
 *   npm run eval:counts -- --reversed                # each clip also played backwards
 *   npm run eval:counts -- --phases 3                # each clip also on 2 other grids of frames
 *   npm run eval:counts -- --scaled 2,3              # each clip also at twice and three times its size
 *   npm run eval:counts -- --source-fps 6,12         # each clip also as a 6 and a 12 fps camera sends it
 *   npm run eval:counts -- --uncalibrated            # each calibrated clip also without its calibration
 *   npm run eval:counts -- --extra '{"detector":{"model":"centernet"}}'   # other settings
 *
 * The table starts with the synthetic highway (synthetic-counts.ts: seeded scenes through the
 * analytics chain, with simulated motion; --without-motion adds the same scenes without it).
 * For each clip (a `<clip>.ground-truth.json` beside this file) and rate: a configuration with one
 * camera whose scene has the annotated line (and its classes) is written to a temporary folder, then
 * `cityflow backfill <clip> --camera eval --fps N --config <file> --json` runs as a new user would
 * run it (its own private Redis and embedded ClickHouse), and `cityflow query` reads the
 * line_crossings rows. Truth and counts are compared per direction, and per direction and class.
 * With --mirrored each clip also runs flipped left to right (mirror-clip.ts), as `<clip> mirrored`.
 * With --reversed each clip also runs played backwards (reverse-clip.ts), as `<clip> reversed`:
 * every vehicle drives the other way, so traffic coming closer becomes traffic driving away.
 * With --phases N each clip (and its mirror) also runs started p / (N × the lowest rate) seconds
 * later for p = 1 … N − 1 (shift-clip.ts), as `<clip> +0.25 s`: the same traffic analysed on other
 * frames; a summary then gives each direction's spread over the phases. With --scaled F,… each clip
 * also runs scaled by each factor F (resize-clip.ts), as `<clip> ×F`: the same street from a camera
 * of another resolution. With --source-fps R,… each clip also runs re-encoded at R frames per second
 * (rerate-clip.ts), as `<clip> @R fps`: the same street from a camera sending fewer (or more) frames.
 * With --uncalibrated each clip with a ground calibration, and the synthetic highway, also runs
 * without it, as `<clip> uncalibrated`: a camera nobody has calibrated (motorbikes told from cars
 * by their relative width).
 *
 * Targets (what the product promises on any street): each direction's total within 5 % at 5 fps and
 * 10 fps, 10 % at 2 fps, and never stricter than ±1 vehicle where the truth is under 20. Exits 1
 * when a run fails or, with --strict, when a target is missed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from './markdown-table.ts';
import { mirrorClip } from './mirror-clip.ts';
import { formatSpread } from './phase-spread.ts';
import { rerateClip } from './rerate-clip.ts';
import { resizeClip } from './resize-clip.ts';
import { reverseClip } from './reverse-clip.ts';
import { shiftClip } from './shift-clip.ts';
import type { SpeedRow } from './synthetic-counts.ts';

// CITYFLOW_ROOT: run another checkout's CLI (e.g. an older version, for before/after figures).
const ROOT = process.env.CITYFLOW_ROOT
  ? resolve(process.env.CITYFLOW_ROOT)
  : fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));

export interface ClipTruth {
  video: string;
  /** The video's width and height, px. */
  size?: [number, number];
  line: { id: string; from: [number, number]; to: [number, number] };
  /** The camera's ground calibration, where the clip's `.md` file says how it was estimated. */
  calibration?: { image: [number, number][]; world: [number, number][] };
  classes?: string[];
  crossings: Array<{ t: number; direction: 'positive' | 'negative'; class: string }>;
}

export interface CountRow {
  clip: string;
  fps: number;
  direction: string;
  /** A class, or `all` for the direction's total. */
  class: string;
  truth: number;
  counted: number;
  /** Allowed difference for totals (per the targets above); null for class rows. */
  allowed: number | null;
}

/** The clips with ground truth here whose video exists (../shared footage is optional). */
export function annotatedClips(): Array<{ name: string; truth: ClipTruth; video: string }> {
  return readdirSync(HERE)
    .filter((f) => f.endsWith('.ground-truth.json'))
    .map((f) => {
      const truth = JSON.parse(readFileSync(join(HERE, f), 'utf8')) as ClipTruth;
      return { name: f.replace('.ground-truth.json', ''), truth, video: resolve(ROOT, truth.video) };
    })
    .filter((c) => existsSync(c.video));
}

/** The allowed difference of a direction's total: 5 % (10 % at under 5 fps), at least 1 vehicle under 20. */
export function allowedError(truth: number, fps: number): number {
  const share = fps < 5 ? 0.1 : 0.05;
  return truth < 20 ? Math.max(1, Math.floor(truth * share)) : Math.floor(truth * share);
}

export function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...env } = process.env;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/cityflow.mjs'), ...args], {
      cwd: ROOT,
      env: { ...env, LOG_LEVEL: 'fatal' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Backfills one clip at one rate with the annotated line and returns the counted crossings. */
export async function countClip(
  video: string,
  truth: ClipTruth,
  fps: number,
  extra: Record<string, unknown> = {},
): Promise<Array<{ direction: string; class: string; n: number; withSpeed: number; speedSum: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-eval-counts-'));
  try {
    const line = { id: truth.line.id, from: truth.line.from, to: truth.line.to };
    const config = {
      ...extra,
      dataDir: join(dir, 'data'),
      cameras: [
        {
          id: 'eval',
          source: video,
          scene: {
            lines: [{ ...line, ...(truth.classes ? { classes: truth.classes } : {}) }],
            ...(truth.calibration ? { calibration: truth.calibration } : {}),
          },
        },
      ],
    };
    const cfg = join(dir, 'cityflow.json');
    writeFileSync(cfg, JSON.stringify(config));
    const start = new Date(Date.now() - 24 * 3600_000).toISOString();
    const b = await run([
      'backfill',
      video,
      '--camera',
      'eval',
      '--fps',
      String(fps),
      '--config',
      cfg,
      '--json',
      '--start',
      start,
    ]);
    if (b.code !== 0)
      throw new Error(`backfill of ${video} at ${fps} fps failed (exit ${b.code}): ${b.stderr.slice(-2000)}`);
    const q = await run([
      'query',
      "SELECT direction, class, toUInt32(count()) AS n, toUInt32(countIf(speed_kmh IS NOT NULL)) AS withSpeed, toFloat64(sumIf(speed_kmh, speed_kmh IS NOT NULL)) AS speedSum FROM line_crossings WHERE camera_id = 'eval' GROUP BY direction, class",
      '--json',
      '--config',
      cfg,
    ]);
    if (q.code !== 0) throw new Error(`query failed (exit ${q.code}): ${q.stderr.slice(-2000)}`);
    const rows = JSON.parse(q.stdout.trim().split('\n').pop() ?? '[]') as Array<{
      direction: string;
      class: string;
      n: number;
      withSpeed: number;
      speedSum: number;
    }>;
    return rows.map((r) => ({
      ...r,
      n: Number(r.n),
      withSpeed: Number(r.withSpeed),
      speedSum: Number(r.speedSum),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How many counted crossings have a ground speed, and their mean speed per direction: `19 of 20;
 * mean km/h positive 31.2, negative 35.0`. No truth speeds exist for the real clips; the means say
 * whether the speeds agree between rates, mirrored and scaled copies of the same street.
 */
export function speedSummary(
  counted: Array<{ direction: string; n: number; withSpeed: number; speedSum: number }>,
): string {
  const sum = (f: (c: (typeof counted)[number]) => number, dir?: string) =>
    counted.filter((c) => !dir || c.direction === dir).reduce((a, c) => a + f(c), 0);
  const means = ['positive', 'negative']
    .filter((d) => sum((c) => c.withSpeed, d) > 0)
    .map((d) => `${d} ${(sum((c) => c.speedSum, d) / sum((c) => c.withSpeed, d)).toFixed(1)}`);
  return `${sum((c) => c.withSpeed)} of ${sum((c) => c.n)}${means.length ? `; mean km/h ${means.join(', ')}` : ''}`;
}

/** Truth vs counted, per direction (class `all`) and per direction and class. */
export function compare(
  clip: string,
  fps: number,
  truth: ClipTruth,
  counted: Array<{ direction: string; class: string; n: number }>,
): CountRow[] {
  const rows: CountRow[] = [];
  for (const direction of ['positive', 'negative']) {
    const t = truth.crossings.filter((c) => c.direction === direction);
    const c = counted.filter((r) => r.direction === direction);
    const total = t.length;
    rows.push({
      clip,
      fps,
      direction,
      class: 'all',
      truth: total,
      counted: c.reduce((n, r) => n + r.n, 0),
      allowed: allowedError(total, fps),
    });
    const classes = [...new Set([...t.map((x) => x.class), ...c.map((r) => r.class)])].sort();
    for (const cls of classes) {
      rows.push({
        clip,
        fps,
        direction,
        class: cls,
        truth: t.filter((x) => x.class === cls).length,
        counted: c.filter((r) => r.class === cls).reduce((n, r) => n + r.n, 0),
        allowed: null,
      });
    }
  }
  return rows;
}

export function formatRows(rows: CountRow[]): string {
  const head = ['clip', 'fps', 'direction', 'class', 'truth', 'counted', 'error', 'target'];
  const body = rows.map((r) => {
    const d = r.counted - r.truth;
    const ok =
      r.allowed === null ? '' : Math.abs(d) <= r.allowed ? `±${r.allowed} ok` : `±${r.allowed} MISSED`;
    return [
      r.clip,
      String(r.fps),
      r.direction,
      r.class,
      String(r.truth),
      String(r.counted),
      d > 0 ? `+${d}` : String(d),
      ok,
    ];
  });
  return markdownTable(head, body, [0, 1, 2, 3]);
}

async function main() {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const rates = (arg('--fps') ?? '2,5,10').split(',').map(Number);
  const only = arg('--clips')?.split(',');
  const clips = annotatedClips().filter((c) => !only || only.includes(c.name));
  // --motion-fps N: the tracking.motionFps to evaluate (default: the product's default).
  const motionFps = arg('--motion-fps');
  // --extra '<json>': more configuration keys for every clip's run (e.g. another `models:` and `detector`).
  const extra: Record<string, unknown> = JSON.parse(arg('--extra') ?? '{}');
  if (motionFps !== undefined) extra.tracking = { motionFps: Number(motionFps) };
  const rows: CountRow[] = [];
  let speeds: SpeedRow[] = [];
  let speedTable = '';
  // Calibrated clips: how many counted crossings were stored with a ground speed.
  const speedLines: string[] = [];
  if (!process.argv.includes('--no-synthetic')) {
    const { syntheticCounts, syntheticSpeeds, formatSpeedRows } = await import('./synthetic-counts.ts');
    const seeds = (arg('--seeds') ?? '1,2,3').split(',').map(Number);
    rows.push(...syntheticCounts(seeds, rates, true));
    rows.push(...syntheticCounts(seeds, rates, true, true));
    if (process.argv.includes('--without-motion')) rows.push(...syntheticCounts(seeds, rates, false));
    if (process.argv.includes('--uncalibrated')) {
      rows.push(...syntheticCounts(seeds, rates, true, false, false));
      rows.push(...syntheticCounts(seeds, rates, true, true, false));
    }
    speeds = syntheticSpeeds(seeds, rates).concat(syntheticSpeeds(seeds, rates, true));
    speedTable = formatSpeedRows(speeds);
  }
  const mirrored = process.argv.includes('--mirrored');
  const reversed = process.argv.includes('--reversed');
  const phases = Number(arg('--phases') ?? 1);
  if (!Number.isInteger(phases) || phases < 1)
    throw new Error(`--phases must be a whole number >= 1, got ${phases}`);
  const scales = (arg('--scaled') ?? '').split(',').filter(Boolean).map(Number);
  if (scales.some((f) => !(f > 0 && f <= 4)))
    throw new Error(`--scaled takes factors in (0, 4], got ${arg('--scaled')}`);
  const sourceRates = (arg('--source-fps') ?? '').split(',').filter(Boolean).map(Number);
  if (sourceRates.some((f) => !(f >= 1 && f <= 60)))
    throw new Error(`--source-fps takes rates in [1, 60], got ${arg('--source-fps')}`);
  const uncalibrated = process.argv.includes('--uncalibrated');
  const copies = mirrored || reversed || phases > 1 || scales.length || sourceRates.length;
  const tmp = copies ? mkdtempSync(join(tmpdir(), 'cityflow-eval-clips-')) : null;
  try {
    for (const clip of clips) {
      const o = { mirrored, reversed, phases, scales, sourceRates, uncalibrated };
      for (const r of await clipRuns(clip, tmp, o, Math.min(...rates))) {
        for (const fps of rates) {
          const t0 = Date.now();
          const counted = await countClip(r.video, r.truth, fps, extra);
          rows.push(...compare(r.name, fps, r.truth, counted));
          if (r.truth.calibration) {
            speedLines.push(`${r.name} at ${fps} fps: ${speedSummary(counted)}`);
          }
          process.stderr.write(
            `eval:counts ${r.name} at ${fps} fps: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
          );
        }
      }
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  const missed = rows.filter((r) => r.allowed !== null && Math.abs(r.counted - r.truth) > r.allowed);
  if (process.argv.includes('--json'))
    process.stdout.write(`${JSON.stringify({ rows, missed: missed.length, speeds })}\n`);
  else
    process.stdout.write(
      `${formatRows(rows)}\n${missed.length} of ${rows.filter((r) => r.allowed !== null).length} direction totals outside their target\n${phases > 1 ? `\n${formatSpread(rows)}\n` : ''}${speedTable ? `\nSpeeds at the line (synthetic highway)\n\n${speedTable}\n` : ''}${speedLines.length ? `\nCrossings with a ground speed (calibrated clips)\n${speedLines.join('\n')}\n` : ''}`,
    );
  if (process.argv.includes('--strict') && missed.length) process.exitCode = 1;
}

/**
 * A clip as annotated, without its calibration, and (into `tmp`) flipped left to right, played
 * backwards, scaled, at other source rates, and
 * each of those shifted to other frame phases.
 */
async function clipRuns(
  clip: { name: string; video: string; truth: ClipTruth },
  tmp: string | null,
  o: {
    mirrored: boolean;
    reversed: boolean;
    phases: number;
    scales: number[];
    sourceRates: number[];
    uncalibrated: boolean;
  },
  lowestRate: number,
): Promise<Array<{ name: string; video: string; truth: ClipTruth }>> {
  const { mirrored, phases, scales, sourceRates } = o;
  const base = [{ name: clip.name, video: clip.video, truth: clip.truth }];
  if (o.uncalibrated && clip.truth.calibration) {
    const { calibration: _, ...truth } = clip.truth;
    base.push({ name: `${clip.name} uncalibrated`, video: clip.video, truth });
  }
  if (tmp && mirrored)
    base.push({ name: `${clip.name} mirrored`, ...(await mirrorClip(clip.video, clip.truth, tmp)) });
  if (tmp && o.reversed)
    base.push({ name: `${clip.name} reversed`, ...(await reverseClip(clip.video, clip.truth, tmp)) });
  for (const f of tmp ? scales : [])
    base.push({ name: `${clip.name} ×${f}`, ...(await resizeClip(clip.video, clip.truth, tmp ?? '', f)) });
  for (const r of tmp ? sourceRates : [])
    base.push({
      name: `${clip.name} @${r} fps`,
      ...(await rerateClip(clip.video, clip.truth, tmp ?? '', r)),
    });
  const runs = [...base];
  for (const b of base) {
    for (let p = 1; p < phases && tmp; p++) {
      const s = await shiftClip(b.video, b.truth, tmp, p / (phases * lowestRate));
      runs.push({ name: `${b.name} +${s.shift.toFixed(2)} s`, video: s.video, truth: s.truth });
    }
  }
  return runs;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exitCode = 1;
  });
}
