/** One sighting of a tracked object: its anchor (bottom-centre, px), its box height and when. */
export interface Sighting {
  at: [number, number];
  h: number;
  tsMs: number;
}

/** Extrapolations reach at most this many times the span between the two sightings ahead. */
const MAX_STEPS = 4;
/** Past this many times its last size the object is passing under the camera: the course ends there. */
const MAX_GROWTH = 5;

/**
 * Where an object seen at `a` and then at `b` will be at `tsMs`, and how tall its box will be there,
 * if it keeps its speed over the ground (or null when the sightings cannot tell, or it would have
 * passed under the camera by then). Under a pinhole camera an object's box height is
 * proportional to 1 / depth, and its image position u satisfies (u − c) / h ∝ X / H for its lateral
 * position X: so 1/h and u/h both change linearly in time when the world velocity is constant,
 * whatever the camera's tilt or the direction of travel. Extrapolating those two and dividing gives a
 * course that accelerates down the picture as a vehicle approaches, as it does on screen, where a
 * constant image velocity (a Kalman filter's) falls behind:
 *
 *        y │                           ● predicted (constant 1/h and u/h rates)
 *          │                        ·
 *          │                  ● b ·· ○ constant image velocity
 *          │          ● a  ··
 *          └──────────────────────────▶ t
 *
 * A stationary object with jittering boxes stays where it is (u/h ÷ 1/h = u at every sighting).
 *
 * @example
 *   courseAt({ at: [320, 148], h: 44, tsMs: 0 }, { at: [320, 206], h: 70, tsMs: 500 }, 1000);
 *   // ≈ { at: [320, 432], h: 171 }: 1/h 0.0227 → 0.0143 → 0.0058 (h ≈ 171), y/h 3.36 → 2.94 → 2.52 (a constant
 *   // image velocity would say 264)
 */
export function courseAt(a: Sighting, b: Sighting, tsMs: number): { at: [number, number]; h: number } | null {
  const span = b.tsMs - a.tsMs;
  if (!(span > 0) || !(a.h > 0) || !(b.h > 0)) return null;
  const qa = 1 / a.h;
  const qb = 1 / b.h;
  // Growing, 1/h would reach zero (the object at the camera) and then turn negative, putting it
  // back up the picture: past MAX_GROWTH times its size the sightings tell nothing (null; callers
  // fall back on the tracker's velocity).
  const ahead = Math.max(0, (tsMs - b.tsMs) / span);
  if (qb < qa && qb + (qb - qa) * ahead < qb / MAX_GROWTH) return null;
  const k = Math.min(MAX_STEPS, ahead);
  const q = qb + (qb - qa) * k;
  const x = b.at[0] * qb + (b.at[0] * qb - a.at[0] * qa) * k;
  const y = b.at[1] * qb + (b.at[1] * qb - a.at[1] * qa) * k;
  return { at: [x / q, y / q], h: 1 / q };
}
