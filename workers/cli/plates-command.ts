import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { drawDetections } from '../../pipeline/detect/annotate/draw.ts';
import { writeImage } from '../../pipeline/detect/annotate/write-image.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { createDetector, resolveModel } from '../../pipeline/detect/detector-spec.ts';
import { FrameExtractor, fitInside } from '../../pipeline/extract/frame-extractor.ts';
import { decodeImage, type RgbPicture } from '../../pipeline/extract/image-source.ts';
import { cropResize } from '../../pipeline/plates/image-ops.ts';
import { dedupe, type FoundPlate, type PlateFinder } from '../../pipeline/plates/plate-finder.ts';
import { PlateModels } from '../../pipeline/plates/plate-models.ts';
import { platesInShot } from '../../pipeline/plates/segment-plates.ts';
import { DEFAULT_MODEL } from '../../schemas/model.ts';
import { imageFormatOf, inputKind } from './detect-command.ts';

export interface PlatesCommandOptions {
  json?: boolean;
  out?: string;
  country: 'auto' | 'VN' | 'none';
  minConfidence?: number;
  /** A plate detector (ONNX) instead of the text locator, and its output format, input side, threshold. */
  detector?: string;
  detectorFormat?: 'yolo' | 'end2end';
  detectorSize?: number;
  detectorThreshold?: number;
  /** false (--no-vehicles): no vehicle detector, the whole picture only. */
  vehicles?: boolean;
  /** Videos: frames read per second of video, and at most this many. */
  fps: number;
  maxFrames: number;
}

/** One plate as `plates --json` prints it; boxes in source pixels. */
export interface PlateReport {
  text: string;
  display: string;
  confidence: number;
  layout: string;
  country: string;
  box: { x: number; y: number; w: number; h: number };
  /** Videos only: the frame it was read in. */
  frame?: number;
  ptsMs?: number;
}

export interface PlatesInputReport {
  input: string;
  kind: 'image' | 'video';
  width: number;
  height: number;
  plates: PlateReport[];
  annotated: string | null;
  /** Locating and reading, per picture (decoding aside). */
  msPerPicture: number;
}

/**
 * `cityflow plates <image|video>...`: finds and reads licence plates (one- and two-line) in pictures
 * or in frames sampled from videos, at the source's resolution, and draws them. One input with --json
 * prints `{ input, plates: [...], ... }` on the last stdout line; several print `{ images: [...] }`.
 * Annotated output: `<name>.plates.jpg` beside an image; for a video, the frame with the most plates.
 */
export async function platesCommand(given: string[], opts: PlatesCommandOptions): Promise<void> {
  const inputs = await expandFolders(given);
  if (opts.out && inputs.length > 1) throw new Error('--out takes one input; give inputs one at a time');
  const models = await PlateModels.open(2);
  const finder = await models
    .finderFor({
      country: opts.country,
      minConfidence: opts.minConfidence ?? 0.8,
      ...(opts.detector
        ? {
            detector: {
              file: resolve(opts.detector),
              format: opts.detectorFormat ?? 'yolo',
              inputSize: opts.detectorSize ?? 640,
              scoreThreshold: opts.detectorThreshold ?? 0.4,
            },
          }
        : {}),
    })
    .catch(async (e) => {
      await models.close();
      throw e;
    });
  const vehicles = opts.vehicles === false ? null : await vehicleDetector();
  const find: Finder = (picture) => findPlates(finder, vehicles, picture);
  const reports: PlatesInputReport[] = [];
  try {
    for (const input of inputs) {
      const kind = await inputKind(input);
      const annotate = !opts.json || opts.out !== undefined;
      const out = annotate ? resolve(opts.out ?? defaultOut(input)) : null;
      const report =
        kind === 'image'
          ? await platesInImage(find, input, out)
          : await platesInVideo(find, input, out, opts);
      reports.push(report);
      if (!opts.json) process.stdout.write(formatPlates(report));
    }
  } finally {
    await vehicles?.close();
    await models.close();
  }
  if (opts.json) {
    const body = reports.length === 1 ? reports[0] : { images: reports };
    process.stdout.write(`${JSON.stringify(body)}\n`);
  }
}

type Finder = (picture: RgbPicture) => Promise<FoundPlate[]>;

/** A folder given as input stands for its JPEG and PNG files (not its subfolders), in name order. */
async function expandFolders(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const st = await stat(input).catch(() => null);
    if (!st?.isDirectory()) {
      out.push(input);
      continue;
    }
    const pictures = (await readdir(input))
      .filter((f) => /\.(jpe?g|png)$/i.test(f) && !/\.plates\.jpg$/i.test(f))
      .sort()
      .map((f) => join(input, f));
    if (pictures.length === 0) throw new Error(`${input}: a folder without JPEG or PNG pictures`);
    out.push(...pictures);
  }
  return out;
}

/** Vehicle classes whose plates are looked for in their own crops, and the least height of one. */
const PLATE_VEHICLES = new Set(['car', 'motorcycle', 'bus', 'truck']);
const MIN_VEHICLE_HEIGHT = 40;

/** The default detector, to find vehicles whose plates are looked for in crops of their own. */
async function vehicleDetector(): Promise<Detector> {
  return createDetector({ name: DEFAULT_MODEL, spec: resolveModel(DEFAULT_MODEL, {}), threads: 2 });
}

