/**
 * Line counts of the demo against hand-annotated ground truth (issue 3).
 *
 *   node --import tsx benchmarks/counting/compare.ts [--json]
 *
 * Runs the real demo (`node bin/cityflow.mjs demo --json --data-dir <tmp>`, local mode: no REDIS_URL,
 * no CLICKHOUSE_URL) on samples/residential-street.mp4, reads `lineCounts` from its JSON summary and
 * compares them, per direction and per direction and class, with
 * benchmarks/counting/residential-street.ground-truth.json. Exits 1 when a direction differs from the
 * ground truth by more than ±1 (the target), or when the demo fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LineCount } from '../../workers/backfill/line-counts.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GROUND_TRUTH = fileURLToPath(new URL('./residential-street.ground-truth.json', import.meta.url));
/** Allowed difference per direction, in vehicles. */
export const TOLERANCE = 1;
const DIRECTIONS = ['negative', 'positive'] as const;

export interface GroundTruth {
  video: string;
  line: { id: string; from: [number, number]; to: [number, number] };
  crossings: Array<{ t: number; direction: 'negative' | 'positive'; class: string; note?: string }>;
}

export type { LineCount };

export interface ComparisonRow {
  direction: string;
  /** A class, or `all` for the direction's total. */
  class: string;
  truth: number;
  counted: number;
  difference: number;
}

export interface Comparison {
  video: string;
  line: string;
  tolerance: number;
  /** Per direction (class `all`), then per direction and class. */
  rows: ComparisonRow[];
  /** True when every direction's total is within ±tolerance of the ground truth. */
  withinTolerance: boolean;
  demo: { exitCode: number | null; wallSeconds: number; framesAnalysed?: number };
}

export function loadGroundTruth(file = GROUND_TRUTH): GroundTruth {
  return JSON.parse(readFileSync(file, 'utf8')) as GroundTruth;
}

/** Compares the demo's counts for the ground truth's line with the ground truth. */
export function compareCounts(
  truth: GroundTruth,
  counts: LineCount[],
  tolerance = TOLERANCE,
): Omit<Comparison, 'demo'> {
  const mine = counts.filter((c) => c.line === truth.line.id);
  const rows: ComparisonRow[] = [];
  const row = (direction: string, cls: string, t: number, c: number) =>
    rows.push({ direction, class: cls, truth: t, counted: c, difference: c - t });
  for (const direction of DIRECTIONS) {
    const t = truth.crossings.filter((x) => x.direction === direction).length;
    const c = mine.filter((x) => x.direction === direction).reduce((n, x) => n + x.count, 0);
    row(direction, 'all', t, c);
  }
  const directions = [...new Set([...DIRECTIONS, ...mine.map((c) => c.direction)])];
  for (const direction of directions) {
    const classes = new Set([
      ...truth.crossings.filter((x) => x.direction === direction).map((x) => x.class),
      ...mine.filter((x) => x.direction === direction).map((x) => x.class),
    ]);
    for (const cls of [...classes].sort()) {
      const t = truth.crossings.filter((x) => x.direction === direction && x.class === cls).length;
      const c = mine
        .filter((x) => x.direction === direction && x.class === cls)
        .reduce((n, x) => n + x.count, 0);
      row(direction, cls, t, c);
    }
  }
  const withinTolerance = rows
    .filter((r) => r.class === 'all')
    .every((r) => Math.abs(r.difference) <= tolerance);
  return { video: truth.video, line: truth.line.id, tolerance, rows, withinTolerance };
}

/** Runs the real demo CLI in local mode and returns its JSON summary's `lineCounts`. */
export async function runDemo(): Promise<{
  lineCounts: LineCount[];
  exitCode: number | null;
  wallSeconds: number;
  framesAnalysed?: number;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cityflow-counting-'));
  const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...env } = process.env;
  const started = Date.now();
  try {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin/cityflow.mjs'), 'demo', '--json', '--data-dir', dataDir],
        // stdin is /dev/null so bin/cityflow.mjs need not re-run itself (see its comment on chDB).
        { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    let summary: { lineCounts?: LineCount[]; framesAnalysed?: number };
    try {
      summary = JSON.parse(last);
    } catch {
      throw new Error(`demo printed no JSON summary (exit ${code}):\n${stdout}\n${stderr}`);
    }
    if (!Array.isArray(summary.lineCounts)) throw new Error(`demo summary has no lineCounts: ${last}`);
    return {
      lineCounts: summary.lineCounts,
      exitCode: code,
      wallSeconds: (Date.now() - started) / 1000,
      framesAnalysed: summary.framesAnalysed,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the demo and compares its counts with the ground truth. */
export async function runComparison(truthFile = GROUND_TRUTH): Promise<Comparison> {
  const truth = loadGroundTruth(truthFile);
  const demo = await runDemo();
  return {
    ...compareCounts(truth, demo.lineCounts),
    demo: { exitCode: demo.exitCode, wallSeconds: demo.wallSeconds, framesAnalysed: demo.framesAnalysed },
  };
}

export function formatTable(c: Comparison): string {
  const head = ['direction', 'class', 'truth', 'counted', 'difference'];
  const body = c.rows.map((r) => [
    r.direction,
    r.class,
    String(r.truth),
    String(r.counted),
    r.difference > 0 ? `+${r.difference}` : String(r.difference),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((s, i) => (i < 2 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i < 2 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [
    `${c.video}, line ${c.line}: counted by the demo vs hand-annotated ground truth (target ±${c.tolerance} per direction)`,
    line(head),
    rule,
    ...body.map(line),
    c.withinTolerance ? 'within target' : 'OUTSIDE target',
  ].join('\n');
}

async function main() {
  const json = process.argv.includes('--json');
  const c = await runComparison();
  process.stdout.write(json ? `${JSON.stringify(c)}\n` : `${formatTable(c)}\n`);
  if (!c.withinTolerance || c.demo.exitCode !== 0) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exitCode = 1;
  });
}
