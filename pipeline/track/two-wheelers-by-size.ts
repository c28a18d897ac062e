import type { Detection } from '../../schemas/detection.ts';
import type { SceneCalibration } from '../../schemas/scene.ts';
import { Homography } from '../scene/homography.ts';
import { TrustedGround } from '../scene/trusted-ground.ts';

export interface TwoWheelersBySizeOptions {
  /**
   * A car, truck or bus box narrower than this on the ground, metres, is a two-wheeler (default
   * 1.3). The narrowest cars and trucks on the road are about 1.45 m wide (kei cars and trucks); a
   * motorbike with its rider is 0.6-0.9 m, a little more as a detector draws it.
   */
  maxWidthM?: number;
  /** The source frame: a box touching its left or right edge is cut there, its width unknown. */
  frame?: { width: number; height: number };
  /**
   * Ground points are trusted only this far outside the calibration's own points, as a share of
   * their extent (default 2, as for speeds): far from the calibrated plane a pixel is metres.
   */
  trustMargin?: number;
}

/** The classes a narrow box is taken back from. */
export const FOUR_WHEELERS: ReadonlySet<Detection['cls']> = new Set(['car', 'truck', 'bus']);

/**
 * Gives back `motorcycle` to the motorbikes a detector calls `car` (or, loaded with goods, `truck`).
 * At night, in glare or in rain a COCO detector sees a motorbike's lights and body and often says
 * `car` (YOLOX-Nano does so for nearly every motorbike on a night arterial). With a ground
 * calibration the box's width on the road tells them apart: the bottom edge of the box, where the
 * vehicle meets the road, is mapped to the ground plane and measured.
 *
 *      image                                   ground (metres)
 *     ┌──────┐      ┌──┐
 *     │ car  │      │mb│                  car ●━━━━━━━━● 1.8-2.4 m
 *     ●──────●      ●──●        H         mb  ●━━━● 0.6-1.0 m
 *     bottom edge → ground  ─────────▶
 *
 * Only four-wheeler boxes (car, truck, bus) are relabelled, and only where the measure can be
 * trusted: both bottom corners on the ground plane near the calibrated area (TrustedGround), the box
 * not cut by the picture's left or right edge. The tracker's class vote then settles a track that is
 * relabelled in most of its frames.
 *
 * @example
 *   const sizes = new TwoWheelersBySize(scene.calibration, { frame: { width: 1280, height: 720 } });
 *   const objects = sizes.relabel(detections); // same order; narrow `car` boxes now `motorcycle`
 */
export class TwoWheelersBySize {
  private readonly homography: Homography;
  private readonly maxWidthM: number;
  private readonly frame: { width: number; height: number } | null;
  private readonly trusted: TrustedGround;

  constructor(calibration: SceneCalibration, options: TwoWheelersBySizeOptions = {}) {
    const maxWidthM = options.maxWidthM ?? 1.3;
    const margin = options.trustMargin ?? 2;
    if (!(Number.isFinite(maxWidthM) && maxWidthM > 0 && maxWidthM < 5)) {
      throw new RangeError(`TwoWheelersBySize: maxWidthM must be in (0, 5) metres, got ${maxWidthM}`);
    }
    this.homography = Homography.fromPoints(calibration.image, calibration.world);
    this.maxWidthM = maxWidthM;
    this.frame = options.frame ?? null;
    this.trusted = new TrustedGround(calibration.world, margin);
  }

  /** The detections in the same order, narrow four-wheelers as `motorcycle` (new objects; the others as given). */
  relabel(detections: readonly Detection[]): Detection[] {
    return detections.map((d) => {
      if (!FOUR_WHEELERS.has(d.cls)) return d;
      const width = this.groundWidth(d);
      return width !== null && width < this.maxWidthM ? { ...d, cls: 'motorcycle' } : d;
    });
  }

  /** The width of the box's bottom edge on the ground, metres; null where it cannot be trusted. */
  groundWidth(d: Detection): number | null {
    const { x, y, w, h } = d.box;
    if (x <= 1 || (this.frame && x + w >= this.frame.width - 1)) return null;
    const left = this.homography.toWorld([x, y + h]);
    const right = this.homography.toWorld([x + w, y + h]);
    if (!left || !right || !this.trusted.contains(left) || !this.trusted.contains(right)) return null;
    return Math.hypot(right[0] - left[0], right[1] - left[1]);
  }
}
