import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { loadConfig } from '../../pipeline/config/load-config.ts';
import { drawDetections } from '../../pipeline/detect/annotate/draw.ts';
import { writeImage } from '../../pipeline/detect/annotate/write-image.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { createDetector, resolveModel } from '../../pipeline/detect/detector-spec.ts';
import { SourceError } from '../../pipeline/errors/source-error.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { decodeImage, type RgbPicture, sniffImage } from '../../pipeline/extract/image-source.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { DEFAULT_MODEL } from '../../schemas/model.ts';

export interface DetectCommandOptions {
  model?: string;
  config?: string;
  json?: boolean;
  out?: string;
  /** Videos: frames analysed per second of video. */
  fps: number;
  /** Videos: at most this many frames. */
  maxFrames: number;
  /** Overrides the model's score threshold (all classes). */
  scoreThreshold?: number;
}

/** What `detect --json` prints (one object on the last stdout line). */
export interface DetectReport {
  model: string;
  input: string;
  kind: 'image' | 'video';
  /** Source size in pixels: boxes are in these pixels. */
  width: number;
  height: number;
  frames: { index: number; ptsMs: number; detections: Detection[] }[];
  /** The annotated image (or folder of images for a video); null when none was written. */
  annotated: string | null;
  /** Mean detector time per frame, ms (inference + decoding of the outputs). */
  detectorMsPerFrame: number;
}

interface Analysed {
  index: number;
  ptsMs: number;
  detections: Detection[];
}

/**
 * `cityflow detect <image|video>`: runs one model on a still image (JPEG, PNG) or on frames sampled
 * from a video, prints what it finds and draws it.
 *
 * Frames are prepared as the pipeline prepares them (scaled to fit the model's input box, aspect
 * kept: FrameExtractor for videos, the same GStreamer scaling for images); boxes come back in source
 * pixels and are drawn on the source-resolution picture. Annotated output:
 *   image → one JPEG, default `<name>.detections.jpg` beside the input;
 *   video → a folder, default `<name>.detections/`, one `frame-<index>-<pts>ms.jpg` per analysed
 *           frame (all of them, so misses show too); an --out ending in .jpg/.jpeg/.png instead
 *           gets the first frame with detections (the first frame when none has any).
 * With --json nothing is drawn unless --out is given.
 */
export async function detectCommand(input: string, opts: DetectCommandOptions): Promise<void> {
  const cfg = opts.config ? loadConfig(opts.config) : null;
  const name = opts.model ?? cfg?.detector.model ?? DEFAULT_MODEL;
  let spec = resolveModel(name, cfg?.models ?? {});
  if (opts.scoreThreshold !== undefined) spec = { ...spec, scoreThreshold: opts.scoreThreshold };

  const kind = await inputKind(input);
  const annotate = !opts.json || opts.out !== undefined;
  const out = annotate ? resolve(opts.out ?? defaultOut(input, kind)) : null;

  const threads = Math.max(1, Math.min(4, availableParallelism()));
  const detector = await createDetector({ name, spec, threads });
  let report: DetectReport;
  try {
    report =
      kind === 'video'
        ? await detectVideo(detector, input, out, opts)
        : await detectImage(detector, input, out);
  } finally {
    await detector.close();
  }
  report.model = name;
  process.stdout.write(opts.json ? `${JSON.stringify(roundReport(report))}\n` : formatReport(report));
}

/** 'image' for JPEG/PNG, 'video' for anything else that exists (GStreamer decides when probing). */
export async function inputKind(input: string): Promise<'image' | 'video'> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(input);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${input}: not found: no such file`);
    throw new Error(`${input}: cannot read: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new Error(`${input}: not an image or video: it is a directory`);
  return (await sniffImage(input)) ? 'image' : 'video';
}

function defaultOut(input: string, kind: 'image' | 'video'): string {
  const stem = basename(input, extname(input));
  return join(dirname(input), kind === 'image' ? `${stem}.detections.jpg` : `${stem}.detections`);
}

async function detectImage(detector: Detector, input: string, out: string | null): Promise<DetectReport> {
  const img = await decodeImage(input, { maxWidth: detector.inputWidth, maxHeight: detector.inputHeight });
  const t0 = performance.now();
  const [detections] = await detector.detect([img.frame]);
  const ms = performance.now() - t0;
  if (out) {
    drawDetections(img.source, detections);
    await mkdir(dirname(out), { recursive: true });
    await writeImage(img.source, out, { format: imageFormatOf(out) ?? 'jpeg' });
  }
  return {
    model: detector.name,
    input,
    kind: 'image',
    width: img.source.width,
    height: img.source.height,
    frames: [{ index: 0, ptsMs: 0, detections }],
    annotated: out,
    detectorMsPerFrame: ms,
  };
}

