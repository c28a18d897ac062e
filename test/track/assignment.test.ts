import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../benchmarks/tracking/synthetic-scene.ts';
import { matchWithLimit, solveAssignment } from '../../pipeline/track/assignment.ts';

/** Minimum total cost of assigning min(rows, cols) pairs, by trying every permutation. */
function bruteForce(cost: number[], rows: number, cols: number): number {
  let best = Number.POSITIVE_INFINITY;
  const usedCols = new Set<number>();
  const rec = (r: number, sum: number, left: number) => {
    if (left === 0) {
      best = Math.min(best, sum);
      return;
    }
    if (rows - r < left) return;
    // Row r skipped (only possible when rows > cols)…
    rec(r + 1, sum, left);
    // …or assigned.
    for (let c = 0; c < cols; c++) {
      if (usedCols.has(c)) continue;
      usedCols.add(c);
      rec(r + 1, sum + cost[r * cols + c], left - 1);
      usedCols.delete(c);
    }
  };
  rec(0, 0, Math.min(rows, cols));
  return best;
}

describe('solveAssignment', () => {
  test('the documented example', () => {
    expect(Array.from(solveAssignment([0.2, 0.9, 0.1, 0.3], 2, 2))).toEqual([0, 1]);
  });

  test('empty and degenerate shapes', () => {
    expect(Array.from(solveAssignment([], 0, 3))).toEqual([]);
    expect(Array.from(solveAssignment([], 2, 0))).toEqual([-1, -1]);
    expect(Array.from(solveAssignment([5], 1, 1))).toEqual([0]);
  });

  test('matches brute force on random square and rectangular matrices', () => {
    const rnd = mulberry32(3);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(rnd() * 6);
      const cols = 1 + Math.floor(rnd() * 6);
      // Integer costs make ties common, which is where bugs hide.
      const cost = Array.from({ length: rows * cols }, () => Math.floor(rnd() * 10));
      const a = solveAssignment(cost, rows, cols);
      const seen = new Set<number>();
      let total = 0;
      let assigned = 0;
      for (let r = 0; r < rows; r++) {
        if (a[r] < 0) continue;
        expect(seen.has(a[r])).toBe(false);
        seen.add(a[r]);
        total += cost[r * cols + a[r]];
        assigned++;
      }
      expect(assigned).toBe(Math.min(rows, cols));
      expect(total).toBe(bruteForce(cost, rows, cols));
    }
  });

  test('rejects bad input', () => {
    expect(() => solveAssignment([1, 2, 3], 2, 2)).toThrow(/expected 2×2/);
    expect(() => solveAssignment([1, Number.POSITIVE_INFINITY], 1, 2)).toThrow(/not finite/);
    expect(() => solveAssignment([], -1, 0)).toThrow(/integers/);
  });
});

describe('matchWithLimit', () => {
  test('the documented example: forbidden and too-costly pairs stay unmatched', () => {
    expect(matchWithLimit([0.2, Number.POSITIVE_INFINITY, 0.9, 0.95], 2, 2, 0.8)).toEqual({
      matches: [[0, 0]],
      unmatchedRows: [1],
      unmatchedCols: [1],
    });
  });

  test('prefers two cheap matches over one very cheap one', () => {
    // Greedy takes (0,0)=0.0 and is left with (1,1)=∞; optimal takes (0,1) and (1,0).
    const m = matchWithLimit([0, 0.3, 0.3, Number.POSITIVE_INFINITY], 2, 2, 0.8);
    expect(m.matches).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  test('all forbidden', () => {
    expect(matchWithLimit([Number.NaN, Number.POSITIVE_INFINITY], 1, 2, 1)).toEqual({
      matches: [],
      unmatchedRows: [0],
      unmatchedCols: [0, 1],
    });
  });
});
