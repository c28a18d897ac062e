import type { AnalyticsFrame, SceneObject, ZoneSample } from '../../schemas/analytics.ts';
import type { ProductClass } from '../../schemas/classes.ts';

/** A zone sample with the given measures (the rest empty). */
export function zone(zoneId: string, m: Partial<ZoneSample> = {}): ZoneSample {
  return {
    zoneId,
    kind: 'lane',
    trackIds: [],
    vehicles: 0,
    persons: 0,
    pcu: 0,
    meanSpeedKmh: null,
    densityPcuKm: null,
    personsPerM2: null,
    ...m,
  };
}

/** An object at an anchor, with a speed (km/h) and/or image velocity. */
export function obj(
  trackId: number,
  anchor: [number, number],
  m: { cls?: ProductClass; speedKmh?: number | null; velocityPx?: [number, number] | null } = {},
): SceneObject {
  return {
    trackId,
    cls: m.cls ?? 'car',
    box: { x: anchor[0] - 40, y: anchor[1] - 60, w: 80, h: 60 },
    anchor,
    world: null,
    speedKmh: m.speedKmh ?? null,
    velocityPx: m.velocityPx ?? null,
  };
}

/** A frame where the given objects are all inside `zoneId`. */
export function frame(
  tsMs: number,
  objects: SceneObject[],
  zoneId = 'lane',
  cameraId = 'cam',
): AnalyticsFrame {
  const vehicles = objects.filter((o) => o.cls !== 'person');
  return {
    cameraId,
    sourceId: 'src',
    segment: Math.floor(tsMs / 10_000),
    tsMs,
    objects,
    zones: [
      zone(zoneId, {
        trackIds: objects.map((o) => o.trackId),
        vehicles: vehicles.length,
        persons: objects.length - vehicles.length,
        pcu: vehicles.length,
      }),
    ],
  };
}

/** Frame times at `fps` from fromS (inclusive) to toS (exclusive), ms. */
export function times(fromS: number, toS: number, fps = 5): number[] {
  const out: number[] = [];
  for (let t = Math.round(fromS * fps); t < Math.round(toS * fps); t++)
    out.push(Math.round((t * 1000) / fps));
  return out;
}
