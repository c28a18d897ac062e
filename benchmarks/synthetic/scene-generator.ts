/**
 * A synthetic, calibrated street scene with scripted incidents and their ground truth: what the rule
 * engine's tests and the `rules` benchmark run on. It extends benchmarks/tracking/synthetic-scene.ts
 * (same PRNG and noise ideas) from a flat 2-D picture to a ground plane seen in perspective.
 *
 *   ground plane (metres)                               image (pixels), through the homography
 *   y ▲ 80 m  ┌────┬────┬────┬────┬──┐                        ┌──────┐
 *     │       │ ▲  │ ▲  │ ▼  │ ▼  │  │ plaza  (crowd)        ╱ road   ╲  plaza
 *     │       │out │out │ in │ in │sh│ ┌────┐             ╱            ╲
 *     │       │ 0  │ 1  │ 2  │ 3  │  │ └────┘          ╱                ╲
 *     0 ──────┴────┴────┴────┴────┴──┴──────▶ x    ───────────────────────── (near the camera)
 *             lanes 3.5 m; 'sh' = shoulder, a no-stopping zone
 *
 * Traffic: Poisson arrivals per lane, each vehicle with a desired speed around the free-flow speed,
 * following its leader (gap-based: v ≤ (gap − 2 m) / 1.2 s; accelerating ≤ 2 m/s², braking ≤ 6 m/s²),
 * simulated every 0.1 s. Scripted: a jam (the inbound lanes' speed limit drops to a crawl, queues
 * pack at the entry, then it lifts), a crowd that gathers in the plaza and disperses, a car that stops
 * in a lane, a car that stops on the shoulder, a wrong-way car, a person crossing the road. Each
 * frame has the detector's view (noisy boxes: misses, jitter, false positives) and the truth (ids,
 * world positions, speeds, zones); `expected` lists the events a correct rule engine raises.
 *
 * Pure and seeded: the same options give the same scene.
 *
 * @example
 *   const s = generateScenario({ seed: 1, fps: 5, durationS: 300 });
 *   for (const f of s.frames) tracker.update(f.detections, f.tsMs); // f.truth: objects with world, speed, zones
 *   s.scene; // zones (lanes with directions, roadway, no-stopping, crowd) and calibration, as in the config
 */

import { pointInPolygon } from '../../pipeline/scene/geometry.ts';
import { Homography } from '../../pipeline/scene/homography.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { Box, Detection } from '../../schemas/detection.ts';
import type { EventType } from '../../schemas/events.ts';
import type { Point, SceneConfig, SceneZone, ZoneKind } from '../../schemas/scene.ts';
import { clip, jitterBox, mulberry32, pick, poisson } from '../tracking/synthetic-scene.ts';

export interface ScenarioOptions {
  seed: number;
  fps: number;
  durationS: number;
  /** Lanes each way (default 2). */
  lanesPerDirection?: number;
  /** Mean vehicles entering per lane per second (default 0.3). */
  arrivalsPerLanePerS?: number;
  freeFlowKmh?: number;
  /** The inbound lanes crawl at speedKmh from fromS to toS; null: no jam. */
  jam?: { fromS: number; toS: number; speedKmh: number } | null;
  /** `size` persons walk into the plaza between gatherFromS and gatherToS and leave between disperseFromS and disperseToS. */
  crowd?: {
    size: number;
    gatherFromS: number;
    gatherToS: number;
    disperseFromS: number;
    disperseToS: number;
  } | null;
  /** A car that stands still in outbound lane 1 (or 0 with one lane) at yM from atS for forS. */
  stoppedCar?: { atS: number; forS: number; yM: number } | null;
  /** A car that stops on the shoulder (a no-stopping zone) from atS for forS. */
  illegalStop?: { atS: number; forS: number; yM: number } | null;
  /** A car driving down outbound lane 0 the wrong way, entering the view at atS. */
  wrongWay?: { atS: number; speedKmh: number } | null;
  /** A person crossing the road at yM, leaving the kerb at atS. */
  personCrossing?: { atS: number; yM: number } | null;
  /** Persons passing through the plaza, per second (default 0.03). */
  passersbyPerS?: number;
  /** Detector noise, as in benchmarks/tracking/synthetic-scene.ts. */
  missRate?: number;
  jitter?: number;
  falsePositivesPerFrame?: number;
}

