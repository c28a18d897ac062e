/**
 * CenterNet box decoding shared by every backend that runs a centernet graph (onnxruntime in
 * centernet-detector.ts, TF.js in ../tfjs/tfjs-detector.ts), so they report the same detections.
 *
 * Input: the two heads of one batch item, NHWC as the graph emits them: class heat-maps
 * `keypoints` [grid.h, grid.w, channels] (already sigmoid) and box extents `wh` [grid.h, grid.w, 4].
 * A cell is an object centre when it is the maximum of its 3×3 neighbourhood in its channel and at
 * least the class threshold; its box is (s·x − wh0, s·y − wh1, s·x + wh2, s·y + wh3) in input pixels
 * (s = the stride, 4 for the built-in 512×512 model); boxes are merged across confusable classes
 * (car/bus/truck, bicycle/motorcycle) by NMS, mapped to source pixels (÷ frame.scale) and clipped.
 */

import { PRODUCT_CLASSES, type ProductClass } from '../../../schemas/classes.ts';
import type { Detection } from '../../../schemas/detection.ts';
import type { RgbFrame } from '../../../schemas/frame.ts';
import { COCO_CLASS_MAP, COCO_LABELS, type ModelSpec } from '../../../schemas/model.ts';
import { CLASS_GROUP, nms } from '../nms.ts';

/**
 * COCO-80 channel of each product class. Channel order is the one of human's src/object/labels.ts
 * (person, bicycle, car, motorcycle, airplane, bus, train, truck, ...), which indexes the model's
 * class channel directly; checked on footage (cars peak in channel 2).
 */
export const COCO_CHANNEL: Record<ProductClass, number> = {
  person: 0,
  bicycle: 1,
  car: 2,
  motorcycle: 3,
  bus: 5,
  truck: 7,
};

/** The heat-map geometry of the built-in centernet (512×512 input, 128×128 cells, 80 COCO classes). */
export const CENTERNET_GRID: CenternetGrid = { w: 128, h: 128, stride: 4, channels: 80 };

export interface CenternetGrid {
  /** Cells per row and per column of the heat-maps. */
  w: number;
  h: number;
  /** Input pixels per cell. */
  stride: number;
  /** Class channels of the keypoints head. */
  channels: number;
}

/** One heat-map channel to report: which channel, as which product class, from which score. */
export interface CenternetClass {
  channel: number;
  cls: ProductClass;
  threshold: number;
}

export interface CenternetDecoderOptions {
  /** Channels to report, in the order candidates are collected (only matters for equal scores). */
  classes: readonly CenternetClass[];
  /** Boxes of the same NMS group overlapping more than this are merged; in (0, 1]. */
  nmsIou: number;
  /** At most this many detections per frame (best first). */
  maxDetections: number;
  grid?: CenternetGrid;
}

/** Decodes centernet heads into detections; reuses its candidate buffers across calls (not reentrant). */
export class CenternetDecoder {
  readonly grid: CenternetGrid;
  private readonly channels: Int32Array;
  private readonly thresholds: Float64Array;
  private readonly cls: ProductClass[];
  private readonly groups: Int32Array;
  private readonly nmsIou: number;
  private readonly maxDetections: number;
  private cBoxes = new Float32Array(4 * 256);
  private cScores = new Float32Array(256);
  private cClass = new Int32Array(256);
  private cGroup = new Int32Array(256);

  constructor(o: CenternetDecoderOptions) {
    this.grid = o.grid ?? CENTERNET_GRID;
    this.channels = Int32Array.from(o.classes, (c) => c.channel);
    this.thresholds = Float64Array.from(o.classes, (c) => c.threshold);
    this.cls = o.classes.map((c) => c.cls);
    this.groups = Int32Array.from(o.classes, (c) => CLASS_GROUP[c.cls]);
    this.nmsIou = o.nmsIou;
    this.maxDetections = o.maxDetections;
    for (const c of o.classes) {
      if (!Number.isInteger(c.channel) || c.channel < 0 || c.channel >= this.grid.channels)
        throw new RangeError(`centernet: channel ${c.channel} outside 0..${this.grid.channels - 1}`);
    }
  }

