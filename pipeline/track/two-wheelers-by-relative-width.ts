import type { Box, Detection } from '../../schemas/detection.ts';
import { iou } from '../geometry/box-iou.ts';
import { FOUR_WHEELERS } from './two-wheelers-by-size.ts';
import { isNarrow, splitWidths, type WidthSample, type WidthSplit } from './width-split.ts';

export interface TwoWheelersByRelativeWidthOptions {
  /** The source frame; without it, the furthest right and bottom edges seen so far stand for it. */
  frame?: { width: number; height: number };
  /** Boxes kept to learn from, the newest (default 600: minutes of a busy street at 2 fps). */
  maxSamples?: number;
  /** Boxes below this score are not learnt from (default 0.3), as the tracker's weak boxes. */
  minScore?: number;
}

/** What a {@link TwoWheelersByRelativeWidth} carries across segments and restarts: plain JSON. */
export interface RelativeWidthState {
  samples: WidthSample[];
  sinceFit: number;
  split: WidthSplit | null;
  right: number;
  bottom: number;
  /** The previous frame's vehicle boxes: one that stands still is learnt from once, not every frame. */
  previous?: Box[];
  /** Frames learnt from ahead (learnAhead) that relabel() must not learn from again. */
  ahead?: number;
}

const VEHICLES: ReadonlySet<Detection['cls']> = new Set(['car', 'truck', 'bus', 'motorcycle']);
/**
 * Boxes between fits: often while few are known (the split settles within seconds), then rarely (a
 * fit tries 48 horizon rows over every kept box, and the street does not change that fast).
 */
const REFIT_EARLY = 10;
const REFIT_LATER = 300;
/** A box overlapping one of the previous frame's this much is a vehicle standing still. */
const STILL_IOU = 0.9;

/**
 * Gives back `motorcycle` to the motorbikes a detector calls `car` or `truck`, on a camera with no
 * ground calibration. At night a COCO detector sees a motorbike's lights and body and often says
 * `car` (YOLOX-Nano does so for nearly every motorbike on a night arterial); with a calibration,
 * TwoWheelersBySize (two-wheelers-by-size.ts) measures each box on the road. Without one, the camera's own boxes
 * serve: at the same distance a motorbike's box is a third to a half as wide as a car's, and
 * upright, while a car's is wider than tall. The boxes of every vehicle class are gathered as they
 * come, and where they fall plainly into a narrow, upright group and a wide one (splitWidths), a
 * four-wheeler box in the narrow group becomes `motorcycle`.
 *
 * It learns as it goes: until about 40 vehicle boxes have been seen, or on a street where there is
 * no clear split (cars alone, cars and buses seen side on), boxes keep the detector's class. The
 * tracker's class vote settles a track relabelled in most of its frames. Boxes cut by the picture's
 * left or right edge are neither learnt from nor relabelled: their width is unknown.
 *
 * @example
 *   const widths = new TwoWheelersByRelativeWidth({ frame: { width: 1280, height: 720 } });
 *   for (const frame of frames) {
 *     const objects = widths.relabel(frame.detections); // same order; narrow `car` boxes `motorcycle`
 *   }
 *   const resumed = TwoWheelersByRelativeWidth.restore(JSON.parse(JSON.stringify(widths.snapshot())));
 */
export class TwoWheelersByRelativeWidth {
  private readonly frame: { width: number; height: number } | null;
  private readonly maxSamples: number;
  private readonly minScore: number;
  private state: RelativeWidthState;

  constructor(options: TwoWheelersByRelativeWidthOptions = {}, state?: RelativeWidthState) {
    const maxSamples = options.maxSamples ?? 600;
    const minScore = options.minScore ?? 0.3;
    if (!(Number.isInteger(maxSamples) && maxSamples >= 60)) {
      throw new RangeError(
        `TwoWheelersByRelativeWidth: maxSamples must be a whole number >= 60, got ${maxSamples}`,
      );
    }
    if (!(minScore >= 0 && minScore <= 1)) {
      throw new RangeError(`TwoWheelersByRelativeWidth: minScore must be in [0, 1], got ${minScore}`);
    }
    this.frame = options.frame ?? null;
    this.maxSamples = maxSamples;
    this.minScore = minScore;
    this.state =
      state && validState(state) ? state : { samples: [], sinceFit: 0, split: null, right: 0, bottom: 0 };
  }

