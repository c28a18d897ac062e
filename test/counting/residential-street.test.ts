import { beforeAll, describe, expect, test } from 'vitest';
import {
  type Comparison,
  compareCounts,
  loadGroundTruth,
  runComparison,
  TOLERANCE,
} from '../../benchmarks/counting/compare.ts';

// The demo's line counts on the bundled sample against hand-annotated ground truth
// (benchmarks/counting/README.md): 8 vehicles down the picture (negative), none up it.
describe('line counts on residential-street.mp4 vs ground truth', () => {
  let c: Comparison;
  beforeAll(async () => {
    c = await runComparison();
  }, 180_000);

  test('the demo succeeds', () => {
    expect(c.demo.exitCode).toBe(0);
  });

  test.each(['negative', 'positive'])('%s: within ±1 of the ground truth', (direction) => {
    const row = c.rows.find((r) => r.direction === direction && r.class === 'all');
    expect(row, `no row for ${direction}`).toBeDefined();
    expect(Math.abs(row?.difference ?? Number.NaN)).toBeLessThanOrEqual(TOLERANCE);
    expect(c.withinTolerance).toBe(true);
  });
});

describe('compareCounts', () => {
  const truth = loadGroundTruth();

  test('the ground truth: 8 negative (7 cars, 1 pickup), 0 positive', () => {
    expect(truth.crossings.filter((x) => x.direction === 'negative')).toHaveLength(8);
    expect(truth.crossings.filter((x) => x.direction === 'positive')).toHaveLength(0);
  });

  test('sums classes per direction, ignores other lines, flags a direction off by more than 1', () => {
    const r = compareCounts(truth, [
      { camera: 'demo', line: 'street', direction: 'negative', class: 'car', count: 5 },
      { camera: 'demo', line: 'street', direction: 'negative', class: 'truck', count: 1 },
      { camera: 'demo', line: 'street', direction: 'positive', class: 'car', count: 1 },
      { camera: 'demo', line: 'other', direction: 'negative', class: 'car', count: 9 },
    ]);
    const all = (d: string) => r.rows.find((x) => x.direction === d && x.class === 'all');
    expect(all('negative')).toMatchObject({ truth: 8, counted: 6, difference: -2 });
    expect(all('positive')).toMatchObject({ truth: 0, counted: 1, difference: 1 });
    expect(r.rows.find((x) => x.direction === 'negative' && x.class === 'truck')).toMatchObject({
      truth: 1,
      counted: 1,
    });
    expect(r.withinTolerance).toBe(false);
  });
});
