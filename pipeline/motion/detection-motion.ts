import type { Detection } from '../../schemas/detection.ts';
import { type BoxMotion, type BoxMotionOptions, traceBoxBack } from './box-motion.ts';
import type { GreyFrame } from './grey-frame.ts';

/** How the detector's boxes (source pixels) map into the grey frames of a motion chain. */
export interface ChainGeometry {
  /** Frame pixels per source pixel (the RGB frame the detector saw). */
  scale: number;
  /** The frame's width, in its own pixels (the grey frames are a reduction of it). */
  frameWidth: number;
  /** Where the frame's region starts in the source (a region of interest). */
  offset?: { x: number; y: number };
}

/**
 * Sets each detection's `motion`: where it was at the start of the chain (the previous analysed frame,
 * dtMs earlier), measured by tracing its box back through the chain (box-motion.ts). Detections whose
 * trace was measured on fewer than half of its steps get none (steps past the picture's edge aside:
 * {@link traced}): a guess is worse than no measurement, since the tracker then falls back to its own
 * prediction. A box reaching the picture's lower edge is
 * marked `cut`. Returns how many got a motion.
 *
 * @example
 *   attachMotion(detections, job.greyChain, { scale: 0.65, frameWidth: 416 }, 500);
 *   detections[0].motion; // { dx: -84.5, dy: 3, dtMs: 500 }: it came from 84.5 px to the right
 */
export function attachMotion(
  detections: Detection[],
  chain: readonly GreyFrame[],
  geometry: ChainGeometry,
  dtMs: number,
  options?: BoxMotionOptions,
): number {
  if (chain.length < 2 || !(dtMs > 0)) return 0;
  const k = (geometry.scale * chain[0].width) / geometry.frameWidth; // grey pixels per source pixel
  const ox = geometry.offset?.x ?? 0;
  const oy = geometry.offset?.y ?? 0;
  let n = 0;
  for (const d of detections) {
    const box = { x: (d.box.x - ox) * k, y: (d.box.y - oy) * k, w: d.box.w * k, h: d.box.h * k };
    const m = traceBoxBack(chain, box, options);
    const cut = box.y + box.h >= chain[0].height - 1;
    if (!m || !traced(m, cut)) continue;
    const scale = Math.round(m.scale * 1000) / 1000;
    d.motion = {
      dx: round1(m.dx / k),
      dy: round1(m.dy / k),
      dtMs,
      ...(scale !== 1 ? { scale } : {}),
      ...(cut ? { cut } : {}),
    };
    n++;
  }
  return n;
}

/**
 * Whether a trace measured enough of its steps to be believed: half of them, where the steps whose box
 * had gone past the picture's edge count as measured (after one measured step at least). A vehicle
 * entering the picture is seen in full only in the newest frames; its first, measured, step says
 * which way it came, and it kept that speed beyond the edge. That first sighting is the only one on
 * its side of a line near the edge when the vehicle is fast and the rate low. Not for a box `cut` by
 * the lower edge: there a large vehicle leaving under the camera is as common, and one wrong first
 * step carried on past the edge made it a vehicle entering (the sample street mirrored, at 1 fps).
 */
function traced(m: BoxMotion, cut: boolean): boolean {
  return m.measured > 0 && (m.measured + (cut ? 0 : m.beyond)) * 2 >= m.steps;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
