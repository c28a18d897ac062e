import type { Point, SceneCalibration, SceneConfig, SceneLine, SceneZone } from '../../schemas/scene.ts';
import { ConfigError } from '../errors/config-error.ts';
import { allCollinear, cross, polygonArea, selfIntersection } from './geometry.ts';
import { Homography } from './homography.ts';

/**
 * Checks what the JSON schema cannot about a scene that already passed `check(SceneConfig, ...)`;
 * throws a ConfigError naming `where` (the config file) and the key, e.g.
 *
 *   cityflow.yaml: cameras[0].scene.zones[1].polygon: self-intersecting: edge 1 (point 1 → 2) crosses edge 3 (point 3 → 0)
 *
 * - ids: unique among lines, and among zones;
 * - lines: from ≠ to;
 * - points inside [0, width] × [0, height] when `frame` is given;
 * - polygons: not all points on one line (zero area), no repeated consecutive points, no two edges
 *   crossing or touching other than neighbours at their shared vertex ({@link selfIntersection});
 * - zone direction: not [0, 0];
 * - calibration: no three image points, and no three world points, collinear; the homography exists
 *   and does not fold (both point sets in the same order round the quadrilateral).
 *
 * `key` prefixes every key (default 'scene'; loadConfig passes e.g. 'cameras[0].scene').
 */
export function validateScene(scene: SceneConfig, where: string, key = 'scene'): void {
  const c = sceneChecks(scene, where, key);
  checkUniqueIds(c, scene);
  for (const [i, line] of scene.lines.entries()) checkLine(c, line, i);
  for (const [i, zone] of scene.zones.entries()) checkZone(c, zone, i);
  if (scene.calibration) checkCalibration(c, scene.calibration);
}

/** The checks every part of a scene shares; each throws a ConfigError naming the key. */
interface SceneChecks {
  fail(k: string, reason: string): never;
  /** Points inside the frame, when the scene gives one. */
  inFrame(k: string, points: readonly Point[]): void;
  finite(k: string, points: readonly Point[]): void;
}

/** The shared checks for a scene, reporting errors under `where` and keys under `key`. */
function sceneChecks(scene: SceneConfig, where: string, key: string): SceneChecks {
  const fail = (k: string, reason: string): never => {
    throw new ConfigError(where, `${key}.${k}`, reason);
  };
  const inFrame = (k: string, points: readonly Point[]) => {
    const f = scene.frame;
    if (!f) return;
    points.forEach((p, i) => {
      if (!(p[0] >= 0 && p[0] <= f.width && p[1] >= 0 && p[1] <= f.height)) {
        const which = points.length > 1 ? `point ${i} ` : '';
        fail(k, `${which}[${p[0]}, ${p[1]}] lies outside the ${f.width}×${f.height} frame`);
      }
    });
  };
  const finite = (k: string, points: readonly Point[]) => {
    for (const p of points) if (!p.every(Number.isFinite)) fail(k, 'coordinates must be finite numbers');
  };
  return { fail, inFrame, finite };
}

/** Line ids unique among lines, zone ids among zones. */
function checkUniqueIds({ fail }: SceneChecks, scene: SceneConfig): void {
  const unique = (kind: 'lines' | 'zones', ids: string[]) => {
    const seen = new Map<string, number>();
    ids.forEach((id, i) => {
      const first = seen.get(id);
      if (first !== undefined) fail(`${kind}[${i}].id`, `duplicate id "${id}" (also ${kind}[${first}])`);
      seen.set(id, i);
    });
  };
  unique(
    'lines',
    scene.lines.map((l) => l.id),
  );
  unique(
    'zones',
    scene.zones.map((z) => z.id),
  );
}

/** Line i: finite, in the frame, of non-zero length. */
function checkLine({ fail, inFrame, finite }: SceneChecks, line: SceneLine, i: number): void {
  finite(`lines[${i}]`, [line.from, line.to]);
  if (line.from[0] === line.to[0] && line.from[1] === line.to[1]) {
    fail(`lines[${i}]`, `line "${line.id}" has zero length (from = to = [${line.from[0]}, ${line.from[1]}])`);
  }
  inFrame(`lines[${i}].from`, [line.from]);
  inFrame(`lines[${i}].to`, [line.to]);
}

/** Zone i: a finite, in-frame, simple polygon of non-zero area, and a non-zero direction. */
function checkZone({ fail, inFrame, finite }: SceneChecks, zone: SceneZone, i: number): void {
  const k = `zones[${i}].polygon`;
  const poly = zone.polygon;
  finite(k, poly);
  inFrame(k, poly);
  if (allCollinear(poly)) fail(k, `zone "${zone.id}" has zero area (all points on one line)`);
  const hit = selfIntersection(poly);
  if (hit) {
    const [a, b] = hit;
    const n = poly.length;
    fail(
      k,
      b === (a + 1) % n && poly[a][0] === poly[b][0] && poly[a][1] === poly[b][1]
        ? `zone "${zone.id}": point ${a} repeats point ${b}`
        : `zone "${zone.id}" is self-intersecting: edge ${a} (point ${a} → ${(a + 1) % n}) meets edge ${b} (point ${b} → ${(b + 1) % n})`,
    );
  }
  if (polygonArea(poly) === 0) fail(k, `zone "${zone.id}" has zero area`);
  if (zone.direction) {
    finite(`zones[${i}].direction`, [zone.direction]);
    if (zone.direction[0] === 0 && zone.direction[1] === 0) {
      fail(`zones[${i}].direction`, `zone "${zone.id}": direction [0, 0] has no direction`);
    }
  }
}

/** Calibration: no three collinear points on either side, and a homography that exists and does not fold. */
function checkCalibration({ fail, inFrame, finite }: SceneChecks, cal: SceneCalibration): void {
  for (const side of ['image', 'world'] as const) {
    const pts = cal[side];
    finite(`calibration.${side}`, pts);
    if (side === 'image') inFrame('calibration.image', pts);
    const triple = collinearTriple(pts);
    if (triple) {
      fail(
        `calibration.${side}`,
        `points ${triple.join(', ')} are collinear (a homography needs no three on a line)`,
      );
    }
  }
  let h: Homography | undefined;
  try {
    h = Homography.fromPoints(cal.image, cal.world);
  } catch (e) {
    fail('calibration', `no usable homography: ${(e as Error).message}`);
  }
  // Points listed in different orders (one quadrilateral convex, the other crossed) still give a
  // homography, but one whose horizon runs through the calibrated area: some points map through infinity.
  if (h && cal.image.some((p) => h.toWorld(p) === null)) {
    fail(
      'calibration',
      'image and world points are not in the same order (the mapping folds the ground plane)',
    );
  }
}

/** The first three of four points that lie on one line (relative tolerance 1e-9), or null. */
function collinearTriple(points: readonly Point[]): [number, number, number] | null {
  for (let a = 0; a < points.length; a++)
    for (let b = a + 1; b < points.length; b++)
      for (let c = b + 1; c < points.length; c++) {
        const [pa, pb, pc] = [points[a], points[b], points[c]];
        const scale = Math.hypot(pb[0] - pa[0], pb[1] - pa[1]) * Math.hypot(pc[0] - pa[0], pc[1] - pa[1]);
        if (Math.abs(cross(pa, pb, pc)) <= 1e-9 * scale) return [a, b, c];
      }
  return null;
}
