/**
 * Licence-plate finding and reading against ground truth, end to end through `cityflow plates`.
 *
 *   npm run eval:plates                                  # ../shared/plates/dev, a table
 *   npm run eval:plates -- --dir <folder> --json --strict
 *
 * The folder holds pictures and one `<name>.txt` per picture, tab-separated `file x y w h PLATE` per
 * line (box in pixels, plate text without spaces or dashes). All pictures go to ONE run of
 * `cityflow plates <files...> --json` (models load once, as a user would run it on a folder). Per
 * ground-truth plate:
 *   found        a reported plate's box overlaps it with IoU ≥ 0.3 (the best-overlapping one is taken)
 *   exact        that plate's text equals the truth
 *   exact O≡0    the same with the letter O and the digit 0 taken as one (several ground-truth files
 *                write O where the plate's font has 0, e.g. UK `OY09FEU` written `OYO9FEU`)
 *   char acc.    1 − edit distance / truth length, averaged over all plates (a miss scores 0)
 * plus reported plates matching no truth (extra reads: other cars' plates, or false reads) and the time
 * per picture the CLI measured (locating and reading, decoding aside).
 * Targets: found ≥ 85 %, exact ≥ 80 %; --strict exits 1 below them.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { iou } from '../../pipeline/geometry/box-iou.ts';
import { editDistance } from '../../pipeline/plates/edit-distance.ts';
import type { PlatesInputReport } from '../../workers/cli/plates-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_PLATES_DIR = resolve(ROOT, '../shared/plates/dev');

export interface PlateTruth {
  file: string;
  box: { x: number; y: number; w: number; h: number };
  plate: string;
}

export interface PlateEval {
  pictures: number;
  plates: number;
  found: number;
  exact: number;
  exactOAsZero: number;
  charAccuracy: number;
  extraReads: number;
  msPerPicture: number;
  misses: { file: string; truth: string; read: string | null }[];
}

export function readTruth(dir: string): PlateTruth[] {
  const out: PlateTruth[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.txt'))
    .sort()) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const [file, x, y, w, h, plate] = line.trim().split('\t');
      out.push({ file: join(dir, file), box: { x: +x, y: +y, w: +w, h: +h }, plate });
    }
  }
  return out;
}

/** Runs `cityflow plates --json` on every pictured file at once and returns its reports. */
export async function runPlatesCli(files: string[], extraArgs: string[] = []): Promise<PlatesInputReport[]> {
  const args = [join(ROOT, 'bin/cityflow.mjs'), 'plates', ...files, '--json', ...extraArgs];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`cityflow plates exited ${code}: ${stderr.trim().slice(-500)}`);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const body = JSON.parse(last) as PlatesInputReport | { images: PlatesInputReport[] };
  return 'images' in body ? body.images : [body];
}

export function scorePlates(truth: PlateTruth[], reports: PlatesInputReport[]): PlateEval {
  const byFile = new Map(reports.map((r) => [resolve(r.input), r]));
  let found = 0;
  let exact = 0;
  let exactO = 0;
  let chars = 0;
  let extra = 0;
  const misses: PlateEval['misses'] = [];
  for (const t of truth) {
    const plates = byFile.get(resolve(t.file))?.plates ?? [];
    const best = plates
      .map((p) => ({ p, o: iou(p.box, t.box) }))
      .filter((m) => m.o >= 0.3)
      .sort((a, b) => b.o - a.o)[0]?.p;
    extra += plates.filter((p) => iou(p.box, t.box) < 0.3).length;
    if (best) found++;
    if (best?.text === t.plate) exact++;
    const o0 = (s: string) => s.replaceAll('O', '0');
    if (best && o0(best.text) === o0(t.plate)) exactO++;
    chars += best ? Math.max(0, 1 - editDistance(best.text, t.plate) / t.plate.length) : 0;
    if (best?.text !== t.plate) misses.push({ file: t.file, truth: t.plate, read: best?.text ?? null });
  }
  const ms = reports.reduce((s, r) => s + r.msPerPicture, 0) / Math.max(1, reports.length);
  return {
    pictures: reports.length,
    plates: truth.length,
    found,
    exact,
    exactOAsZero: exactO,
    charAccuracy: chars / Math.max(1, truth.length),
    extraReads: extra,
    msPerPicture: ms,
    misses,
  };
}

const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`;

export function formatPlateEval(e: PlateEval): string {
  return [
    `pictures ${e.pictures}, plates ${e.plates}`,
    `found        ${e.found} (${pct(e.found, e.plates)})   target ≥ 85 %`,
    `exact        ${e.exact} (${pct(e.exact, e.plates)})   target ≥ 80 %`,
    `exact O≡0    ${e.exactOAsZero} (${pct(e.exactOAsZero, e.plates)})`,
    `char acc.    ${(100 * e.charAccuracy).toFixed(1)} %`,
    `extra reads  ${e.extraReads}`,
    `ms/picture   ${e.msPerPicture.toFixed(1)} (locate + read, decoding aside)`,
    'misses:',
    ...e.misses.map((m) => `  ${m.file.split('/').at(-1)}  truth ${m.truth}  read ${m.read ?? '(none)'}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--dir');
  const dir = at >= 0 ? resolve(argv[at + 1]) : DEFAULT_PLATES_DIR;
  const truth = readTruth(dir);
  if (truth.length === 0) throw new Error(`${dir}: no ground-truth .txt files`);
  const files = [...new Set(truth.map((t) => t.file))];
  const e = scorePlates(truth, await runPlatesCli(files));
  process.stdout.write(argv.includes('--json') ? `${JSON.stringify(e)}\n` : `${formatPlateEval(e)}\n`);
  const ok = e.found >= 0.85 * e.plates && e.exact >= 0.8 * e.plates;
  if (argv.includes('--strict') && !ok) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`eval:plates: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
