import { describe, expect, test } from 'vitest';
import { type Segment, segmentFrames, segmentIndex } from '../../pipeline/extract/segmenter.ts';

interface F {
  time: { ptsMs: number; tsMs: number };
  n: number;
}

async function* framesAt(pts: number[], failAfter?: { count: number; error: Error }): AsyncGenerator<F> {
  for (let i = 0; i < pts.length; i++) {
    if (failAfter && i === failAfter.count) throw failAfter.error;
    yield { time: { ptsMs: pts[i], tsMs: 1000 + pts[i] }, n: i };
  }
  if (failAfter && failAfter.count >= pts.length) throw failAfter.error;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const summary = (s: Segment<F>[]) =>
  s.map((x) => [x.index, x.startPtsMs, x.endPtsMs, x.frames.map((f) => f.n), x.last]);

describe('segmentFrames', () => {
  test('groups by PTS window, half-open [i*ms, (i+1)*ms), and marks the last', async () => {
    // 5 fps for 2.2 s into 1 s segments: 0..800 | 1000..1800 | 2000..2200
    const pts = Array.from({ length: 12 }, (_, i) => i * 200);
    const segs = await collect(segmentFrames(framesAt(pts), 1000));
    expect(summary(segs)).toEqual([
      [0, 0, 1000, [0, 1, 2, 3, 4], false],
      [1, 1000, 2000, [5, 6, 7, 8, 9], false],
      [2, 2000, 3000, [10, 11], true],
    ]);
    expect(segs.every((s) => s.error === undefined)).toBe(true);
  });

  test('numbering depends only on PTS: a run starting later, or with gaps, keeps the indexes', async () => {
    const segs = await collect(segmentFrames(framesAt([2500, 2700, 7100, 7300]), 1000));
    expect(summary(segs)).toEqual([
      [2, 2000, 3000, [0, 1], false],
      [7, 7000, 8000, [2, 3], true],
    ]);
  });

  test('same input, same segments (deterministic)', async () => {
    const pts = Array.from({ length: 50 }, (_, i) => (i * 1000) / 3); // 3 fps: 333.33… ms steps
    const a = summary(await collect(segmentFrames(framesAt(pts), 2000)));
    const b = summary(await collect(segmentFrames(framesAt(pts), 2000)));
    expect(a).toEqual(b);
    expect(a[0][3]).toEqual([0, 1, 2, 3, 4, 5]); // 0 … 1666.7; 2000 opens segment 1
    expect(a[1][3]).toEqual([6, 7, 8, 9, 10, 11]);
  });

  test('a single segment is also the last; an empty source yields nothing', async () => {
    expect(summary(await collect(segmentFrames(framesAt([0, 200]), 10_000)))).toEqual([
      [0, 0, 10_000, [0, 1], true],
    ]);
    expect(await collect(segmentFrames(framesAt([]), 1000))).toEqual([]);
  });

  test('a failing source: the partial segment comes with the error and last=true, then the error is thrown', async () => {
    const boom = new Error('decoder died');
    const got: Segment<F>[] = [];
    let thrown: unknown;
    try {
      for await (const s of segmentFrames(
        framesAt([0, 400, 800, 1200, 1600, 2000], { count: 4, error: boom }),
        1000,
      )) {
        got.push(s);
      }
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(boom);
    expect(summary(got)).toEqual([
      [0, 0, 1000, [0, 1, 2], false],
      [1, 1000, 2000, [3], true],
    ]);
    expect(got[0].error).toBeUndefined();
    expect(got[1].error).toBe(boom);
  });

  test('a source failing before any frame just throws', async () => {
    const boom = new Error('not found');
    await expect(collect(segmentFrames(framesAt([0], { count: 0, error: boom }), 1000))).rejects.toBe(boom);
  });

  test('breaking out stops the source', async () => {
    let finished = false;
    async function* src(): AsyncGenerator<F> {
      try {
        for (let i = 0; ; i++) yield { time: { ptsMs: i * 200, tsMs: i * 200 }, n: i };
      } finally {
        finished = true;
      }
    }
    for await (const s of segmentFrames(src(), 1000)) {
      if (s.index === 2) break;
    }
    expect(finished).toBe(true);
  });

  test('rejects bad sizes and out-of-order frames', async () => {
    await expect(collect(segmentFrames(framesAt([0]), 0))).rejects.toThrow(RangeError);
    await expect(collect(segmentFrames(framesAt([0]), Number.NaN))).rejects.toThrow(RangeError);
    await expect(collect(segmentFrames(framesAt([0, 1500, 900]), 1000))).rejects.toThrow(/PTS order/);
    await expect(collect(segmentFrames(framesAt([-1]), 1000))).rejects.toThrow(/>= 0/);
    // Out of order within the same window is tolerated (still that window).
    expect((await collect(segmentFrames(framesAt([300, 100]), 1000)))[0].frames).toHaveLength(2);
  });
});

describe('segmentIndex', () => {
  test('boundaries belong to the next window, even with inexact floating point', () => {
    expect(segmentIndex(0, 1000)).toBe(0);
    expect(segmentIndex(999.999, 1000)).toBe(0);
    expect(segmentIndex(1000, 1000)).toBe(1);
    // 16.5 / 1.1 = 14.999999999999998, but 15 * 1.1 = 16.5: the PTS opens window 15.
    expect(Math.floor(16.5 / 1.1)).toBe(14);
    expect(segmentIndex(16.5, 1.1)).toBe(15);
    for (let i = 0; i < 1000; i++) {
      const seg = 1000 / 3;
      const k = segmentIndex(i * 100, seg);
      expect(k * seg).toBeLessThanOrEqual(i * 100);
      expect((k + 1) * seg).toBeGreaterThan(i * 100);
    }
  });
});
