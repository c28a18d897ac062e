import type { ProductClass } from '../../schemas/classes.ts';
import type { Box, Detection } from '../../schemas/detection.ts';

export interface SceneOptions {
  seed: number;
  /** Detection rate, frames per second. */
  fps: number;
  durationS: number;
  /** Frame size in pixels (default 1920×1080). */
  width?: number;
  height?: number;
  /** Horizontal lanes; half go right, half go left (default 4). */
  lanes?: number;
  /** Mean vehicles entering per lane per second (default 0.4). */
  arrivalsPerLanePerS?: number;
  /** Lane speed range in px/s (default 250–550); every vehicle of a lane keeps its lane's speed ±3 %. */
  speedRange?: [number, number];
  /** Least time between two vehicles of a lane passing the same point, in s (default 1.5; drivers keep 1–2 s). */
  minHeadwayS?: number;
  /** Chance that a visible vehicle is not detected in a frame (default 0.1). */
  missRate?: number;
  /** Box noise std as a share of the box size (default 0.03). */
  jitter?: number;
  /** Mean false positives per frame (default 0.2). */
  falsePositivesPerFrame?: number;
  /** Chance per vehicle of one occlusion, a stretch with no detections (default 0.2). */
  occlusionChance?: number;
  /** Occlusion length in ms (default 1000). */
  occlusionMs?: number;
  /** Chance that a detection carries a low score (0.15–0.45), as partly hidden objects do (default 0.1). */
  lowScoreRate?: number;
  /** Chance that a detection carries a wrong class (default 0.05). */
  classConfusion?: number;
}

/** A vehicle's true box in one frame, clipped to the frame. */
export interface TruthBox {
  id: number;
  cls: ProductClass;
  box: Box;
  /** Whether the detector reported it in this frame (false: missed, occluded). */
  detected: boolean;
}

export interface SceneFrame {
  tsMs: number;
  detections: Detection[];
  truth: TruthBox[];
}

export interface SyntheticScene {
  frames: SceneFrame[];
  /** Vehicles that were ever visible. */
  vehicles: number;
}

interface Vehicle {
  id: number;
  cls: ProductClass;
  w: number;
  h: number;
  /** Centre y. */
  cy: number;
  /** Centre x at t = 0 s, and px/s (negative: moving left). */
  x0: number;
  vx: number;
  occludedFromMs: number;
  occludedToMs: number;
}

const SIZES: Record<'car' | 'truck' | 'bus' | 'motorcycle', [number, number]> = {
  car: [180, 90],
  truck: [260, 130],
  bus: [320, 140],
  motorcycle: [80, 70],
};
const CLASS_MIX: ['car' | 'truck' | 'bus' | 'motorcycle', number][] = [
  ['car', 0.7],
  ['truck', 0.15],
  ['bus', 0.05],
  ['motorcycle', 0.1],
];

/**
 * A seeded road scene seen by a detector: vehicles along horizontal lanes, both directions, entering
 * and leaving the frame, detected with misses, occlusions, box jitter, low scores, wrong classes and
 * false positives, at a given rate. Pure: the same options give the same scene.
 *
 *   ┌──────────────────────────────── width ─────────────────────────────────┐
 *   │  lane 0   ▭▭ ──▶        ▭▭ ──▶                                          │
 *   │  lane 1         ◀── ▭▭                    ◀── ▭▭▭                       │
 *   │  lane 2   ▭ ──▶                   ▭▭ ──▶                                │
 *   │  lane 3                  ◀── ▭▭                                         │
 *   └────────────────────────────────────────────────────────────────────────┘
 *
 * The world (vehicles, speeds, occlusions) depends only on the seed and the duration; the detector's
 * noise has its own random stream, so the same seed at 2 and 5 fps shows the same traffic.
 *
 * @example
 *   const { frames } = syntheticScene({ seed: 1, fps: 5, durationS: 60 });
 *   for (const f of frames) tracker.update(f.detections, f.tsMs); // f.truth: the true boxes and ids
 */
