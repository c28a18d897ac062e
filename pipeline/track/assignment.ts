/**
 * Minimum-cost assignment (the Hungarian method, O(n²·m) with potentials, after Kuhn–Munkres and
 * Jonker–Volgenant's shortest augmenting paths) on a row-major rows×cols cost matrix.
 *
 *            col 0  col 1  col 2
 *   row 0  [  0.2    0.9    ∞  ]      rows = tracks, cols = detections
 *   row 1  [  0.1    0.3    ∞  ]  ──▶ row 0 → col 0, row 1 → col 1 (total 0.5, not 0.1 + 0.9)
 *
 * Assigns min(rows, cols) pairs. Costs must be finite; see {@link matchWithLimit} for forbidden pairs.
 * Returns, for each row, its column or -1.
 *
 * @example
 *   solveAssignment([0.2, 0.9, 0.1, 0.3], 2, 2); // Int32Array [0, 1]
 */
export function solveAssignment(cost: ArrayLike<number>, rows: number, cols: number): Int32Array {
  if (!(Number.isInteger(rows) && rows >= 0 && Number.isInteger(cols) && cols >= 0)) {
    throw new RangeError(`solveAssignment: rows and cols must be integers >= 0, got ${rows}×${cols}`);
  }
  if (cost.length !== rows * cols) {
    throw new RangeError(`solveAssignment: cost has ${cost.length} values, expected ${rows}×${cols}`);
  }
  const result = new Int32Array(rows).fill(-1);
  if (rows === 0 || cols === 0) return result;
  // The method wants n ≤ m; transpose otherwise.
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const a = (i: number, j: number): number => (transpose ? cost[j * cols + i] : cost[i * cols + j]);
  for (let k = 0; k < cost.length; k++) {
    if (!Number.isFinite(cost[k])) throw new RangeError(`solveAssignment: cost[${k}] is not finite`);
  }
  // 1-based, column 0 is a virtual column; p[j] = row matched to column j.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    if (transpose) result[j - 1] = p[j] - 1;
    else result[p[j] - 1] = j - 1;
  }
  return result;
}

export interface Matching {
  /** [row, col] pairs, by row. */
  matches: [number, number][];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/**
 * Optimal partial matching: pairs cost < maxCost may be matched, others (including Infinity and NaN)
 * never are. Minimises Σ(cost − maxCost) over the matched pairs, i.e. leaving a row or column
 * unmatched costs maxCost / 2 each — the same trade-off as lapjv's cost_limit in ByteTrack.
 *
 * @example
 *   matchWithLimit([0.2, Infinity, 0.9, 0.95], 2, 2, 0.8);
 *   // { matches: [[0, 0]], unmatchedRows: [1], unmatchedCols: [1] }
 */
export function matchWithLimit(
  cost: ArrayLike<number>,
  rows: number,
  cols: number,
  maxCost: number,
): Matching {
  if (!Number.isFinite(maxCost))
    throw new RangeError(`matchWithLimit: maxCost must be finite, got ${maxCost}`);
  // Pairs at or above the limit are worth exactly as much as no match: clamp, then drop them.
  const clamped = new Float64Array(rows * cols);
  for (let k = 0; k < clamped.length; k++) {
    const c = cost[k];
    clamped[k] = Number.isNaN(c) ? maxCost : Math.min(c, maxCost);
  }
  const byRow = solveAssignment(clamped, rows, cols);
  const matches: [number, number][] = [];
  const colUsed = new Uint8Array(cols);
  const unmatchedRows: number[] = [];
  for (let r = 0; r < rows; r++) {
    const c = byRow[r];
    if (c >= 0 && clamped[r * cols + c] < maxCost) {
      matches.push([r, c]);
      colUsed[c] = 1;
    } else {
      unmatchedRows.push(r);
    }
  }
  const unmatchedCols: number[] = [];
  for (let c = 0; c < cols; c++) if (!colUsed[c]) unmatchedCols.push(c);
  return { matches, unmatchedRows, unmatchedCols };
}
