import type { SceneZone } from '../../schemas/scene.ts';
import { polygonArea } from '../scene/geometry.ts';
import type { Homography } from '../scene/homography.ts';

/** A zone's size on the ground, for densities. */
export interface ZoneGround {
  /** Road length the zone covers, metres (null: unknown). */
  lengthM: number | null;
  /** Ground area, square metres (null: no calibration). */
  areaM2: number | null;
  lanes: number;
}

/**
 * A zone's road length and area on the ground. Length: `lengthM` when configured; otherwise, with a
 * calibration, the extent of the zone's ground polygon along the lane direction (the direction's
 * image vector mapped to the ground at the zone's centroid):
 *
 *        ground polygon          u = unit lane direction on the ground
 *      ●───────────────●
 *      │ ──────▶ u     │         length = max(p·u) − min(p·u) over the corners p
 *      ●───────────────●
 *
 * and, without a direction, its longest extent along either ground axis.
 */
export function zoneGround(zone: SceneZone, h: Homography | null): ZoneGround {
  const lanes = zone.lanes ?? 1;
  if (!h) return { lengthM: zone.lengthM ?? null, areaM2: null, lanes };
  const ground = zone.polygon.map((p) => h.toWorld(p));
  if (ground.some((p) => p === null)) return { lengthM: zone.lengthM ?? null, areaM2: null, lanes };
  const g = ground as Array<[number, number]>;
  const areaM2 = Math.abs(polygonArea(g));
  if (zone.lengthM) return { lengthM: zone.lengthM, areaM2, lanes };
  let u: [number, number] | null = null;
  if (zone.direction) {
    const n = zone.polygon.length;
    const c: [number, number] = [
      zone.polygon.reduce((s, p) => s + p[0], 0) / n,
      zone.polygon.reduce((s, p) => s + p[1], 0) / n,
    ];
    const scale = 10 / Math.hypot(zone.direction[0], zone.direction[1]);
    const a = h.toWorld(c);
    const b = h.toWorld([c[0] + zone.direction[0] * scale, c[1] + zone.direction[1] * scale]);
    if (a && b) {
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (len > 0) u = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
    }
  }
  const extent = (axis: [number, number]) => {
    const d = g.map((p) => p[0] * axis[0] + p[1] * axis[1]);
    return Math.max(...d) - Math.min(...d);
  };
  const lengthM = u ? extent(u) : Math.max(extent([1, 0]), extent([0, 1]));
  return { lengthM: lengthM > 0 ? lengthM : null, areaM2, lanes };
}