export const DEFAULT_SCENARIO: Readonly<Required<Omit<ScenarioOptions, 'seed' | 'fps' | 'durationS'>>> = {
  lanesPerDirection: 2,
  arrivalsPerLanePerS: 0.3,
  freeFlowKmh: 50,
  jam: { fromS: 60, toS: 150, speedKmh: 6 },
  crowd: { size: 14, gatherFromS: 20, gatherToS: 50, disperseFromS: 170, disperseToS: 185 },
  stoppedCar: { atS: 30, forS: 60, yM: 45 },
  illegalStop: { atS: 170, forS: 80, yM: 25 },
  wrongWay: { atS: 200, speedKmh: 30 },
  personCrossing: { atS: 260, yM: 12 },
  passersbyPerS: 0.03,
  missRate: 0.1,
  jitter: 0.03,
  falsePositivesPerFrame: 0.2,
};

/** One object in one frame, as it really is. */
export interface TruthObject {
  id: number;
  cls: ProductClass;
  /**
   * The ground point under the anchor of the true box, metres: what a perfect measurer reports (it is
   * within about a metre of the middle of the object's nearest edge: a footprint's box in perspective
   * is wider on the side of the vanishing point).
   */
  world: Point;
  speedKmh: number;
  /** Image velocity of the anchor, px/s. */
  velocityPx: Point;
  box: Box;
  anchor: Point;
  /** Zones the anchor of the true box is in. */
  zoneIds: string[];
  /** Whether the detector reported it this frame. */
  detected: boolean;
}

export interface ScenarioFrame {
  tsMs: number;
  detections: Detection[];
  truth: TruthObject[];
}

/** An event a correct rule engine raises, with the true time the condition began (and ended). */
export interface ExpectedEvent {
  type: EventType;
  zoneId: string;
  trackId: number | null;
  atMs: number;
  untilMs?: number;
}

/** A zone's ground geometry, for densities. */
export interface ZoneGround {
  zoneId: string;
  kind: ZoneKind;
  lengthM: number;
  lanes: number;
  areaM2: number;
}

export interface Scenario {
  options: ScenarioOptions;
  width: number;
  height: number;
  scene: SceneConfig;
  homography: Homography;
  ground: ZoneGround[];
  frames: ScenarioFrame[];
  expected: ExpectedEvent[];
}

const LANE_W = 3.5;
const VIEW_Y: [number, number] = [0, 80];
const SIZES: Record<ProductClass, { len: number; wid: number; hgt: number }> = {
  car: { len: 4.5, wid: 1.8, hgt: 1.5 },
  truck: { len: 9, wid: 2.5, hgt: 3.2 },
  bus: { len: 12, wid: 2.5, hgt: 3.2 },
  motorcycle: { len: 2, wid: 0.8, hgt: 1.4 },
  bicycle: { len: 1.8, wid: 0.6, hgt: 1.6 },
  person: { len: 0.5, wid: 0.5, hgt: 1.7 },
};
const MIX: [ProductClass, number][] = [
  ['car', 0.8],
  ['truck', 0.08],
  ['bus', 0.04],
  ['motorcycle', 0.08],
];

interface Mover {
  id: number;
  cls: ProductClass;
  /** Which way along y the object faces (+1 away from the camera): says which end is nearest the camera. */
  heading: 1 | -1;
  /** Position at each simulated step index, or a function of time. */
  at(tS: number): { x: number; y: number; vx: number; vy: number } | null;
}

