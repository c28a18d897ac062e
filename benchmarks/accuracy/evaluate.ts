/**
 * Detector accuracy against the hand-made ground truth in benchmarks/accuracy/annotations/ and the
 * licence-plate photos of ../shared/plates/dev (see benchmarks/accuracy/README.md for both).
 *
 *   node --import tsx benchmarks/accuracy/evaluate.ts [--model NAME ...] [--config FILE] [--json]
 *     [--min-score 0.05] [--sets residential-street,people-walking] [--no-plates] [--plates DIR]
 *
 * Per model: precision, recall and AP@0.5 (VOC all-point, metrics.ts) for the pooled vehicles, each
 * annotated vehicle class and persons, per annotation set and over all of them; then the plate proxy.
 * The model runs once with its score threshold lowered to --min-score, so AP covers the ranking below
 * the operating point; precision and recall are those of the detections at the model's own threshold.
 * With --json the last stdout line is one JSON object: { models: [ModelEvaluation, ...] }.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../pipeline/config/load-config.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { createDetector, resolveModel } from '../../pipeline/detect/detector-spec.ts';
import { decodeImage } from '../../pipeline/extract/image-source.ts';
import { type ProductClass, VEHICLE_CLASSES } from '../../schemas/classes.ts';
import type { Box, Detection } from '../../schemas/detection.ts';
import { DEFAULT_MODEL, type ModelSpec } from '../../schemas/model.ts';
import { type AnnotationSet, annotatedFrames, loadAnnotationSets, ROOT } from './dataset.ts';
import { type CategoryResult, type EvalImage, evaluateCategory } from './metrics.ts';

export const DEFAULT_MIN_SCORE = 0.05;
export const DEFAULT_PLATES_DIR = join(ROOT, '../shared/plates/dev');
/** Classes whose box may hold a licence plate. */
const PLATE_CARRIERS: readonly ProductClass[] = ['car', 'truck', 'bus'];

export interface CategoryRow extends CategoryResult {
  /** Annotation set name, or 'all'. */
  set: string;
  /** 'vehicles' (pooled), a vehicle class, or 'person'. */
  category: string;
}

export interface PlateProxy {
  photos: number;
  /** Photos where a car/truck/bus box (at the operating threshold) contains the plate box centre. */
  hits: number;
  fraction: number;
  misses: string[];
}

export interface ModelEvaluation {
  model: string;
  input: string;
  /** The model's own score threshold (the operating point for precision/recall). */
  scoreThreshold: ModelSpec['scoreThreshold'];
  /** Detections were produced down to this score for AP. */
  minScore: number;
  sets: { name: string; source: string; frames: number }[];
  skipped: { name: string; reason: string }[];
  rows: CategoryRow[];
  plates: PlateProxy | null;
  platesSkipped?: string;
  /** Mean detector time per frame/photo, ms (for orientation only). */
  detectorMsPerImage: number;
  seconds: number;
}

export interface EvaluateOptions {
  name: string;
  spec: ModelSpec;
  sets: AnnotationSet[];
  skipped?: { name: string; reason: string }[];
  /** Folder of plate photos; null to skip the plate proxy. */
  platesDir?: string | null;
  minScore?: number;
  threads?: number;
}

/** The operating threshold of a spec for a class. */
export function thresholdFor(spec: ModelSpec, cls: ProductClass): number {
  const t = spec.scoreThreshold;
  if (typeof t === 'number') return t;
  const byClass = t as Partial<Record<ProductClass | 'default', number>>;
  return byClass[cls] ?? byClass.default ?? 0.3;
}

