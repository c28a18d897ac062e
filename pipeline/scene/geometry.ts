/**
 * Plane geometry for scene lines and zones, in source pixels (y grows downwards). Exact for integer
 * coordinates (every test is a sign of a product of differences); no tolerance unless stated.
 */
import type { Box } from '../../schemas/detection.ts';
import type { Point } from '../../schemas/scene.ts';

/**
 * The z component of (b − a) × (p − a): > 0 when p lies to the right of a→b as seen on the screen
 * (y down), < 0 to the left, 0 on the line through a and b.
 *
 *        cross < 0 (left)
 *   a ●━━━━━━━━━━━━━▶● b
 *        cross > 0 (right)
 */
export function cross(a: Point, b: Point, p: Point): number {
  return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
}

/** Where a tracked object touches the ground: the bottom-centre of its box. */
export function bottomCentre(box: Box): Point {
  return [box.x + box.w / 2, box.y + box.h];
}

/** Whether p, known to be collinear with a and b, lies on the closed segment a–b. */
function onSegment(a: Point, b: Point, p: Point): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] &&
    p[1] <= Math.max(a[1], b[1])
  );
}

/**
 * Whether the closed segments p1–p2 and q1–q2 share at least one point (touching counts). The
 * orientation test: they cross properly when q1 and q2 lie strictly on opposite sides of p1–p2 AND
 * p1 and p2 strictly on opposite sides of q1–q2; otherwise they meet only if an endpoint of one lies
 * on the other (orientation 0 and inside the bounding box).
 *
 *   q1 ●            proper: sign(cross(p1,p2,q1)) ≠ sign(cross(p1,p2,q2))
 *        ╲   p2          and sign(cross(q1,q2,p1)) ≠ sign(cross(q1,q2,p2))
 *   p1 ●━━╳━━●
 *          ╲
 *           ● q2
 */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = Math.sign(cross(p1, p2, q1));
  const d2 = Math.sign(cross(p1, p2, q2));
  const d3 = Math.sign(cross(q1, q2, p1));
  const d4 = Math.sign(cross(q1, q2, p2));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (
    (d1 === 0 && onSegment(p1, p2, q1)) ||
    (d2 === 0 && onSegment(p1, p2, q2)) ||
    (d3 === 0 && onSegment(q1, q2, p1)) ||
    (d4 === 0 && onSegment(q1, q2, p2))
  );
}

/** Signed area by the shoelace formula: > 0 for clockwise points on the screen (y down), < 0 anticlockwise. */
export function polygonArea(polygon: readonly Point[]): number {
  let s = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    s += polygon[j][0] * polygon[i][1] - polygon[i][0] * polygon[j][1];
  }
  return s / 2;
}

/**
 * The first pair of edges (indices of their start points) that intersect other than at a shared
 * vertex, or null for a simple polygon. Edge i runs from point i to point i+1 (the last back to 0).
 * Every pair of non-adjacent edges is tested with {@link segmentsIntersect} (O(n²), fine for the
 * handful of points a zone has); two adjacent edges meet at their shared vertex by construction, so
 * they count only when they fold back over each other (collinear, pointing opposite ways), or when
 * an edge has zero length (a repeated point: reported first, as [i, i + 1]).
 *
 *   0 ●━━━━━━● 1       the points 0,1,2,3 in this order make a bow tie:
 *       ╲   ╱          edge 1 (1→2) and edge 3 (3→0) cross in the middle
 *         ╳
 *       ╱   ╲
 *   2 ●━━━━━━● 3
 */
export function selfIntersection(polygon: readonly Point[]): [number, number] | null {
  const n = polygon.length;
  const at = (i: number) => polygon[i % n];
  for (let i = 0; i < n; i++) {
    const a = at(i);
    const b = at(i + 1);
    if (a[0] === b[0] && a[1] === b[1]) return [i, (i + 1) % n];
  }
  for (let i = 0; i < n; i++) {
    const a = at(i);
    const b = at(i + 1);
    for (let j = i + 1; j < n; j++) {
      const c = at(j);
      const d = at(j + 1);
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (!adjacent) {
        if (segmentsIntersect(a, b, c, d)) return [i, j];
        continue;
      }
      // Adjacent: shared vertex is b (j = i+1) or a (i = 0, j = n−1). Fold-back = collinear, opposite.
      const [shared, u, v] = j === i + 1 ? [b, a, d] : [a, b, c];
      const ux = u[0] - shared[0];
      const uy = u[1] - shared[1];
      const vx = v[0] - shared[0];
      const vy = v[1] - shared[1];
      if (ux * vy - uy * vx === 0 && ux * vx + uy * vy > 0) return [i, j];
    }
  }
  return null;
}

/**
 * Whether all points lie on one straight line, within a relative tolerance: with a the first point and
 * b the first point distinct from it, every p has |cross(a, b, p)| ≤ eps·|b − a|·|p − a| (the sine of
 * the angle between a→b and a→p is at most eps).
 */
export function allCollinear(points: readonly Point[], eps = 1e-9): boolean {
  const a = points[0];
  const b = points.find((p) => p[0] !== a[0] || p[1] !== a[1]);
  if (!b) return true;
  const lab = Math.hypot(b[0] - a[0], b[1] - a[1]);
  return points.every((p) => Math.abs(cross(a, b, p)) <= eps * lab * Math.hypot(p[0] - a[0], p[1] - a[1]));
}

/**
 * Point-in-polygon by ray casting (even–odd rule): cast a ray from p towards +x and count the edges
 * it crosses; odd = inside. An edge counts when it straddles the ray's y half-open — one end
 * strictly above p, the other at or below — so a ray through a vertex counts it exactly once and
 * horizontal edges never count. The crossing's x is compared with p's: only edges to the right count.
 *
 *        ┌───────────┐
 *        │   p ●─────┼──────▶  1 crossing: inside
 *        │           │
 *    q ●─┼───────────┼──────▶  2 crossings: outside
 *        └───────────┘
 *
 * Points exactly on an edge are inside on some edges and outside on others (consistently, so two
 * zones sharing an edge never both contain a point on it); a bottom-centre anchor is rarely exact.
 */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  const [x, y] = p;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