/** Builds a scenario. See the module doc. */
export function generateScenario(options: ScenarioOptions): Scenario {
  const o = { ...DEFAULT_SCENARIO, ...options };
  if (!(o.fps > 0)) throw new RangeError(`generateScenario: fps must be > 0, got ${o.fps}`);
  if (!(o.durationS > 0)) throw new RangeError(`generateScenario: durationS must be > 0, got ${o.durationS}`);
  const n = o.lanesPerDirection;
  if (!(Number.isInteger(n) && n >= 1))
    throw new RangeError(`generateScenario: lanesPerDirection must be an integer >= 1`);
  const width = 1920;
  const height = 1080;
  const roadW = 2 * n * LANE_W;
  const shoulder: [number, number] = [roadW, roadW + 2.5];
  const plaza: [number, number, number, number] = [roadW + 4, roadW + 16, 5, 30]; // x0, x1, y0, y1
  const totalW = roadW + 18;
  const worldCorners: [Point, Point, Point, Point] = [
    [0, VIEW_Y[0]],
    [totalW, VIEW_Y[0]],
    [totalW, VIEW_Y[1]],
    [0, VIEW_Y[1]],
  ];
  const imageCorners: [Point, Point, Point, Point] = [
    [150, 1060],
    [1770, 1060],
    [1180, 240],
    [740, 240],
  ];
  const h = Homography.fromPoints(imageCorners, worldCorners);
  const img = (p: Point): Point => {
    const q = h.toImage(p);
    if (!q) throw new Error('generateScenario: a ground point maps to infinity');
    return q;
  };
  const rect = (x0: number, x1: number, y0: number, y1: number): Point[] =>
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
    ].map((p) => img(p as Point).map((v) => Math.round(v * 10) / 10) as Point);

  // Zones.
  const zones: SceneZone[] = [];
  const ground: ZoneGround[] = [];
  const laneX = (lane: number) => (lane + 0.5) * LANE_W;
  const outbound = (lane: number) => lane < n;
  for (let lane = 0; lane < 2 * n; lane++) {
    const id = `${outbound(lane) ? 'out' : 'in'}-${outbound(lane) ? lane + 1 : lane - n + 1}`;
    const a = img([laneX(lane), 10]);
    const b = img([laneX(lane), 60]);
    const d: Point = outbound(lane) ? [b[0] - a[0], b[1] - a[1]] : [a[0] - b[0], a[1] - b[1]];
    const len = Math.hypot(d[0], d[1]);
    zones.push({
      id,
      kind: 'lane',
      polygon: rect(lane * LANE_W, (lane + 1) * LANE_W, VIEW_Y[0], VIEW_Y[1]),
      direction: [Math.round((d[0] / len) * 1000) / 1000, Math.round((d[1] / len) * 1000) / 1000],
    });
    ground.push({ zoneId: id, kind: 'lane', lengthM: 80, lanes: 1, areaM2: 80 * LANE_W });
  }
  const laneId = (lane: number) => zones[lane].id;
  zones.push({ id: 'road', kind: 'roadway', polygon: rect(0, roadW, VIEW_Y[0], VIEW_Y[1]) });
  ground.push({ zoneId: 'road', kind: 'roadway', lengthM: 80, lanes: 2 * n, areaM2: 80 * roadW });
  zones.push({ id: 'kerb', kind: 'no-stopping', polygon: rect(shoulder[0], shoulder[1], 15, 40) });
  ground.push({ zoneId: 'kerb', kind: 'no-stopping', lengthM: 25, lanes: 1, areaM2: 25 * 2.5 });
  zones.push({ id: 'plaza', kind: 'crowd', polygon: rect(plaza[0], plaza[1], plaza[2], plaza[3]) });
  ground.push({
    zoneId: 'plaza',
    kind: 'crowd',
    lengthM: plaza[3] - plaza[2],
    lanes: 1,
    areaM2: (plaza[1] - plaza[0]) * (plaza[3] - plaza[2]),
  });
  const world = mulberry32(o.seed);
  const noise = mulberry32(o.seed ^ 0x5bd1e995);
  const ffs = o.freeFlowKmh / 3.6;
  let nextId = 1;
  const expected: ExpectedEvent[] = [];

  // Lane traffic, simulated.
  const dt = 0.1;
  const steps = Math.ceil(o.durationS / dt) + 1;
  interface Sim {
    id: number;
    cls: ProductClass;
    p: number;
    v: number;
    vWant: number;
  }
  const laneTracks: Map<
    number,
    { lane: number; cls: ProductClass; p: Float64Array; v: Float64Array; from: number; to: number }
  > = new Map();
  for (let lane = 0; lane < 2 * n; lane++) {
    const jammed = o.jam && !outbound(lane);
    const road: Sim[] = [];
    let nextArrival = -Math.log(1 - world()) / o.arrivalsPerLanePerS;
    // Start full: vehicles already on the lane, spaced by the arrival process at free flow, but at
    // least the car-following distance (the longest vehicle + 2 m + 1.2 s), so nobody starts by braking.
    const safe = 12 + 2 + 1.2 * ffs;
    for (
      let p = 100 - ffs * nextArrival;
      p > 0;
      p -= Math.max(safe, ffs * (-Math.log(1 - world()) / o.arrivalsPerLanePerS))
    ) {
      road.push({ id: nextId++, cls: pick(world(), MIX), p, v: ffs, vWant: ffs * (0.9 + 0.2 * world()) });
    }
    road.sort((a, b) => b.p - a.p);
    nextArrival = -Math.log(1 - world()) / o.arrivalsPerLanePerS;
    let waiting = 0;
    for (const s of road)
      laneTracks.set(s.id, {
        lane,
        cls: s.cls,
        p: new Float64Array(steps).fill(Number.NaN),
        v: new Float64Array(steps),
        from: 0,
        to: steps - 1,
      });
    for (let k = 0; k < steps; k++) {
      const t = k * dt;
      const crawl = jammed && o.jam && t >= o.jam.fromS && t < o.jam.toS ? o.jam.speedKmh / 3.6 : null;
      while (t >= nextArrival) {
        waiting++;
        nextArrival += -Math.log(1 - world()) / o.arrivalsPerLanePerS;
      }
      // Entry: the last vehicle must have left room.
      const last = road[road.length - 1];
      if (waiting > 0 && (!last || last.p - SIZES[last.cls].len - 2 > 0)) {
        const cls = pick(world(), MIX);
        const vWant = ffs * (0.9 + 0.2 * world());
        const v = Math.min(
          crawl ?? vWant,
          last ? Math.max(0, (last.p - SIZES[last.cls].len - 2) / 1.2) : vWant,
        );
        const s = { id: nextId++, cls, p: 0, v, vWant };
        road.push(s);
        laneTracks.set(s.id, {
          lane,
          cls,
          p: new Float64Array(steps).fill(Number.NaN),
          v: new Float64Array(steps),
          from: k,
          to: steps - 1,
        });
        waiting--;
      }
      for (let i = 0; i < road.length; i++) {
        const s = road[i];
        const want = Math.min(s.vWant, crawl ?? Number.POSITIVE_INFINITY);
        let v = Math.min(want, s.v + 2 * dt);
        if (i > 0) {
          const lead = road[i - 1];
          const gap = lead.p - SIZES[lead.cls].len - s.p;
          v = Math.min(v, Math.max(0, (gap - 2) / 1.2));
        }
        s.v = Math.max(v, s.v - 6 * dt, 0);
        if (i > 0) {
          const lead = road[i - 1];
          s.v = Math.min(s.v, Math.max(0, (lead.p - SIZES[lead.cls].len - 0.5 - s.p) / dt));
        }
        s.p += s.v * dt;
        const tr = laneTracks.get(s.id);
        if (tr) {
          tr.p[k] = s.p;
          tr.v[k] = s.v;
        }
      }
      while (road.length && road[0].p > 100 + SIZES[road[0].cls].len) {
        const gone = road.shift() as Sim;
        const tr = laneTracks.get(gone.id);
        if (tr) tr.to = k;
      }
    }
  }
  const movers: Mover[] = [];
  for (const [id, tr] of laneTracks) {
    const dir = outbound(tr.lane) ? 1 : -1;
    const x = laneX(tr.lane);
    movers.push({
      id,
      cls: tr.cls,
      heading: dir > 0 ? 1 : -1,
      at(tS) {
        const k = Math.round(tS / dt);
        if (k < tr.from || k > tr.to || k >= steps || Number.isNaN(tr.p[k])) return null;
        // Progress p runs from the lane's entry (y = −10 outbound, y = 90 inbound).
        const p = tr.p[k];
        return dir > 0 ? { x, y: p - 10, vx: 0, vy: tr.v[k] } : { x, y: 90 - p, vx: 0, vy: -tr.v[k] };
      },
    });
  }

  // Scripted objects: keyframes [t, x, y], linear in between.
  const scripted = (cls: ProductClass, keys: [number, number, number][]): number => {
    const id = nextId++;
    const heading = keys[keys.length - 1][2] >= keys[0][2] ? 1 : -1;
    movers.push({ id, cls, heading, at: (t) => along(keys, t) });
    return id;
  };
  if (o.stoppedCar) {
    const s = o.stoppedCar;
    const lane = Math.min(1, n - 1);
    const x = laneX(lane);
    const t0 = s.atS - (s.yM + 10) / ffs;
    const t1 = s.atS + s.forS;
    const id = scripted('car', [
      [t0, x, -10],
      [s.atS, x, s.yM],
      [t1, x, s.yM],
      [t1 + (90 - s.yM) / ffs, x, 90],
    ]);
    expected.push({
      type: 'stopped_vehicle',
      zoneId: laneId(lane),
      trackId: id,
      atMs: s.atS * 1000,
      untilMs: t1 * 1000,
    });
  }
  if (o.illegalStop) {
    const s = o.illegalStop;
    const lx = laneX(2 * n - 1);
    const sx = (shoulder[0] + shoulder[1]) / 2;
    const t0 = s.atS - 3 - (90 - s.yM - 8) / ffs;
    const t1 = s.atS + s.forS;
    const id = scripted('car', [
      [t0, lx, 90],
      [s.atS - 3, lx, s.yM + 8],
      [s.atS, sx, s.yM],
      [t1, sx, s.yM],
      [t1 + 3, lx, s.yM - 8],
      [t1 + 3 + (s.yM - 8 + 10) / ffs, lx, -10],
    ]);
    expected.push({
      type: 'no_stopping',
      zoneId: 'kerb',
      trackId: id,
      atMs: s.atS * 1000,
      untilMs: t1 * 1000,
    });
  }
  if (o.wrongWay) {
    const v = o.wrongWay.speedKmh / 3.6;
    const x = laneX(0);
    const id = scripted('car', [
      [o.wrongWay.atS, x, 90],
      [o.wrongWay.atS + 100 / v, x, -10],
    ]);
    expected.push({
      type: 'wrong_way',
      zoneId: laneId(0),
      trackId: id,
      atMs: (o.wrongWay.atS + 10 / v) * 1000,
    });
  }
  if (o.personCrossing) {
    const s = o.personCrossing;
    const v = 1.3;
    const x0 = shoulder[1] + 1;
    const id = scripted('person', [
      [s.atS, x0, s.yM],
      [s.atS + (x0 + 2) / v, -2, s.yM],
    ]);
    expected.push({
      type: 'person_in_roadway',
      zoneId: 'road',
      trackId: id,
      atMs: (s.atS + (x0 - roadW) / v) * 1000,
      untilMs: (s.atS + x0 / v) * 1000,
    });
  }
  if (o.crowd) {
    const c = o.crowd;
    for (let i = 0; i < c.size; i++) {
      const arrive = c.gatherFromS + ((i + world()) / c.size) * (c.gatherToS - c.gatherFromS);
      const leave = c.disperseFromS + world() * (c.disperseToS - c.disperseFromS);
      const sx = plaza[0] + 1 + world() * (plaza[1] - plaza[0] - 2);
      const sy = plaza[2] + 1 + world() * (plaza[3] - plaza[2] - 2);
      const ox = totalW - 0.5;
      const oy = plaza[2] + world() * (plaza[3] - plaza[2]);
      const walk = Math.hypot(ox - sx, oy - sy) / 1.3;
      scripted('person', [
        [arrive - walk, ox, oy],
        [arrive, sx, sy],
        [leave, sx + 0.3 * (world() - 0.5), sy + 0.3 * (world() - 0.5)],
        [leave + walk, ox, oy + 3],
      ]);
    }
    expected.push({
      type: 'crowd_form',
      zoneId: 'plaza',
      trackId: null,
      atMs: c.gatherToS * 1000,
      untilMs: c.disperseFromS * 1000,
    });
  }
  // Passers-by crossing the plaza, far side to near side.
  for (
    let t = -Math.log(1 - world()) / o.passersbyPerS;
    t < o.durationS;
    t += -Math.log(1 - world()) / o.passersbyPerS
  ) {
    const x = plaza[0] + 1 + world() * (plaza[1] - plaza[0] - 2);
    scripted('person', [
      [t, x, 60],
      [t + 60 / 1.4, x + 2 * (world() - 0.5), 0],
    ]);
  }

  // Frames.
  const frames: ScenarioFrame[] = [];
  const nFrames = Math.floor(o.durationS * o.fps);
  for (let f = 0; f < nFrames; f++) {
    const tsMs = Math.round((f * 1000) / o.fps);
    const t = tsMs / 1000;
    const truth: TruthObject[] = [];
    const detections: Detection[] = [];
    for (const m of movers) {
      const s = m.at(t);
      if (!s || s.y < VIEW_Y[0] - 2 || s.y > VIEW_Y[1] + 2) continue;
      const size = SIZES[m.cls];
      // The footprint (length along y, width along x), projected; its image bounds plus the height.
      const dy = Math.abs(s.vy) >= Math.abs(s.vx) ? size.len : size.wid;
      const dx = dy === size.len ? size.wid : size.len;
      const near = m.heading > 0 ? s.y - dy : s.y; // the end nearest the camera (smallest y)
      const corners = [
        img([s.x - dx / 2, near]),
        img([s.x + dx / 2, near]),
        img([s.x - dx / 2, near + dy]),
        img([s.x + dx / 2, near + dy]),
      ];
      const xs = corners.map((c) => c[0]);
      const ys = corners.map((c) => c[1]);
      const anchorImg = img([s.x, near]);
      const pxPerM = Math.hypot(...sub(img([s.x + 0.5, near]), img([s.x - 0.5, near])));
      const top = Math.min(...ys) - size.hgt * pxPerM;
      const box = clip(
        { x: Math.min(...xs), y: top, w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - top },
        width,
        height,
      );
      if (!box || anchorImg[1] > height || anchorImg[1] < 0) continue;
      const ahead = img([s.x + s.vx * 0.2, near + s.vy * 0.2]);
      const anchor: Point = [box.x + box.w / 2, box.y + box.h];
      const gt: TruthObject = {
        id: m.id,
        cls: m.cls,
        world: h.toWorld(anchor) ?? [s.x, near],
        speedKmh: Math.hypot(s.vx, s.vy) * 3.6,
        velocityPx: [(ahead[0] - anchorImg[0]) / 0.2, (ahead[1] - anchorImg[1]) / 0.2],
        box,
        anchor,
        zoneIds: zones.filter((z) => pointInPolygon(anchor, z.polygon)).map((z) => z.id),
        detected: false,
      };
      truth.push(gt);
      if (noise() < o.missRate) continue;
      const noisy = jitterBox(box, o.jitter, noise, width, height);
      if (!noisy) continue;
      gt.detected = true;
      detections.push({ cls: m.cls, score: 0.5 + 0.45 * noise(), box: noisy });
    }
    const k = poisson(o.falsePositivesPerFrame, noise);
    for (let i = 0; i < k; i++) {
      const w = 30 + 120 * noise();
      detections.push({
        cls: 'car',
        score: 0.2 + 0.4 * noise(),
        box: { x: noise() * (width - w), y: 240 + noise() * (height - 240 - w), w, h: w * 0.7 },
      });
    }
    frames.push({ tsMs, detections, truth });
  }
  // Jam truth from the noise-free traffic in each inbound lane: speeds fall within seconds of the
  // limit dropping, but a packed queue takes a while to discharge once it lifts. Jammed = the zone's
  // true mean speed below 40 % of free flow (HCM's LOS E/F speed band, the level at which the default
  // congestion rule declares a jam), held 5 s.
  if (o.jam) {
    for (let lane = n; lane < 2 * n; lane++) {
      const zoneId = laneId(lane);
      const slow = (f: ScenarioFrame) => {
        const v = f.truth.filter((t) => t.cls !== 'person' && t.zoneIds.includes(zoneId));
        return v.length > 0 && v.reduce((a, t) => a + t.speedKmh, 0) / v.length < 0.4 * o.freeFlowKmh;
      };
      const startMs = sustained(frames, o.jam.fromS * 1000, slow, 5000);
      const clearMs = sustained(frames, o.jam.toS * 1000, (f) => !slow(f), 5000);
      if (startMs !== null)
        expected.push({
          type: 'jam_start',
          zoneId,
          trackId: null,
          atMs: startMs,
          untilMs: clearMs ?? undefined,
        });
      if (clearMs !== null) expected.push({ type: 'jam_clear', zoneId, trackId: null, atMs: clearMs });
    }
  }
  expected.sort((a, b) => a.atMs - b.atMs);
  return {
    options,
    width,
    height,
    scene: {
      lines: [],
      zones,
      calibration: { image: imageCorners, world: worldCorners },
      inertiaFrames: 2,
      frame: { width, height },
    },
    homography: h,
    ground,
    frames,
    expected,
  };
}