/**
 * Plates in the whole picture (its long side brought to 960 px for the text locator), and, with a
 * vehicle detector, in each vehicle's own crop upscaled to about 640 px: small plates of a large
 * photo, lost at 960 px, are found there. Overlapping reads of one plate are merged.
 */
async function findPlates(
  finder: PlateFinder,
  vehicles: Detector | null,
  picture: RgbPicture,
): Promise<FoundPlate[]> {
  const found = await finder.find(picture);
  if (!vehicles) return found;
  const fit = fitInside(picture.width, picture.height, vehicles.inputWidth, vehicles.inputHeight);
  const whole = { x: 0, y: 0, w: picture.width, h: picture.height };
  const frame = {
    data: cropResize(picture, whole, fit.width, fit.height),
    width: fit.width,
    height: fit.height,
    scale: fit.scale,
  };
  const [detections] = await vehicles.detect([frame]);
  for (const d of detections) {
    if (!PLATE_VEHICLES.has(d.cls) || d.box.h < MIN_VEHICLE_HEIGHT) continue;
    found.push(...(await platesInShot(finder, { ...picture, scale: 1 }, d, { x: 0, y: 0 })));
  }
  return dedupe(found);
}

function defaultOut(input: string): string {
  return join(dirname(input), `${basename(input, extname(input))}.plates.jpg`);
}

async function platesInImage(finder: Finder, input: string, out: string | null): Promise<PlatesInputReport> {
  const { source } = await decodeImage(input);
  const t0 = performance.now();
  const found = await finder(source);
  const ms = performance.now() - t0;
  if (out) await drawPlates(source, found, out);
  return {
    input,
    kind: 'image',
    width: source.width,
    height: source.height,
    plates: found.map((p) => toReport(p)),
    annotated: out,
    msPerPicture: round1(ms),
  };
}

async function platesInVideo(
  finder: Finder,
  input: string,
  out: string | null,
  opts: PlatesCommandOptions,
): Promise<PlatesInputReport> {
  const frames = new FrameExtractor({
    path: input,
    fps: opts.fps,
    startTimeMs: 0,
    maxWidth: 16384,
    maxHeight: 16384,
  });
  const plates: PlateReport[] = [];
  let best: { picture: RgbPicture; found: FoundPlate[] } | null = null;
  let ms = 0;
  let n = 0;
  try {
    await frames.start();
    for await (const { frame, time, index } of frames) {
      const t0 = performance.now();
      const found = await finder(frame);
      ms += performance.now() - t0;
      plates.push(...found.map((p) => toReport(p, index, time.ptsMs)));
      if (out && (!best || found.length > best.found.length)) best = { picture: frame, found };
      if (++n >= opts.maxFrames) break;
    }
  } finally {
    await frames.close();
  }
  if (out && best) await drawPlates(best.picture, best.found, out);
  return {
    input,
    kind: 'video',
    width: frames.info.width,
    height: frames.info.height,
    plates,
    annotated: out && best ? out : null,
    msPerPicture: round1(n ? ms / n : 0),
  };
}

async function drawPlates(picture: RgbPicture, found: FoundPlate[], out: string): Promise<void> {
  const labels = new Map(found.map((p) => [p.box, `${p.display} ${p.confidence.toFixed(2)}`]));
  drawDetections(
    picture,
    found.map((p) => ({ cls: 'car', score: p.confidence, box: p.box })),
    { label: (d) => labels.get(d.box) ?? '', colour: () => [255, 230, 0] },
  );
  await mkdir(dirname(out), { recursive: true });
  await writeImage(picture, out, { format: imageFormatOf(out) ?? 'jpeg' });
}

function toReport(p: FoundPlate, frame?: number, ptsMs?: number): PlateReport {
  const r1 = round1;
  return {
    text: p.text,
    display: p.display,
    confidence: Math.round(p.confidence * 1e4) / 1e4,
    layout: p.layout,
    country: p.country,
    box: { x: r1(p.box.x), y: r1(p.box.y), w: r1(p.box.w), h: r1(p.box.h) },
    ...(frame === undefined ? {} : { frame, ptsMs: Math.round(ptsMs ?? 0) }),
  };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The human-readable report: a line per plate. */
export function formatPlates(r: PlatesInputReport): string {
  const lines = [`${r.kind} ${r.input} (${r.width}x${r.height}): ${r.plates.length} plate(s)`];
  for (const p of r.plates) {
    const at = p.frame === undefined ? '' : `frame ${p.frame} (${((p.ptsMs ?? 0) / 1000).toFixed(2)} s)  `;
    const { x, y, w, h } = p.box;
    lines.push(
      `  ${at}${p.display.padEnd(14)} ${p.confidence.toFixed(3)}  ${p.layout.padEnd(8)} ${(p.country || '-').padEnd(2)}  ` +
        `box ${[x, y, w, h].map((v) => Math.round(v)).join(',')}`,
    );
  }
  lines.push(`  ${r.msPerPicture} ms per picture; boxes in source pixels (x, y = top-left)`);
  if (r.annotated) lines.push(`  annotated: ${r.annotated}`);
  return `${lines.join('\n')}\n`;
}
