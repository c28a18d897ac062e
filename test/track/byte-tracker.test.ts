import { describe, expect, test } from 'vitest';
import { ByteTracker, type TrackedDetection } from '../../pipeline/track/byte-tracker.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { Detection } from '../../schemas/detection.ts';

const det = (x: number, y: number, score = 0.9, cls: ProductClass = 'car', w = 100, h = 50): Detection => ({
  cls,
  score,
  box: { x, y, w, h },
});
const ids = (out: TrackedDetection[]) => out.map((d) => d.trackId);

describe('ByteTracker options', () => {
  test('defaults are valid', () => {
    expect(() => new ByteTracker()).not.toThrow();
  });

  test.each([
    [{ highThreshold: 1.5 }, /highThreshold/],
    [{ lowThreshold: 0.7, highThreshold: 0.5 }, /lowThreshold/],
    [{ newTrackThreshold: 0.4 }, /newTrackThreshold/],
    [{ minIou: 0 }, /minIou/],
    [{ distanceGate: -1 }, /distanceGate/],
    [{ maxSizeRatio: 0.5 }, /maxSizeRatio/],
    [{ minHits: 0 }, /minHits/],
    [{ minHits: 1.5 }, /minHits/],
    [{ lostTtlMs: Number.NaN }, /lostTtlMs/],
    [{ noise: { accelerationStd: 0 } }, /accelerationStd/],
  ])('rejects %o', (options, message) => {
    expect(() => new ByteTracker(options)).toThrow(message);
  });

  test('timestamps must not go backwards', () => {
    const t = new ByteTracker();
    t.update([det(0, 0)], 1000);
    expect(() => t.update([det(0, 0)], 999)).toThrow(/backwards/);
  });
});