/** The first frame time ≥ fromMs from which `test` holds for holdMs, or null. */
function sustained(
  frames: ScenarioFrame[],
  fromMs: number,
  test: (f: ScenarioFrame) => boolean,
  holdMs: number,
): number | null {
  let since: number | null = null;
  for (const f of frames) {
    if (f.tsMs < fromMs) continue;
    if (!test(f)) since = null;
    else {
      since ??= f.tsMs;
      if (f.tsMs - since >= holdMs) return since;
    }
  }
  return null;
}

function along(
  keys: [number, number, number][],
  t: number,
): { x: number; y: number; vx: number; vy: number } | null {
  if (t < keys[0][0] || t > keys[keys.length - 1][0]) return null;
  for (let i = 1; i < keys.length; i++) {
    const [t1, x1, y1] = keys[i];
    if (t > t1) continue;
    const [t0, x0, y0] = keys[i - 1];
    const span = t1 - t0;
    const a = span > 0 ? (t - t0) / span : 1;
    return {
      x: x0 + a * (x1 - x0),
      y: y0 + a * (y1 - y0),
      vx: span > 0 ? (x1 - x0) / span : 0,
      vy: span > 0 ? (y1 - y0) / span : 0,
    };
  }
  return null;
}

function sub(a: Point, b: Point): [number, number] {
  return [a[0] - b[0], a[1] - b[1]];
}
