import { CUT_SHARE } from '../../pipeline/detect/cut-boxes.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { Box, Detection } from '../../schemas/detection.ts';
import type { SceneCalibration } from '../../schemas/scene.ts';
import { clip, gauss, jitterBox, mulberry32, pick } from '../tracking/synthetic-scene.ts';

export interface HighwayOptions {
  seed: number;
  /** Analysis rate, frames per second. */
  fps: number;
  durationS: number;
  /** Lanes, all in one direction (default 5). */
  lanes?: number;
  /** Traffic drives away from the camera instead of towards it, entering at the picture's lower edge. */
  away?: boolean;
  /** Vehicles per lane per second (default 0.5: dense; platoons at 1 s headway). */
  arrivalsPerLanePerS?: number;
  /** Speed range, m/s (default 22–33: 80–120 km/h). */
  speedRange?: [number, number];
  /** Share of motorbikes; they filter between the lanes at their own speed (default 0.2). */
  motorbikeShare?: number;
  /** Simulate the measured motion (pipeline/motion/) on each detection (default true). */
  motion?: boolean;
  /** Chance a detection's motion was not measured (default 0.1); its error std in box sizes (default 0.08). */
  motionMissRate?: number;
  motionError?: number;
  /** Chance a visible vehicle is missed in a frame (default 0.05); box jitter share (default 0.03). */
  missRate?: number;
  jitter?: number;
}

/** A 640×360 camera over a highway from an overpass: the ground plane in metres, seen in perspective. */
export const HIGHWAY_CAMERA = { width: 640, height: 360, horizonY: 40, focalPx: 520, heightM: 9, laneM: 3.6 };
/** The motion step measures no size change on a box smaller than this (source pixels; 20 in its half-size grey frames). */
const MIN_SCALE_PX = 40;
/** The counting line across all lanes, 30 % above the bottom edge. */
export const HIGHWAY_LINE = {
  id: 'highway',
  from: [0, 252] as [number, number],
  to: [640, 252] as [number, number],
};

const SIZES: Record<'car' | 'truck' | 'bus' | 'motorcycle', { w: number; l: number; h: number }> = {
  car: { w: 1.8, l: 4.5, h: 1.5 },
  truck: { w: 2.5, l: 9, h: 3.5 },
  bus: { w: 2.5, l: 12, h: 3.2 },
  motorcycle: { w: 0.8, l: 2, h: 1.6 },
};

/**
 * The camera's ground calibration, exact for HIGHWAY_CAMERA: four points on the road (metres across
 * it, metres from the camera) and where the pinhole model puts them in the picture. As a user would
 * survey it: a patch of road 18 m wide from 15 to 50 m out, around the counting line (22 m).
 */
export function highwayCalibration(): SceneCalibration {
  const c = HIGHWAY_CAMERA;
  const world: SceneCalibration['world'] = [
    [-9, 15],
    [9, 15],
    [9, 50],
    [-9, 50],
  ];
  const at = ([x, z]: [number, number]): [number, number] => [
    c.width / 2 + (c.focalPx * x) / z,
    c.horizonY + (c.focalPx * c.heightM) / z,
  ];
  return { image: [at(world[0]), at(world[1]), at(world[2]), at(world[3])], world };
}

interface Vehicle {
  cls: ProductClass;
  size: { w: number; l: number; h: number };
  x: number;
  /** Distance from the camera at t = 0 (m) and speed towards it (m/s). */
  z0: number;
  v: number;
}

export interface HighwayFrame {
  tsMs: number;
  detections: Detection[];
}

export interface HighwayScene {
  frames: HighwayFrame[];
  /** True crossings of HIGHWAY_LINE, per class: all negative (towards the camera) or all positive (away). */
  crossings: Partial<Record<ProductClass, number>>;
  /** The true ground speed (km/h) of each vehicle that crosses, per class. */
  speedsKmh: Partial<Record<ProductClass, number[]>>;
  direction: 'positive' | 'negative';
}

