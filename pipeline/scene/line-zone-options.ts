/** How a LineZone decides sides and crossings (scene `inertiaFrames` and the rest at their defaults). */
export interface LineZoneOptions {
  /** Consecutive observations on the new side before a crossing counts (default 1; the scene's inertiaFrames). */
  inertiaFrames?: number;
  /**
   * ... and at least this long in frame intervals (default 200 ms): at 10 fps and above a box that
   * jitters onto the other side for a single frame (a pedestrian's legs, a cyclist and a walker
   * merged for a moment) does not count twice; at 5 fps and below one frame is still enough.
   */
  inertiaMs?: number;
  /** A track not seen for longer than this is forgotten, ms (default 5000; keep it ≥ the tracker's lostTtlMs). */
  forgetAfterMs?: number;
  /** Anchors closer than this to the line, px, tell nothing about the side (default 0). */
  deadbandPx?: number;
  /**
   * ... nor anchors closer than this share of their box's height (default 0.08). Box jitter scales
   * with the box: a truck creeping over the line in a jam wobbles its anchor back and forth across
   * it by a few percent of its height, which would count it three times.
   */
  deadbandBoxShare?: number;
}

export const DEFAULT_LINE_ZONE_OPTIONS: Readonly<Required<LineZoneOptions>> = {
  inertiaFrames: 1,
  inertiaMs: 200,
  forgetAfterMs: 5000,
  deadbandPx: 0,
  deadbandBoxShare: 0.08,
};

/** The options with defaults filled in; a RangeError names the first one out of range. */
export function lineZoneOptions(options: LineZoneOptions): Required<LineZoneOptions> {
  const o = { ...DEFAULT_LINE_ZONE_OPTIONS, ...options };
  if (!(Number.isInteger(o.inertiaFrames) && o.inertiaFrames >= 1)) {
    throw new RangeError(`LineZone: inertiaFrames must be an integer >= 1, got ${o.inertiaFrames}`);
  }
  if (!(o.forgetAfterMs >= 0 && Number.isFinite(o.forgetAfterMs))) {
    throw new RangeError(`LineZone: forgetAfterMs must be a finite number >= 0, got ${o.forgetAfterMs}`);
  }
  if (!(o.inertiaMs >= 0 && Number.isFinite(o.inertiaMs))) {
    throw new RangeError(`LineZone: inertiaMs must be a finite number >= 0, got ${o.inertiaMs}`);
  }
  if (!(o.deadbandBoxShare >= 0 && o.deadbandBoxShare < 1)) {
    throw new RangeError(`LineZone: deadbandBoxShare must be in [0, 1), got ${o.deadbandBoxShare}`);
  }
  if (!(o.deadbandPx >= 0 && Number.isFinite(o.deadbandPx))) {
    throw new RangeError(`LineZone: deadbandPx must be a finite number >= 0, got ${o.deadbandPx}`);
  }
  return o;
}