  /** Carries on from a {@link snapshot}; a state of the wrong shape starts afresh. */
  static restore(state: RelativeWidthState, options: TwoWheelersByRelativeWidthOptions = {}) {
    return new TwoWheelersByRelativeWidth(options, state);
  }

  snapshot(): RelativeWidthState {
    return structuredClone(this.state);
  }

  /** The split in use, or null while there is none. */
  get split(): WidthSplit | null {
    return this.state.split;
  }

  /**
   * While there is no split yet, learns from the frames about to be relabelled (a segment's, in
   * order) before the first is relabelled: a camera's first seconds then get the split that those
   * seconds themselves show, instead of the detector's class. The next `frames.length` relabel()
   * calls must be those frames; they are not learnt from again. With a split, does nothing.
   *
   * @example
   *   widths.learnAhead(segment.map((f) => f.detections));
   *   for (const f of segment) objects.push(widths.relabel(f.detections));
   */
  learnAhead(frames: readonly (readonly Detection[])[]): void {
    if (this.state.split || this.state.ahead) return;
    for (const detections of frames) this.learn(detections);
    this.state.ahead = frames.length;
  }

  /** Learns from one frame's detections, then returns them, narrow four-wheelers as `motorcycle`. */
  relabel(detections: readonly Detection[]): Detection[] {
    if (this.state.ahead) this.state.ahead -= 1;
    else this.learn(detections);
    const split = this.state.split;
    if (!split) return [...detections];
    return detections.map((d) =>
      FOUR_WHEELERS.has(d.cls) && !this.cutAtSide(d) && isNarrow(split, d.box.y + d.box.h, d.box.w)
        ? { ...d, cls: 'motorcycle' }
        : d,
    );
  }

  private learn(detections: readonly Detection[]) {
    const s = this.state;
    for (const d of detections) {
      s.right = Math.max(s.right, d.box.x + d.box.w);
      s.bottom = Math.max(s.bottom, d.box.y + d.box.h);
    }
    const previous = s.previous ?? [];
    s.previous = [];
    for (const d of detections) {
      const { y, w, h } = d.box;
      if (!VEHICLES.has(d.cls) || d.score < this.minScore || w <= 0 || h <= 0) continue;
      s.previous.push(d.box);
      // A parked or queued vehicle would fill the samples with one box, over and over.
      if (previous.some((b) => iou(b, d.box) >= STILL_IOU)) continue;
      // A box cut at the lower edge (markCut) has its ground contact outside the picture.
      if (this.cutAtSide(d) || d.cut) continue;
      s.samples.push([round1(y + h), round1(w), round1(h)]);
      s.sinceFit += 1;
    }
    if (s.samples.length > this.maxSamples) s.samples.splice(0, s.samples.length - this.maxSamples);
    if (s.sinceFit >= (s.samples.length < 200 ? REFIT_EARLY : REFIT_LATER)) {
      s.split = splitWidths(s.samples, this.frameHeight());
      s.sinceFit = 0;
    }
  }

  private cutAtSide(d: Detection): boolean {
    const right = this.frame ? this.frame.width : this.state.right;
    return d.box.x <= 1 || d.box.x + d.box.w >= right - 1;
  }

  private frameHeight(): number {
    return this.frame ? this.frame.height : this.state.bottom;
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function validState(s: RelativeWidthState): boolean {
  return (
    Array.isArray(s.samples) &&
    s.samples.every((x) => Array.isArray(x) && x.length === 3 && x.every(Number.isFinite)) &&
    Number.isFinite(s.sinceFit) &&
    Number.isFinite(s.right) &&
    Number.isFinite(s.bottom) &&
    (s.ahead === undefined || Number.isInteger(s.ahead)) &&
    (s.previous === undefined ||
      (Array.isArray(s.previous) && s.previous.every((b) => Number.isFinite(b?.x))))
  );
}
