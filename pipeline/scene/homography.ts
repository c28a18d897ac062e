import type { Point } from '../../schemas/scene.ts';

/** A row-major 3×3 matrix. */
export type Matrix3 = [number, number, number, number, number, number, number, number, number];

/**
 * A plane-to-plane projective mapping (image pixels → ground metres) from four point pairs, by the
 * direct linear transform with h₃₃ = 1: each pair (x, y) → (u, v) gives two linear equations in the
 * other eight entries,
 *
 *   [ x  y  1  0  0  0  −u·x  −u·y ] h = u        u = (h₁₁x + h₁₂y + h₁₃) / (h₃₁x + h₃₂y + 1)
 *   [ 0  0  0  x  y  1  −v·x  −v·y ] h = v        v = (h₂₁x + h₂₂y + h₂₃) / (h₃₁x + h₃₂y + 1)
 *
 * solved by Gaussian elimination with partial pivoting. Both point sets are first normalised
 * (Hartley: centroid to the origin, mean distance √2) so pixel and metre magnitudes do not ruin the
 * conditioning. Four points fix the mapping exactly; it is singular when three of either set are
 * collinear.
 *
 *   image (pixels)                   ground (metres)
 *      0 ●────────● 1                 0 ●──────────● 1
 *       ╱          ╲       H          │            │
 *    3 ●────────────● 2   ──▶         3 ●──────────● 2
 *
 * @example
 *   const h = Homography.fromPoints(
 *     [[800, 400], [1100, 400], [1700, 1000], [200, 1000]], // lane markings in the picture
 *     [[0, 0], [3.5, 0], [3.5, 30], [0, 30]],               // the same corners on the road, metres
 *   );
 *   const [x, y] = h.toWorld([950, 700]) ?? [NaN, NaN];
 */
export class Homography {
  /** Image → world, row-major, h₃₃ = 1. */
  readonly matrix: Matrix3;
  private readonly inverse: Matrix3;
  /** Sign of the projective w at the calibration points: image points with the other sign lie beyond the horizon. */
  private readonly wSign: number;

  constructor(matrix: Matrix3, referencePoint: Point) {
    const inv = invert3(matrix);
    if (!inv) throw new RangeError('Homography: the matrix is singular');
    this.matrix = matrix;
    this.inverse = inv;
    const w = matrix[6] * referencePoint[0] + matrix[7] * referencePoint[1] + matrix[8];
    this.wSign = Math.sign(w) || 1;
  }

  /** The homography taking each image[i] to world[i]; throws a RangeError when none or a singular one exists. */
  static fromPoints(image: readonly Point[], world: readonly Point[]): Homography {
    if (image.length !== 4 || world.length !== 4) {
      throw new RangeError(
        `Homography: need 4 image and 4 world points, got ${image.length} and ${world.length}`,
      );
    }
    const [ti, ni] = normaliser(image);
    const [tw, nw] = normaliser(world);
    const a: number[][] = [];
    for (let k = 0; k < 4; k++) {
      const [x, y] = ni[k];
      const [u, v] = nw[k];
      a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
      a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
    }
    const h = solve(a);
    if (!h) throw new RangeError('Homography: the points do not determine a mapping (three are collinear)');
    const hn: Matrix3 = [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1];
    // Judged in normalised coordinates, where a good mapping's rows are of similar size.
    if (!invert3(hn, 1e-9)) throw new RangeError('Homography: the mapping is singular');
    const twInv = invert3(tw);
    if (!twInv) throw new RangeError('Homography: the world points are degenerate');
    const m = mul3(twInv, mul3(hn, ti));
    if (!(Math.abs(m[8]) > 1e-12))
      throw new RangeError('Homography: the mapping sends the image origin to infinity');
    const scaled = m.map((x) => x / m[8]) as Matrix3;
    if (!scaled.every(Number.isFinite)) throw new RangeError('Homography: the mapping is not finite');
    const c: Point = [
      (image[0][0] + image[1][0] + image[2][0] + image[3][0]) / 4,
      (image[0][1] + image[1][1] + image[2][1] + image[3][1]) / 4,
    ];
    return new Homography(scaled, c);
  }

  /** The ground point (metres) under an image point, or null when the point lies on or beyond the horizon. */
  toWorld(p: Point): Point | null {
    return apply(this.matrix, p, this.wSign);
  }

  /** The image point (pixels) of a ground point, or null when it would be at infinity. */
  toImage(p: Point): Point | null {
    const m = this.inverse;
    const w = m[6] * p[0] + m[7] * p[1] + m[8];
    if (Math.abs(w) < 1e-12) return null;
    return [(m[0] * p[0] + m[1] * p[1] + m[2]) / w, (m[3] * p[0] + m[4] * p[1] + m[5]) / w];
  }
}

function apply(m: Matrix3, p: Point, wSign: number): Point | null {
  const w = m[6] * p[0] + m[7] * p[1] + m[8];
  if (!(w * wSign > 1e-12)) return null;
  return [(m[0] * p[0] + m[1] * p[1] + m[2]) / w, (m[3] * p[0] + m[4] * p[1] + m[5]) / w];
}

/** Hartley normalisation: the similarity T moving the centroid to 0 and the mean distance to √2, and T·points. */
function normaliser(points: readonly Point[]): [Matrix3, Point[]] {
  const cx = points.reduce((s, p) => s + p[0], 0) / points.length;
  const cy = points.reduce((s, p) => s + p[1], 0) / points.length;
  const mean = points.reduce((s, p) => s + Math.hypot(p[0] - cx, p[1] - cy), 0) / points.length;
  const s = mean > 0 ? Math.SQRT2 / mean : 1;
  return [
    [s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1],
    points.map((p): Point => [s * (p[0] - cx), s * (p[1] - cy)]),
  ];
}

/**
 * Solves the n×n system given as n rows of [A | b] by Gaussian elimination with partial pivoting
 * (in place); null when a pivot is below 1e-10 relative to the largest entry of A (singular).
 */
export function solve(rows: number[][]): number[] | null {
  const n = rows.length;
  let scale = 0;
  for (const r of rows) for (let c = 0; c < n; c++) scale = Math.max(scale, Math.abs(r[c]));
  if (!(scale > 0)) return null;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(rows[r][col]) > Math.abs(rows[pivot][col])) pivot = r;
    if (!(Math.abs(rows[pivot][col]) > 1e-10 * scale)) return null;
    [rows[col], rows[pivot]] = [rows[pivot], rows[col]];
    const p = rows[col];
    for (let r = col + 1; r < n; r++) {
      const f = rows[r][col] / p[col];
      if (f === 0) continue;
      for (let c = col; c <= n; c++) rows[r][c] -= f * p[c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = rows[r][n];
    for (let c = r + 1; c < n; c++) s -= rows[r][c] * x[c];
    x[r] = s / rows[r][r];
  }
  return x;
}

function mul3(a: Matrix3, b: Matrix3): Matrix3 {
  const m = new Array<number>(9).fill(0) as Matrix3;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      m[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return m;
}

/**
 * The inverse by cofactors, or null when singular: |det| ≤ relTol × the product of the row norms
 * (Hadamard's bound on |det|; the ratio is 1 for orthogonal rows and 0 for dependent ones).
 */
function invert3(m: Matrix3, relTol = 0): Matrix3 | null {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  const bound = Math.hypot(a, b, c) * Math.hypot(d, e, f) * Math.hypot(g, h, i);
  if (!(Number.isFinite(det) && Math.abs(det) > relTol * bound)) return null;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}