async function detectVideo(
  detector: Detector,
  input: string,
  out: string | null,
  opts: DetectCommandOptions,
): Promise<DetectReport> {
  const sampling = { path: input, fps: opts.fps, startTimeMs: 0 };
  const forModel = new FrameExtractor({
    ...sampling,
    maxWidth: detector.inputWidth,
    maxHeight: detector.inputHeight,
  });
  // The same frames at the source's resolution, for drawing (videorate picks frames before scaling,
  // so both decoders deliver the same source frames at the same PTS).
  const full = out ? new FrameExtractor({ ...sampling, maxWidth: 16384, maxHeight: 16384 }) : null;
  const fullFrames = full?.frames();
  const single = out !== null && imageFormatOf(out) !== null;
  if (out && !single) await prepareFolder(out);
  const frames: Analysed[] = [];
  let detectorMs = 0;
  let singleWritten = false;
  try {
    try {
      await forModel.start();
    } catch (e) {
      if (e instanceof SourceError && e.reason === 'unreadable') {
        throw new Error(
          `${input}: not an image (JPEG, PNG) or a video: ${e.message.replace(/^.*?: unreadable: /, '')}`,
        );
      }
      throw e;
    }
    for await (const { frame, time, index } of forModel) {
      const t0 = performance.now();
      const [detections] = await detector.detect([frame]);
      detectorMs += performance.now() - t0;
      frames.push({ index, ptsMs: time.ptsMs, detections });
      if (fullFrames && out) {
        const next = await fullFrames.next();
        const picture: RgbPicture = next.done ? upscaleNearest(frame) : next.value.frame;
        if (!single) {
          drawDetections(picture, detections);
          await writeImage(picture, join(out, frameFileName(index, time.ptsMs)));
        } else if (!singleWritten && (detections.length > 0 || index === 0)) {
          drawDetections(picture, detections);
          await writeImage(picture, out, { format: imageFormatOf(out) ?? 'jpeg' });
          singleWritten = detections.length > 0;
        }
      }
      if (frames.length >= opts.maxFrames) break;
    }
  } finally {
    await fullFrames?.return(undefined);
    await forModel.close();
    await full?.close();
  }
  const info = forModel.info;
  return {
    model: detector.name,
    input,
    kind: 'video',
    width: info.width,
    height: info.height,
    frames,
    annotated: out,
    detectorMsPerFrame: frames.length ? detectorMs / frames.length : 0,
  };
}

/** Creates the output folder and removes the frame images of an earlier run from it. */
async function prepareFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(dir)) {
    if (/^frame-\d+-\d+ms\.jpg$/.test(f)) await rm(join(dir, f), { force: true });
  }
}

export function frameFileName(index: number, ptsMs: number): string {
  return `frame-${String(index).padStart(3, '0')}-${Math.round(ptsMs)}ms.jpg`;
}

export function imageFormatOf(path: string): 'jpeg' | 'png' | null {
  if (/\.jpe?g$/i.test(path)) return 'jpeg';
  if (/\.png$/i.test(path)) return 'png';
  return null;
}

/** Fallback when the full-resolution decoder ends early: the model's frame blown up to source size. */
function upscaleNearest(frame: RgbFrame): RgbPicture {
  const width = Math.round(frame.width / frame.scale);
  const height = Math.round(frame.height / frame.scale);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(frame.height - 1, Math.floor(y * frame.scale));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(frame.width - 1, Math.floor(x * frame.scale));
      const s = (sy * frame.width + sx) * 3;
      const d = (y * width + x) * 3;
      data[d] = frame.data[s];
      data[d + 1] = frame.data[s + 1];
      data[d + 2] = frame.data[s + 2];
    }
  }
  return { data, width, height };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function roundReport(r: DetectReport): DetectReport {
  return {
    ...r,
    detectorMsPerFrame: r1(r.detectorMsPerFrame),
    frames: r.frames.map((f) => ({
      ...f,
      detections: f.detections.map((d) => ({
        cls: d.cls,
        score: Math.round(d.score * 1e4) / 1e4,
        box: { x: r1(d.box.x), y: r1(d.box.y), w: r1(d.box.w), h: r1(d.box.h) },
      })),
    })),
  };
}

/** The human-readable report: one table row per detection, then a summary. */
export function formatReport(r: DetectReport): string {
  const video = r.kind === 'video';
  const header = [...(video ? ['frame', 'pts s'] : []), 'class', 'score', 'x', 'y', 'w', 'h'];
  const rows: string[][] = [];
  const counts = new Map<string, number>();
  for (const f of r.frames) {
    for (const d of [...f.detections].sort((a, b) => b.score - a.score)) {
      counts.set(d.cls, (counts.get(d.cls) ?? 0) + 1);
      const { x, y, w, h } = d.box;
      rows.push([
        ...(video ? [String(f.index), (f.ptsMs / 1000).toFixed(3)] : []),
        d.cls,
        d.score.toFixed(3),
        ...[x, y, w, h].map((v) => String(Math.round(v))),
      ]);
    }
  }
  const lines: string[] = [
    `model ${r.model}, ${r.kind} ${r.input} (${r.width}x${r.height})${video ? `, ${r.frames.length} frames` : ''}`,
  ];
  if (rows.length) {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const textCol = video ? 2 : 0; // the class column is left-aligned, numbers right-aligned
    const fmt = (row: string[]) =>
      row.map((c, i) => (i === textCol ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    lines.push(fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt));
  } else {
    lines.push('(no detections)');
  }
  const byClass = [...counts].map(([c, n]) => `${c} ${n}`).join(', ');
  lines.push(
    `${rows.length} detections${byClass ? ` (${byClass})` : ''} in ${r.frames.length} frame${r.frames.length === 1 ? '' : 's'}; ` +
      `detector ${r.detectorMsPerFrame.toFixed(1)} ms/frame; boxes in source pixels (x, y = top-left)`,
  );
  if (r.annotated) lines.push(`annotated: ${r.annotated}`);
  return `${lines.join('\n')}\n`;
}
