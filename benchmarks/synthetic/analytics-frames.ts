/**
 * Turns a scenario's ground truth into the AnalyticsFrames the rule engine reads, with the noise a
 * real SceneMeasurer's output has: missed objects, jittered anchors (so zone membership flickers at
 * boundaries), speed errors, speeds unknown for a track's first frames, and short-lived false tracks.
 * It stands in for tracker + measurer (pipeline/measure/) in the rule engine's tests and benchmark;
 * zone membership by pointInPolygon on the noisy anchor, world position through the homography.
 *
 * @example
 *   const s = generateScenario({ seed: 1, fps: 5, durationS: 300 });
 *   for (const frame of analyticsFrames(s, { cameraId: 'cam' })) engine.update(frame);
 */
import { pointInPolygon } from '../../pipeline/scene/geometry.ts';
import type { AnalyticsFrame, SceneObject, ZoneSample } from '../../schemas/analytics.ts';
import { type ProductClass, VEHICLE_CLASSES } from '../../schemas/classes.ts';
import type { Point } from '../../schemas/scene.ts';
import { gauss, mulberry32 } from '../tracking/synthetic-scene.ts';
import type { Scenario } from './scene-generator.ts';

export interface AnalyticsNoise {
  cameraId?: string;
  sourceId?: string;
  /** Share of objects missing from a frame (default 0.1). */
  missRate?: number;
  /** Anchor noise std, share of the box size (default 0.03). */
  jitter?: number;
  /** Relative speed error std (default 0.1) plus an absolute one, km/h (default 1). */
  speedError?: number;
  speedErrorKmh?: number;
  /** Frames of a track before its speed is known (default 3). */
  speedAfterFrames?: number;
  /** New false tracks per frame, each lasting 1-3 frames (default 0.05). */
  falseTracksPerFrame?: number;
  /** Frames per segment, for AnalyticsFrame.segment (default 50: 10 s at 5 fps). */
  segmentFrames?: number;
  /** Seed of the noise (default: the scenario's seed). */
  seed?: number;
}

/** Passenger-car units per class (HCM-style equivalents for urban streets). */
export const PCU: Record<ProductClass, number> = {
  car: 1,
  motorcycle: 0.4,
  bicycle: 0.2,
  bus: 2,
  truck: 2,
  person: 0,
};
const VEHICLE = new Set<ProductClass>(VEHICLE_CLASSES);

export function analyticsFrames(s: Scenario, options: AnalyticsNoise = {}): AnalyticsFrame[] {
  const o = {
    cameraId: 'synthetic',
    sourceId: 'synthetic-source',
    missRate: 0.1,
    jitter: 0.03,
    speedError: 0.1,
    speedErrorKmh: 1,
    speedAfterFrames: 3,
    falseTracksPerFrame: 0.05,
    segmentFrames: 50,
    seed: s.options.seed,
    ...options,
  };
  const rnd = mulberry32(o.seed ^ 0x2545f491);
  const seen = new Map<number, number>();
  const ghosts: { obj: SceneObject; left: number }[] = [];
  let ghostId = 1_000_000;
  const out: AnalyticsFrame[] = [];
  for (const [i, f] of s.frames.entries()) {
    const objects: SceneObject[] = [];
    for (const t of f.truth) {
      const n = (seen.get(t.id) ?? 0) + 1;
      seen.set(t.id, n);
      if (rnd() < o.missRate) continue;
      const anchor: Point = [
        t.anchor[0] + gauss(rnd) * o.jitter * t.box.w,
        t.anchor[1] + gauss(rnd) * o.jitter * t.box.h,
      ];
      const box = { ...t.box, x: anchor[0] - t.box.w / 2, y: anchor[1] - t.box.h };
      const speed = t.speedKmh * (1 + o.speedError * gauss(rnd)) + o.speedErrorKmh * gauss(rnd);
      const known = n > o.speedAfterFrames;
      objects.push({
        trackId: t.id,
        cls: t.cls,
        box,
        anchor,
        world: s.homography.toWorld(anchor),
        speedKmh: known ? Math.max(0, speed) : null,
        velocityPx: known
          ? [
              t.velocityPx[0] * (1 + o.speedError * gauss(rnd)),
              t.velocityPx[1] * (1 + o.speedError * gauss(rnd)),
            ]
          : null,
      });
    }
    for (let g = ghosts.length - 1; g >= 0; g--) if (--ghosts[g].left <= 0) ghosts.splice(g, 1);
    if (rnd() < o.falseTracksPerFrame) {
      const w = 40 + 80 * rnd();
      const x = rnd() * (s.width - w);
      const y = 300 + rnd() * (s.height - 400);
      const anchor: Point = [x + w / 2, y + 0.7 * w];
      ghosts.push({
        left: 1 + Math.floor(3 * rnd()),
        obj: {
          trackId: ghostId++,
          cls: 'car',
          box: { x, y, w, h: 0.7 * w },
          anchor,
          world: s.homography.toWorld(anchor),
          speedKmh: null,
          velocityPx: null,
        },
      });
    }
    for (const g of ghosts) objects.push(g.obj);
    out.push({
      cameraId: o.cameraId,
      sourceId: o.sourceId,
      segment: Math.floor(i / o.segmentFrames),
      tsMs: f.tsMs,
      objects,
      zones: zoneSamples(s, objects),
    });
  }
  return out;
}

/** Per-zone samples of a frame's objects, as the measurer reports them. */
export function zoneSamples(s: Scenario, objects: SceneObject[]): ZoneSample[] {
  return s.scene.zones.map((z) => {
    const g = s.ground.find((x) => x.zoneId === z.id);
    const inside = objects.filter((ob) => pointInPolygon(ob.anchor, z.polygon));
    const vehicles = inside.filter((ob) => VEHICLE.has(ob.cls));
    const speeds = vehicles.map((v) => v.speedKmh).filter((v): v is number => v !== null);
    const pcu = vehicles.reduce((a, v) => a + PCU[v.cls], 0);
    const persons = inside.length - vehicles.length;
    return {
      zoneId: z.id,
      kind: z.kind ?? 'area',
      trackIds: inside.map((ob) => ob.trackId),
      vehicles: vehicles.length,
      persons,
      pcu,
      meanSpeedKmh: speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null,
      densityPcuKm: g ? pcu / (g.lengthM / 1000) / g.lanes : null,
      personsPerM2: g ? persons / g.areaM2 : null,
    };
  });
}