export function syntheticScene(options: SceneOptions): SyntheticScene {
  const o = {
    width: 1920,
    height: 1080,
    lanes: 4,
    arrivalsPerLanePerS: 0.4,
    speedRange: [250, 550] as [number, number],
    minHeadwayS: 1.5,
    missRate: 0.1,
    jitter: 0.03,
    falsePositivesPerFrame: 0.2,
    occlusionChance: 0.2,
    occlusionMs: 1000,
    lowScoreRate: 0.1,
    classConfusion: 0.05,
    ...options,
  };
  if (!(o.fps > 0)) throw new RangeError(`syntheticScene: fps must be > 0, got ${o.fps}`);
  if (!(o.durationS > 0)) throw new RangeError(`syntheticScene: durationS must be > 0, got ${o.durationS}`);
  if (!(Number.isInteger(o.lanes) && o.lanes >= 1)) {
    throw new RangeError(`syntheticScene: lanes must be an integer >= 1, got ${o.lanes}`);
  }
  const world = mulberry32(o.seed);
  const noise = mulberry32(o.seed ^ 0x9e3779b9);
  const laneGap = o.height / (o.lanes + 1);
  const vehicles: Vehicle[] = [];
  let nextId = 1;
  for (let lane = 0; lane < o.lanes; lane++) {
    const dir = lane % 2 === 0 ? 1 : -1;
    const speed = o.speedRange[0] + world() * (o.speedRange[1] - o.speedRange[0]);
    const cy = laneGap * (lane + 1);
    // Poisson arrivals, starting before t = 0 so the scene begins full; keep a headway so a lane's
    // vehicles (same speed) never overlap.
    let tEnter = -o.width / speed;
    while (true) {
      tEnter += -Math.log(1 - world()) / o.arrivalsPerLanePerS;
      const cls = pick(world(), CLASS_MIX);
      const [bw, bh] = SIZES[cls];
      const scale = 0.9 + 0.2 * world();
      const w = bw * scale;
      const h = bh * scale;
      const v = speed * (0.97 + 0.06 * world());
      const occluded = world() < o.occlusionChance;
      const occludeAt = world();
      // Headway: the time headway or 1.5 lengths, plus the most the ±3 % speed spread can close over a crossing.
      const prev = vehicles.findLast((x) => x.cy === cy);
      if (prev) {
        const prevEnter =
          prev.vx > 0 ? (-prev.w / 2 - prev.x0) / prev.vx : (o.width + prev.w / 2 - prev.x0) / prev.vx;
        const gapPx = Math.max(1.5 * Math.max(w, prev.w), o.minHeadwayS * speed) + 0.07 * (o.width + w);
        tEnter = Math.max(tEnter, prevEnter + gapPx / speed);
      }
      if (tEnter > o.durationS) break;
      const x0 = dir > 0 ? -w / 2 - v * tEnter : o.width + w / 2 + v * tEnter;
      const crossS = (o.width + w) / v;
      const occFrom = (tEnter + occludeAt * crossS) * 1000;
      vehicles.push({
        id: nextId++,
        cls,
        w,
        h,
        cy,
        x0,
        vx: dir * v,
        occludedFromMs: occluded ? occFrom : Number.POSITIVE_INFINITY,
        occludedToMs: occluded ? occFrom + o.occlusionMs : Number.NEGATIVE_INFINITY,
      });
    }
  }

  const frames: SceneFrame[] = [];
  const seen = new Set<number>();
  const nFrames = Math.floor(o.durationS * o.fps);
  for (let f = 0; f < nFrames; f++) {
    const tsMs = Math.round((f * 1000) / o.fps);
    const t = tsMs / 1000;
    const truth: TruthBox[] = [];
    const detections: Detection[] = [];
    for (const v of vehicles) {
      const cx = v.x0 + v.vx * t;
      const full = { x: cx - v.w / 2, y: v.cy - v.h / 2, w: v.w, h: v.h };
      const box = clip(full, o.width, o.height);
      // In view when at least 30 % of it is.
      if (!box || box.w * box.h < 0.3 * v.w * v.h) continue;
      seen.add(v.id);
      const gt: TruthBox = { id: v.id, cls: v.cls, box, detected: false };
      truth.push(gt);
      if (tsMs >= v.occludedFromMs && tsMs < v.occludedToMs) continue;
      if (noise() < o.missRate) continue;
      const noisy = jitterBox(box, o.jitter, noise, o.width, o.height);
      if (!noisy) continue;
      gt.detected = true;
      const score = noise() < o.lowScoreRate ? 0.15 + 0.3 * noise() : 0.6 + 0.38 * noise();
      const cls = noise() < o.classConfusion ? confuse(v.cls) : v.cls;
      detections.push({ cls, score, box: noisy });
    }
    // False positives: Poisson count, random places and sizes, mostly modest scores.
    const k = poisson(o.falsePositivesPerFrame, noise);
    for (let i = 0; i < k; i++) {
      const w = 60 + 200 * noise();
      const h = w * (0.4 + 0.4 * noise());
      detections.push({
        cls: 'car',
        score: 0.2 + 0.5 * noise(),
        box: { x: noise() * (o.width - w), y: noise() * (o.height - h), w, h },
      });
    }
    // Detector output order carries no identity.
    shuffle(detections, noise);
    frames.push({ tsMs, detections, truth });
  }
  return { frames, vehicles: seen.size };
}

/** The part of a box inside the frame, or null when none is. */
export function clip(b: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, b.x);
  const y0 = Math.max(0, b.y);
  const x1 = Math.min(width, b.x + b.w);
  const y1 = Math.min(height, b.y + b.h);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

function confuse(c: ProductClass): ProductClass {
  return c === 'car' ? 'truck' : c === 'truck' ? 'bus' : c === 'bus' ? 'truck' : 'bicycle';
}

/** The value whose share of the mix contains u (in [0, 1)). */
export function pick<T>(u: number, mix: [T, number][]): T {
  let acc = 0;
  for (const [v, p] of mix) {
    acc += p;
    if (u < acc) return v;
  }
  return mix[mix.length - 1][0];
}

function shuffle<T>(a: T[], rnd: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}

/** A detector's box for a true one: position and size jittered by `share` of the size (normal), clipped. */
export function jitterBox(
  box: Box,
  share: number,
  rnd: () => number,
  width: number,
  height: number,
): Box | null {
  return clip(
    {
      x: box.x + gauss(rnd) * share * box.w,
      y: box.y + gauss(rnd) * share * box.h,
      w: box.w * (1 + gauss(rnd) * share),
      h: box.h * (1 + gauss(rnd) * share),
    },
    width,
    height,
  );
}

/** A Poisson-distributed count with this mean (inversion: one uniform draw). */
export function poisson(mean: number, rnd: () => number): number {
  let k = 0;
  for (let p = Math.exp(-mean), s = p, u = rnd(); u > s; k++) {
    p *= mean / (k + 1);
    s += p;
  }
  return k;
}

/** Standard normal, Box–Muller. */
export function gauss(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** A small seeded PRNG (mulberry32), uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