  /**
   * Detections of batch item `b`. `kp` and `wh` hold the whole batch (or just this item with b = 0):
   * item b's heat-maps start at b · grid.h · grid.w · grid.channels, its extents at b · grid.h · grid.w · 4.
   */
  decode(frame: RgbFrame, kp: Float32Array, wh: Float32Array, b = 0): Detection[] {
    const { w: GW, h: GH, stride: S, channels: C } = this.grid;
    const chans = this.channels;
    const thr = this.thresholds;
    const nc = chans.length;
    const kBase = b * GH * GW * C;
    const wBase = b * GH * GW * 4;
    // Only cells whose centre lies on the frame: the rest is padding.
    const gw = Math.min(GW, Math.ceil(frame.width / S));
    const gh = Math.min(GH, Math.ceil(frame.height / S));
    let count = 0;
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        const cell = kBase + (y * GW + x) * C;
        for (let k = 0; k < nc; k++) {
          const c = chans[k];
          const v = kp[cell + c];
          if (v < thr[k] || !isPeak(kp, kBase, GW, GH, C, x, y, c, v)) continue;
          if (count === this.cScores.length) this.growCandidates();
          const w = wBase + (y * GW + x) * 4;
          const cx = x * S;
          const cy = y * S;
          this.cBoxes[4 * count] = cx - wh[w];
          this.cBoxes[4 * count + 1] = cy - wh[w + 1];
          this.cBoxes[4 * count + 2] = cx + wh[w + 2];
          this.cBoxes[4 * count + 3] = cy + wh[w + 3];
          this.cScores[count] = v;
          this.cClass[count] = k;
          this.cGroup[count] = this.groups[k];
          count++;
        }
      }
    }
    const kept = nms(this.cBoxes, this.cScores, count, this.nmsIou, {
      groups: this.cGroup,
      maxOutput: this.maxDetections,
    });
    const s = frame.scale;
    const srcW = frame.width / s;
    const srcH = frame.height / s;
    const out: Detection[] = [];
    for (const i of kept) {
      const x1 = Math.max(0, this.cBoxes[4 * i] / s);
      const y1 = Math.max(0, this.cBoxes[4 * i + 1] / s);
      const x2 = Math.min(srcW, this.cBoxes[4 * i + 2] / s);
      const y2 = Math.min(srcH, this.cBoxes[4 * i + 3] / s);
      if (x2 - x1 < 1 || y2 - y1 < 1) continue;
      out.push({
        cls: this.cls[this.cClass[i]],
        score: this.cScores[i],
        box: { x: x1, y: y1, w: x2 - x1, h: y2 - y1 },
      });
    }
    return out;
  }

  private growCandidates(): void {
    const n = this.cScores.length * 2;
    const grow = <T extends Float32Array | Int32Array>(a: T, size: number): T => {
      const g = new (a.constructor as new (k: number) => T)(size);
      g.set(a);
      return g;
    };
    this.cBoxes = grow(this.cBoxes, 4 * n);
    this.cScores = grow(this.cScores, n);
    this.cClass = grow(this.cClass, n);
    this.cGroup = grow(this.cGroup, n);
  }
}

/** The value is the maximum of its 3×3 neighbourhood in channel c (like a 3×3 SAME max-pool). */
function isPeak(
  kp: Float32Array,
  base: number,
  gw: number,
  gh: number,
  channels: number,
  x: number,
  y: number,
  c: number,
  v: number,
): boolean {
  const y0 = Math.max(0, y - 1);
  const y1 = Math.min(gh - 1, y + 1);
  const x0 = Math.max(0, x - 1);
  const x1 = Math.min(gw - 1, x + 1);
  for (let yy = y0; yy <= y1; yy++) {
    for (let xx = x0; xx <= x1; xx++) {
      if (kp[base + (yy * gw + xx) * channels + c] > v) return false;
    }
  }
  return true;
}

/**
 * The channels a model declaration reports: label i of `spec.labels` is heat-map channel i; labels
 * that `spec.classMap` (default: COCO's person, bicycle, car, motorcycle, bus, truck) maps to a product
 * class are kept, each with its class's `scoreThreshold` (or the default). Ordered by product class
 * (PRODUCT_CLASSES order), then channel, as CenternetDetector collects them.
 */
export function centernetClassesFromSpec(
  spec: Pick<ModelSpec, 'labels' | 'classMap' | 'scoreThreshold'>,
): CenternetClass[] {
  const labels: readonly string[] = spec.labels === 'coco' ? COCO_LABELS : spec.labels;
  const map: Record<string, ProductClass> = spec.classMap ?? COCO_CLASS_MAP;
  const t = spec.scoreThreshold as number | Partial<Record<ProductClass | 'default', number>>;
  const threshold = (cls: ProductClass): number =>
    typeof t === 'number' ? t : (t[cls] ?? t.default ?? DEFAULT_CENTERNET_THRESHOLD);
  const out: CenternetClass[] = [];
  labels.forEach((label, channel) => {
    const cls = Object.hasOwn(map, label) ? map[label] : undefined;
    if (cls) out.push({ channel, cls, threshold: threshold(cls) });
  });
  const rank = (c: ProductClass) => PRODUCT_CLASSES.indexOf(c);
  return out.sort((a, b) => rank(a.cls) - rank(b.cls) || a.channel - b.channel);
}

/** Score threshold when a declaration gives none for a class (see DEFAULT_SCORE_THRESHOLD). */
const DEFAULT_CENTERNET_THRESHOLD = 0.3;
