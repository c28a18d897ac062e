import type { Detection } from '../../schemas/detection.ts';
import type { ModelSpec } from '../../schemas/model.ts';

/** The schema's default `scoreThreshold`. */
export const DEFAULT_SCORE = 0.3;

/** A model's own score threshold for a product class (`scoreThreshold`, per class or one for all). */
export function scoreThresholdOf(spec: ModelSpec, cls: string): number {
  const t = spec.scoreThreshold ?? DEFAULT_SCORE;
  if (typeof t === 'number') return t;
  return (t as Record<string, number | undefined>)[cls] ?? t.default ?? DEFAULT_SCORE;
}

/**
 * The declaration a tracking pipeline runs: every class's threshold lowered to `trackThreshold`, so
 * the detector also returns the weak boxes ByteTrack's second association wants (a vehicle in shade,
 * blurred or half hidden at the line still extends its track). Unchanged without `trackThreshold`.
 *
 *   score 1 ┬────────────────────────
 *           │ detections (reported)        scoreThreshold (0.3 for yolox-nano)
 *           ├────────────────────────
 *           │ weak: kept only where a      trackThreshold (0.2)
 *           │ track takes them up
 *   score 0 ┴────────────────────────
 *
 * @example
 *   const spec = trackingSpec(resolveModel('yolox-nano')); // scoreThreshold 0.2
 *   const weak = weakBox(resolveModel('yolox-nano'));      // d => d.score < 0.3
 */
export function trackingSpec(spec: ModelSpec): ModelSpec {
  const low = spec.trackThreshold;
  if (low === undefined) return spec;
  const t = spec.scoreThreshold ?? DEFAULT_SCORE;
  if (typeof t === 'number') return { ...spec, scoreThreshold: Math.min(t, low) };
  const lowered: Record<string, number> = { default: Math.min(t.default ?? DEFAULT_SCORE, low) };
  for (const [cls, v] of Object.entries(t)) if (v !== undefined) lowered[cls] = Math.min(v, low);
  return { ...spec, scoreThreshold: lowered };
}

/** Whether a detection is below the model's own threshold for its class: a box for the tracker only. */
export function weakBox(spec: ModelSpec): (d: Detection) => boolean {
  if (spec.trackThreshold === undefined) return () => false;
  return (d) => d.score < scoreThresholdOf(spec, d.cls);
}