export async function evaluateModel(o: EvaluateOptions): Promise<ModelEvaluation> {
  const started = performance.now();
  const minScore = o.minScore ?? DEFAULT_MIN_SCORE;
  const detector = await createDetector({
    name: o.name,
    spec: { ...o.spec, scoreThreshold: minScore },
    threads: o.threads ?? 2,
  });
  const operating = (d: Detection) => d.score >= thresholdFor(o.spec, d.cls);
  let detectorMs = 0;
  let images = 0;
  const timed = async (frame: Parameters<Detector['detect']>[0][number]) => {
    const t0 = performance.now();
    const [dets] = await detector.detect([frame]);
    detectorMs += performance.now() - t0;
    images++;
    return dets;
  };
  const rows: CategoryRow[] = [];
  const perSet: EvalImage[][] = [];
  let plates: PlateProxy | null = null;
  let platesSkipped: string | undefined;
  try {
    for (const set of o.sets) {
      const evalImages: EvalImage[] = [];
      for await (const { frame, picture } of annotatedFrames(
        set,
        detector.inputWidth,
        detector.inputHeight,
      )) {
        const dets = await timed(picture);
        evalImages.push({
          id: `${set.name}@${frame.ptsMs}`,
          groundTruth: frame.objects,
          detections: dets.filter((d) => set.classes.includes(d.cls)),
        });
      }
      perSet.push(evalImages);
      rows.push(...categoryRows(set.name, evalImages, operating));
    }
    if (o.sets.length > 1) rows.push(...categoryRows('all', perSet.flat(), operating));
    if (o.platesDir === null || o.platesDir === undefined) {
      platesSkipped = 'not requested';
    } else if (!existsSync(o.platesDir)) {
      platesSkipped = `${o.platesDir} is absent (../shared not mounted here)`;
    } else {
      plates = await platesProxy(o.platesDir, detector, timed, operating);
    }
  } finally {
    await detector.close();
  }
  return {
    model: o.name,
    input: `${detector.inputWidth}x${detector.inputHeight}`,
    scoreThreshold: o.spec.scoreThreshold,
    minScore,
    sets: o.sets.map((s) => ({ name: s.name, source: s.source, frames: s.frames.length })),
    skipped: o.skipped ?? [],
    rows,
    plates,
    ...(platesSkipped ? { platesSkipped } : {}),
    detectorMsPerImage: images ? detectorMs / images : 0,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Rows for one scope: pooled vehicles, each vehicle class with ground truth, persons. */
function categoryRows(set: string, images: EvalImage[], operating: (d: Detection) => boolean): CategoryRow[] {
  // A category gets a row when it has ground truth or detections at the operating point.
  const has = (c: ProductClass) =>
    images.some(
      (im) =>
        im.groundTruth.some((g) => g.cls === c) || im.detections.some((d) => d.cls === c && operating(d)),
    );
  const rows: CategoryRow[] = [];
  const add = (category: string, classes: readonly ProductClass[]) =>
    rows.push({ set, category, ...evaluateCategory(images, classes, operating) });
  if (VEHICLE_CLASSES.some(has)) add('vehicles', VEHICLE_CLASSES);
  for (const c of VEHICLE_CLASSES) {
    if (images.some((im) => im.groundTruth.some((g) => g.cls === c && !g.difficult))) add(c, [c]);
  }
  if (has('person')) add('person', ['person']);
  return rows;
}

/** One plate annotation: `file x y w h PLATE`, tab-separated. */
export function parsePlateLine(line: string): { file: string; box: Box; plate: string } | null {
  const f = line.trim().split(/\t+|\s+/);
  if (f.length < 5) return null;
  const [x, y, w, h] = f.slice(1, 5).map(Number);
  if (![x, y, w, h].every(Number.isFinite)) return null;
  return { file: f[0], box: { x, y, w, h }, plate: f[5] ?? '' };
}

async function platesProxy(
  dir: string,
  detector: Detector,
  timed: (f: Parameters<Detector['detect']>[0][number]) => Promise<Detection[]>,
  operating: (d: Detection) => boolean,
): Promise<PlateProxy> {
  const misses: string[] = [];
  let photos = 0;
  let hits = 0;
  for (const txt of readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const ann = parsePlateLine(readFileSync(join(dir, txt), 'utf8'));
    if (!ann) continue;
    const img = await decodeImage(join(dir, ann.file), {
      maxWidth: detector.inputWidth,
      maxHeight: detector.inputHeight,
    });
    const dets = await timed(img.frame);
    const cx = ann.box.x + ann.box.w / 2;
    const cy = ann.box.y + ann.box.h / 2;
    const hit = dets.some(
      (d) =>
        PLATE_CARRIERS.includes(d.cls) &&
        operating(d) &&
        cx >= d.box.x &&
        cx <= d.box.x + d.box.w &&
        cy >= d.box.y &&
        cy <= d.box.y + d.box.h,
    );
    photos++;
    if (hit) hits++;
    else misses.push(ann.file);
  }
  return { photos, hits, fraction: photos ? hits / photos : 0, misses };
}

const pct = (v: number) => v.toFixed(3);

/** The report of one model as text tables. */
export function formatEvaluation(e: ModelEvaluation): string {
  const thr =
    typeof e.scoreThreshold === 'number' ? String(e.scoreThreshold) : JSON.stringify(e.scoreThreshold);
  const lines = [
    `model ${e.model} (input ${e.input}, score threshold ${thr}; AP over detections down to ${e.minScore})`,
    `sets: ${e.sets.map((s) => `${s.name} (${s.frames} frames)`).join(', ') || 'none'}`,
  ];
  for (const s of e.skipped) lines.push(`skipped ${s.name}: ${s.reason}`);
  const header = ['set', 'category', 'GT', 'diff', 'AP@0.5', 'precision', 'recall', 'TP', 'FP', 'max recall'];
  const body = e.rows.map((r) => [
    r.set,
    r.category,
    String(r.positives),
    String(r.difficult),
    r.positives ? pct(r.ap) : '-',
    r.detections ? pct(r.precision) : '-',
    r.positives ? pct(r.recall) : '-',
    String(r.tp),
    String(r.fp),
    r.positives ? pct(r.maxRecall) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (row: string[]) =>
    row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  lines.push(fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt));
  if (e.plates) {
    lines.push(
      `plates (recall proxy): a car/truck/bus box contains the plate centre in ${e.plates.hits} of ` +
        `${e.plates.photos} photos = ${pct(e.plates.fraction)}`,
    );
  } else if (e.platesSkipped) {
    lines.push(`plates: skipped (${e.platesSkipped})`);
  }
  lines.push(`detector ${e.detectorMsPerImage.toFixed(1)} ms/image; ${e.seconds.toFixed(1)} s in all`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', multiple: true },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      'min-score': { type: 'string', default: String(DEFAULT_MIN_SCORE) },
      sets: { type: 'string' },
      annotations: { type: 'string' },
      plates: { type: 'string', default: DEFAULT_PLATES_DIR },
      'no-plates': { type: 'boolean', default: false },
    },
  });
  const cfg = values.config ? loadConfig(values.config) : null;
  const names = values.model ?? [cfg?.detector.model ?? DEFAULT_MODEL];
  const minScore = Number(values['min-score']);
  if (!(minScore > 0 && minScore < 1))
    throw new Error(`--min-score must be in (0, 1), got ${values['min-score']}`);
  const loaded = loadAnnotationSets(values.annotations);
  const only = values.sets?.split(',').map((s) => s.trim());
  const sets = only ? loaded.sets.filter((s) => only.includes(s.name)) : loaded.sets;
  const skipped = loaded.skipped.filter((s) => !only || only.includes(s.name));
  const results: ModelEvaluation[] = [];
  for (const name of names) {
    const spec = resolveModel(name, cfg?.models ?? {});
    const e = await evaluateModel({
      name,
      spec,
      sets,
      skipped,
      minScore,
      platesDir: values['no-plates'] ? null : values.plates,
    });
    results.push(e);
    if (!values.json) process.stdout.write(`${formatEvaluation(e)}\n`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ models: results })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`evaluate: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