/**
 * Highway traffic towards a camera on an overpass, the case that breaks trackers at 2-5 fps: near
 * the camera a car moves one to three of its lengths between analysed frames and is below the
 * counting line for only one or two of them. A pinhole camera HIGHWAY_CAMERA.heightM above the road
 * maps a ground point at distance z and lateral offset x to
 *
 *   row = horizonY + focalPx · heightM / z        column = width/2 + focalPx · x / z
 *
 * so boxes grow and speed up as vehicles approach (or, `away`, enter large at the lower edge and
 * shrink and slow down as they leave: the same traffic run backwards in depth). Motorbikes ride
 * between the lanes. Each detection
 * may carry the motion the product measures between analysed frames (its true displacement since the
 * previous frame, with error and misses), so the tracker can be tried with and without it. Seeded
 * and pure; the same seed shows the same traffic at every rate.
 *
 * @example
 *   const { frames, crossings } = highwayScene({ seed: 1, fps: 2, durationS: 60 });
 */
export function highwayScene(options: HighwayOptions): HighwayScene {
  const o = {
    lanes: 5,
    away: false,
    arrivalsPerLanePerS: 0.5,
    speedRange: [22, 33] as [number, number],
    motorbikeShare: 0.2,
    motion: true,
    motionMissRate: 0.1,
    motionError: 0.08,
    missRate: 0.05,
    jitter: 0.03,
    ...options,
  };
  const world = mulberry32(o.seed);
  const noise = mulberry32(o.seed ^ 0x5bd1e995);
  const sizeNoise = mulberry32(o.seed ^ 0x2545f491); // its own stream: the other draws stay as they were
  const cam = HIGHWAY_CAMERA;
  const zFar = 120;
  const zNear = 6;
  // Distance from the camera at tS: approaching from zFar, or (away) leaving from zNear.
  const depth = (veh: Vehicle, tS: number) => {
    const z = veh.z0 - veh.v * tS;
    return o.away ? zFar + zNear - z : z;
  };
  const vehicles: Vehicle[] = [];
  for (let lane = 0; lane < o.lanes; lane++) {
    const x = (lane - (o.lanes - 1) / 2) * cam.laneM;
    let t = -zFar / o.speedRange[0];
    while (t < o.durationS) {
      t += 1 + -Math.log(1 - world()) / o.arrivalsPerLanePerS; // at least 1 s headway
      const bike = world() < o.motorbikeShare;
      const cls = bike
        ? 'motorcycle'
        : pick(world(), [
            ['car', 0.8],
            ['truck', 0.15],
            ['bus', 0.05],
          ] as ['car' | 'truck' | 'bus', number][]);
      const v = bike ? 12 + 6 * world() : o.speedRange[0] + world() * (o.speedRange[1] - o.speedRange[0]);
      // Motorbikes filter along the lane lines, not the lane centres.
      const lx = bike ? x + cam.laneM / 2 - 0.3 + 0.6 * world() : x;
      vehicles.push({ cls, size: SIZES[cls], x: lx, z0: zFar + v * t, v });
    }
  }
  // The vehicle's whole box (possibly beyond the picture), and what of it the picture shows.
  const trueBox = (veh: Vehicle, tS: number): Box => {
    const s = cam.focalPx / Math.max(1, depth(veh, tS));
    const bottom = cam.horizonY + s * cam.heightM;
    // Seen from above, a box covers the vehicle's height and part of its length.
    const h = s * (veh.size.h + 0.5 * veh.size.l);
    const w = s * veh.size.w;
    return { x: cam.width / 2 + s * veh.x - w / 2, y: bottom - h, w, h };
  };
  const boxAt = (veh: Vehicle, tS: number): Box | null => {
    const z = depth(veh, tS);
    return z < zNear || z > zFar ? null : clip(trueBox(veh, tS), cam.width, cam.height);
  };
  const lineY = HIGHWAY_LINE.from[1];
  const lastFrameS = (Math.ceil(o.durationS * o.fps) - 1) / o.fps;
  const crossings: HighwayScene['crossings'] = {};
  const speedsKmh: HighwayScene['speedsKmh'] = {};
  for (const veh of vehicles) {
    // The bottom edge reaches lineY at distance focal·height / (lineY − horizon).
    const zLine = (cam.focalPx * cam.heightM) / (lineY - cam.horizonY);
    const tLine = (veh.z0 - (o.away ? zFar + zNear - zLine : zLine)) / veh.v;
    // A crossing after the last frame (up to one frame interval before the end) is never seen.
    if (!(tLine > 0 && tLine < lastFrameS)) continue;
    crossings[veh.cls] = (crossings[veh.cls] ?? 0) + 1;
    speedsKmh[veh.cls] = [...(speedsKmh[veh.cls] ?? []), veh.v * 3.6];
  }
  const frames: HighwayFrame[] = [];
  const dt = 1 / o.fps;
  for (let k = 0; k * dt < o.durationS; k++) {
    const tS = k * dt;
    const detections: Detection[] = [];
    for (const veh of vehicles) {
      const box = boxAt(veh, tS);
      if (!box || box.w < 4 || box.h < 4 || noise() < o.missRate) continue;
      const jittered = jitterBox(box, o.jitter, noise, cam.width, cam.height);
      if (!jittered) continue;
      // Where the picture's edge cuts the vehicle, a detector's box ends on the edge, not near it.
      const seen = pinnedToEdges(jittered, trueBox(veh, tS), cam.width, cam.height);
      const d: Detection = { cls: veh.cls, score: 0.5 + 0.4 * noise(), box: seen };
      // As the detect stage marks it: a box reaching the lower edge (its bottom is the edge's).
      if (seen.y + seen.h >= cam.height * (1 - CUT_SHARE)) d.cut = true;
      // Where it was one frame ago: an approaching vehicle was further up, small, still in the
      // picture; one driving away that was still under the camera has no motion, as in the product.
      const before = k > 0 && (!o.away || boxAt(veh, tS - dt)) ? trueBox(veh, tS - dt) : null;
      if (o.motion && before && noise() >= o.motionMissRate) {
        // Block matching follows the object's texture: the true centre's displacement, with error.
        const now = trueBox(veh, tS);
        const e = o.motionError * Math.max(box.w, box.h);
        d.motion = {
          dx: now.x + now.w / 2 - (before.x + before.w / 2) + e * gauss(noise),
          dy: now.y + now.h / 2 - (before.y + before.h / 2) + e * gauss(noise),
          dtMs: dt * 1000,
          // The trace follows the size too (size then over size now, with error), except on boxes
          // too small for a step of it to tell (MIN_SCALE_PX).
          ...(Math.min(box.w, box.h) >= MIN_SCALE_PX
            ? { scale: (before.h / now.h) * (1 + o.motionError * 0.25 * gauss(sizeNoise)) }
            : {}),
          // As the motion step marks it: a box reaching the lower edge (its bottom is the edge's).
          ...(seen.y + seen.h >= cam.height - 1 ? { cut: true } : {}),
        };
      }
      detections.push(d);
    }
    frames.push({ tsMs: Math.round(tS * 1000), detections });
  }
  return { frames, crossings, speedsKmh, direction: o.away ? 'positive' : 'negative' };
}

/** The box with each side that the picture cuts from `whole` put back on the picture's edge. */
function pinnedToEdges(b: Box, whole: Box, width: number, height: number): Box {
  const x0 = whole.x < 0 ? 0 : b.x;
  const y0 = whole.y < 0 ? 0 : b.y;
  const x1 = whole.x + whole.w > width ? width : b.x + b.w;
  const y1 = whole.y + whole.h > height ? height : b.y + b.h;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}