describe('ByteTracker', () => {
  test('a track is reported from its second hit, with a stable id', () => {
    const t = new ByteTracker();
    expect(t.update([det(0, 0)], 0)).toEqual([]);
    const out = t.update([det(10, 0)], 200);
    expect(ids(out)).toEqual([1]);
    expect(out[0]).toMatchObject({ cls: 'car', detectedCls: 'car', score: 0.9, box: { x: 10, y: 0 } });
    expect(ids(t.update([det(20, 0)], 400))).toEqual([1]);
  });

  test('the class is the score-weighted vote of the track', () => {
    const t = new ByteTracker();
    t.update([det(0, 0, 0.9, 'truck')], 0);
    t.update([det(10, 0, 0.7, 'car')], 200);
    expect(t.update([det(20, 0, 0.8, 'car')], 400)[0]).toMatchObject({ cls: 'car', detectedCls: 'car' });
    // truck 0.9 vs car 1.5, then truck 0.9 + 0.95 = 1.85 > car 1.5.
    expect(t.update([det(30, 0, 0.95, 'truck')], 600)[0].cls).toBe('truck');
  });

  test('low-score detections extend tracks but start none', () => {
    const t = new ByteTracker();
    t.update([det(0, 0), det(500, 500, 0.3)], 0);
    t.update([det(10, 0), det(500, 500, 0.3)], 200);
    const out = t.update([det(20, 0, 0.3), det(500, 500, 0.3)], 400);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ trackId: 1, score: 0.3 });
    expect(t.counts).toEqual({ tentative: 0, confirmed: 1, lost: 0 });
  });

  test('at 2 fps, a box that moves twice its width per frame keeps its id (no overlap at all)', () => {
    const t = new ByteTracker();
    const seen = new Set<number>();
    for (let i = 0; i < 10; i++) for (const id of ids(t.update([det(200 * i, 100)], 500 * i))) seen.add(id);
    expect([...seen]).toEqual([1]);
  });

  test('two vehicles passing each other in adjacent lanes keep their ids', () => {
    const t = new ByteTracker();
    const byLane = new Map<number, Set<number>>([
      [0, new Set()],
      [1, new Set()],
    ]);
    for (let i = 0; i <= 12; i++) {
      // Lane 0 goes right, lane 1 (one box height lower) goes left; they cross at i = 6. 3 fps.
      const out = t.update([det(100 + 150 * i, 100), det(1900 - 150 * i, 160)], (1000 * i) / 3);
      for (const d of out) byLane.get(d.box.y === 100 ? 0 : 1)?.add(d.trackId);
    }
    expect([...(byLane.get(0) ?? [])]).toHaveLength(1);
    expect([...(byLane.get(1) ?? [])]).toHaveLength(1);
    expect(byLane.get(0)).not.toEqual(byLane.get(1));
  });

  test('a track survives a 1 s occlusion at 5 and 2 fps, and is removed after its lost buffer', () => {
    for (const fps of [5, 2]) {
      const t = new ByteTracker({ lostTtlMs: 1500, lostFrames: 4 });
      const dt = 1000 / fps;
      const seen = new Set<number>();
      for (let i = 0; i * dt <= 4000; i++) {
        const ts = i * dt;
        // Hidden from 1.0 s to 2.0 s (exclusive): no detections for a second.
        const visible = ts < 1000 || ts >= 2000;
        for (const id of ids(t.update(visible ? [det(120 * (ts / 1000), 300)] : [], ts))) seen.add(id);
      }
      expect([...seen], `${fps} fps`).toEqual([1]);
      // The buffer: 1.5 s, or 4 frame intervals when longer (2 s at 2 fps).
      expect(t.lostBufferMs).toBeCloseTo(fps === 5 ? 1500 : 2000, 6);
      // Gone: lost at once, removed once the buffer has passed (frames keep coming, empty).
      let removedAt = -1;
      for (let ts = 4000 + dt; ts <= 7000 && removedAt < 0; ts += dt) {
        t.update([], ts);
        if (ts === 4000 + dt) expect(t.counts.lost).toBe(1);
        if (t.counts.lost === 0) removedAt = ts;
      }
      expect(removedAt - 4000, `${fps} fps`).toBeGreaterThan(fps === 5 ? 1500 : 2000);
      expect(removedAt - 4000, `${fps} fps`).toBeLessThanOrEqual((fps === 5 ? 1500 : 2000) + dt);
    }
  });

  test('the lost buffer follows the update rate, and a gap is not a frame interval', () => {
    const t = new ByteTracker({ lostTtlMs: 1000, lostFrames: 4 });
    for (let ts = 0; ts <= 5000; ts += 1000) t.update([], ts); // 1 fps
    expect(t.lostBufferMs).toBeCloseTo(4000, 6);
    t.update([], 60_000); // a camera back after a minute offline
    expect(t.lostBufferMs).toBeCloseTo(4000, 6);
    const resumed = ByteTracker.restore(JSON.parse(JSON.stringify(t.snapshot())), {
      lostTtlMs: 1000,
      lostFrames: 4,
    });
    expect(resumed.lostBufferMs).toBe(t.lostBufferMs);
  });

  test('a tentative track missed once is dropped', () => {
    const t = new ByteTracker();
    t.update([det(0, 0)], 0);
    t.update([], 200);
    expect(t.counts.tentative).toBe(0);
    t.update([det(0, 0)], 400);
    expect(ids(t.update([det(0, 0)], 600))).toEqual([1]);
  });

  test('minHits 1 reports tracks from their first detection', () => {
    const t = new ByteTracker({ minHits: 1 });
    expect(ids(t.update([det(0, 0), det(300, 0)], 0))).toEqual([1, 2]);
  });

  test('a tracker restored mid-sequence gives the same output as one that ran through', () => {
    const frames = Array.from({ length: 30 }, (_, i) => ({
      tsMs: i * 250,
      detections: [
        det(50 * i, 100, i % 7 === 3 ? 0.3 : 0.9),
        det(1500 - 60 * i, 300, 0.8, i % 5 === 0 ? 'truck' : 'car'),
        ...(i % 4 === 1 ? [] : [det(700, 600 + 5 * i, 0.7, 'bus', 200, 90)]),
      ],
    }));
    const through = new ByteTracker();
    const expected = frames.map((f) => through.update(f.detections, f.tsMs));
    let resumed = new ByteTracker();
    const got = frames.map((f, i) => {
      if (i > 0 && i % 9 === 0) {
        // Through JSON, as Redis would store it.
        resumed = ByteTracker.restore(JSON.parse(JSON.stringify(resumed.snapshot())));
      }
      return resumed.update(f.detections, f.tsMs);
    });
    expect(got).toEqual(expected);
    expect(new Set(expected.flat().map((d) => d.trackId))).toEqual(new Set([1, 2, 3]));
    expect(resumed.snapshot()).toEqual(through.snapshot());
  });

  test('restore rejects an unknown state version', () => {
    const state = { ...new ByteTracker().snapshot(), version: 2 } as unknown as ReturnType<
      ByteTracker['snapshot']
    >;
    expect(() => ByteTracker.restore(state)).toThrow(/version/);
  });
});
