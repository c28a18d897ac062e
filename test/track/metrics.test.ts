import { describe, expect, test } from 'vitest';
import { type IdBox, motMetrics } from '../../benchmarks/tracking/metrics.ts';

const at = (id: number, x: number): IdBox => ({ id, box: { x, y: 0, w: 10, h: 10 } });

describe('motMetrics', () => {
  test('perfect tracking', () => {
    const frames = [0, 1, 2].map((f) => ({
      truth: [at(1, f), at(2, 50 + f)],
      hypotheses: [at(7, f), at(8, 50 + f)],
    }));
    const r = motMetrics(frames);
    expect(r).toMatchObject({ mota: 1, idf1: 1, fp: 0, fn: 0, idSwitches: 0, gt: 6, matches: 6 });
  });

  test('misses, a false positive and an id switch', () => {
    // Truth 1 over 4 frames; the tracker misses frame 1, switches id at frame 3, and adds one stray box.
    const frames = [
      { truth: [at(1, 0)], hypotheses: [at(10, 0)] },
      { truth: [at(1, 1)], hypotheses: [] },
      { truth: [at(1, 2)], hypotheses: [at(10, 2), at(99, 500)] },
      { truth: [at(1, 3)], hypotheses: [at(11, 3)] },
    ];
    const r = motMetrics(frames);
    expect(r).toMatchObject({ gt: 4, matches: 3, fn: 1, fp: 1, idSwitches: 1 });
    expect(r.mota).toBeCloseTo(1 - 3 / 4, 12);
    // Best id map: 1↔10 for 2 frames. IDTP 2, IDFN 4−2 = 2, IDFP 4 hypotheses − 2 = 2.
    expect(r).toMatchObject({ idtp: 2, idfn: 2, idfp: 2 });
    expect(r.idf1).toBeCloseTo(4 / 8, 12);
  });

  test('IoU below 0.5 is no match', () => {
    // Offset 4 of 10: IoU = 60 / 140 < 0.5. Offset 3: IoU = 70 / 130 > 0.5.
    expect(motMetrics([{ truth: [at(1, 0)], hypotheses: [at(5, 4)] }])).toMatchObject({
      fn: 1,
      fp: 1,
      mota: -1,
    });
    expect(motMetrics([{ truth: [at(1, 0)], hypotheses: [at(5, 3)] }])).toMatchObject({
      fn: 0,
      fp: 0,
      mota: 1,
    });
  });

  test('a kept correspondence wins over a better-overlapping newcomer (no switch)', () => {
    const frames = [
      { truth: [at(1, 0)], hypotheses: [at(10, 0)] },
      { truth: [at(1, 0)], hypotheses: [at(10, 3), at(11, 0)] },
    ];
    expect(motMetrics(frames)).toMatchObject({ idSwitches: 0, matches: 2, fp: 1 });
  });

  test('IDF1 picks the globally best id map', () => {
    // Truth 1 is hyp 10 for 1 frame then hyp 11 for 3; truth 2 is hyp 10 for 2 frames.
    // Global optimum: 1↔11 (3) + 2↔10 (2) = 5, not 1↔10 first.
    const frames = [
      { truth: [at(1, 0), at(2, 100)], hypotheses: [at(10, 0)] },
      { truth: [at(1, 0), at(2, 100)], hypotheses: [at(11, 0), at(10, 100)] },
      { truth: [at(1, 0), at(2, 100)], hypotheses: [at(11, 0), at(10, 100)] },
      { truth: [at(1, 0)], hypotheses: [at(11, 0)] },
    ];
    const r = motMetrics(frames);
    expect(r.idtp).toBe(5);
    // GT 7, hypotheses 6: IDF1 = 10 / 13.
    expect(r.idf1).toBeCloseTo(10 / 13, 12);
  });
});
