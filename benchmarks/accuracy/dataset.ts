import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { isProductClass, type ProductClass } from '../../schemas/classes.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import type { GroundTruthObject } from './metrics.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ANNOTATIONS_DIR = join(ROOT, 'benchmarks/accuracy/annotations');

/**
 * One annotation file (benchmarks/accuracy/annotations/<name>.json): hand-drawn boxes on frames of one
 * video, the frames picked by PTS on a fixed sampling grid so anyone can extract the same pictures.
 *
 *   {
 *     "source": "samples/residential-street.mp4",   relative to the repository root
 *     "width": 640, "height": 352,                   source pixels (boxes are in these)
 *     "fps": 0.25,                                   sampling grid: frames at PTS k / fps
 *     "classes": ["car", ..., "person"],             classes annotated exhaustively in these frames
 *     "frames": [
 *       { "ptsMs": 4000, "objects": [ { "cls": "car", "box": [x, y, w, h], "difficult": true, "note": "…" } ] }
 *     ]
 *   }
 */
export interface AnnotationSet {
  name: string;
  file: string;
  source: string;
  sourcePath: string;
  width: number;
  height: number;
  fps: number;
  classes: ProductClass[];
  frames: AnnotatedFrame[];
}

export interface AnnotatedFrame {
  ptsMs: number;
  objects: (GroundTruthObject & { note?: string })[];
}

/** Reads and checks one annotation file; throws naming the file and the bad entry. */
export function loadAnnotationSet(file: string): AnnotationSet {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const bad = (where: string, why: string) => new Error(`${file}: ${where}: ${why}`);
  const { source, width, height, fps, classes, frames } = raw as {
    source: unknown;
    width: unknown;
    height: unknown;
    fps: unknown;
    classes: unknown;
    frames: unknown;
  };
  if (typeof source !== 'string' || !source) throw bad('source', 'must be a path');
  for (const [k, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || (v as number) < 1) throw bad(k, 'must be a positive integer');
  }
  if (typeof fps !== 'number' || !(fps > 0)) throw bad('fps', 'must be > 0');
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string' && isProductClass(c))) {
    throw bad('classes', 'must list product classes');
  }
  if (!Array.isArray(frames)) throw bad('frames', 'must be a list');
  const W = width as number;
  const H = height as number;
  const seen = new Set<number>();
  const out: AnnotatedFrame[] = frames.map((f: unknown, i: number) => {
    const fr = f as { ptsMs?: unknown; objects?: unknown };
    if (typeof fr.ptsMs !== 'number' || fr.ptsMs < 0) throw bad(`frames[${i}].ptsMs`, 'must be a number ≥ 0');
    if (seen.has(fr.ptsMs)) throw bad(`frames[${i}].ptsMs`, `duplicate ${fr.ptsMs}`);
    seen.add(fr.ptsMs);
    const onGrid = (fr.ptsMs * fps) / 1000;
    if (Math.abs(onGrid - Math.round(onGrid)) > 1e-6)
      throw bad(`frames[${i}].ptsMs`, `not on the ${fps} fps grid`);
    if (!Array.isArray(fr.objects)) throw bad(`frames[${i}].objects`, 'must be a list');
    const objects = fr.objects.map((o: unknown, j: number) => {
      const ob = o as { cls?: unknown; box?: unknown; difficult?: unknown; note?: unknown };
      const where = `frames[${i}].objects[${j}]`;
      if (typeof ob.cls !== 'string' || !(classes as string[]).includes(ob.cls))
        throw bad(`${where}.cls`, `must be one of the set's classes, got ${String(ob.cls)}`);
      const b = ob.box;
      if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v)))
        throw bad(`${where}.box`, 'must be [x, y, w, h]');
      const [x, y, w, h] = b as number[];
      if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > W + 0.5 || y + h > H + 0.5)
        throw bad(`${where}.box`, `[${b.join(', ')}] is empty or outside ${W}x${H}`);
      return {
        cls: ob.cls as ProductClass,
        box: { x, y, w, h },
        ...(ob.difficult === true ? { difficult: true } : {}),
        ...(typeof ob.note === 'string' ? { note: ob.note } : {}),
      };
    });
    return { ptsMs: fr.ptsMs, objects };
  });
  return {
    name: basename(file, '.json'),
    file,
    source,
    sourcePath: resolve(ROOT, source),
    width: W,
    height: H,
    fps,
    classes: classes as ProductClass[],
    frames: out.sort((a, b) => a.ptsMs - b.ptsMs),
  };
}

/** Every annotation set in a folder, with the ones whose footage is absent set aside (and why). */
export function loadAnnotationSets(dir = ANNOTATIONS_DIR): {
  sets: AnnotationSet[];
  skipped: { name: string; reason: string }[];
} {
  const sets: AnnotationSet[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const set = loadAnnotationSet(join(dir, f));
    if (existsSync(set.sourcePath)) sets.push(set);
    else skipped.push({ name: set.name, reason: `${set.source} is absent (../shared not mounted here)` });
  }
  return { sets, skipped };
}

/**
 * The annotated frames of a set, decoded as the pipeline decodes them: FrameExtractor at the set's
 * fps, scaled to fit maxWidth × maxHeight (use the source size for full-resolution pictures). Stops
 * the decoder after the last annotated PTS.
 */
export async function* annotatedFrames(
  set: AnnotationSet,
  maxWidth: number,
  maxHeight: number,
): AsyncGenerator<{ frame: AnnotatedFrame; picture: RgbFrame }> {
  const want = new Map(set.frames.map((f) => [f.ptsMs, f]));
  const last = set.frames.length ? set.frames[set.frames.length - 1].ptsMs : -1;
  const ex = new FrameExtractor({ path: set.sourcePath, fps: set.fps, maxWidth, maxHeight, startTimeMs: 0 });
  let found = 0;
  try {
    for await (const { frame, time } of ex) {
      const pts = Math.round(time.ptsMs);
      const f = want.get(pts);
      if (f) {
        found++;
        yield { frame: f, picture: frame };
      }
      if (pts >= last) break;
    }
  } finally {
    await ex.close();
  }
  if (found !== want.size) {
    throw new Error(
      `${set.file}: ${want.size - found} annotated PTS not found in ${set.source} at ${set.fps} fps`,
    );
  }
}
