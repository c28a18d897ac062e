import { describe, expect, test } from 'vitest';
import { CrossingSpeeds, SPEED_WAIT_MS } from '../../pipeline/measure/crossing-speeds.ts';
import { SceneMeasurer } from '../../pipeline/measure/scene-measurer.ts';
import type { TrackedDetection } from '../../pipeline/track/byte-tracker.ts';
import type { LineCrossing } from '../../schemas/measures.ts';
import type { SceneConfig } from '../../schemas/scene.ts';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 10);
const crossing = (trackId: number, tsMs: number): LineCrossing => ({
  lineId: 'l',
  trackId,
  cls: 'car',
  direction: 'positive',
  tsMs,
});

describe('CrossingSpeeds', () => {
  test('holds a crossing until its speed is known, its track ended or it waited SPEED_WAIT_MS', () => {
    const w = new CrossingSpeeds();
    w.hold(crossing(1, T0));
    w.hold(crossing(2, T0));
    w.hold(crossing(3, T0));
    const speeds = new Map<number, number | null>([
      [1, null],
      [2, null],
      [3, null],
    ]);
    const speedOf = (id: number) => speeds.get(id) ?? null;
    expect(w.release(T0 + 500, speedOf, new Set())).toEqual([]);
    speeds.set(1, 42);
    expect(w.release(T0 + 1000, speedOf, new Set([2]))).toEqual([
      { ...crossing(1, T0), speedKmh: 42 },
      { ...crossing(2, T0), speedKmh: null },
    ]);
    expect(w.size).toBe(1);
    const again = new CrossingSpeeds(w.snapshot()); // carried across segments
    expect(again.release(T0 + SPEED_WAIT_MS - 1, speedOf, new Set())).toEqual([]);
    expect(again.release(T0 + SPEED_WAIT_MS, speedOf, new Set())).toEqual([
      { ...crossing(3, T0), speedKmh: null },
    ]);
    again.hold(crossing(4, T0));
    expect(again.flush(() => 7)).toEqual([{ ...crossing(4, T0), speedKmh: 7 }]);
    expect(again.size).toBe(0);
  });
});

// 10 px per metre: the picture is a plan of the road. A car drives down the picture at 20 px
// (2 m) per 500 ms: 14.4 km/h, across a line at y = 50.
const scene: SceneConfig = {
  lines: [{ id: 'l', from: [0, 50], to: [200, 50] }],
  zones: [],
  inertiaFrames: 1,
  calibration: {
    image: [
      [0, 0],
      [200, 0],
      [200, 200],
      [0, 200],
    ],
    world: [
      [0, 0],
      [20, 0],
      [20, 20],
      [0, 20],
    ],
  },
};
const car = (k: number, extra: Partial<TrackedDetection> = {}): TrackedDetection => ({
  cls: 'car',
  detectedCls: 'car',
  score: 0.9,
  box: { x: 90, y: 20 + 20 * k, w: 20, h: 20 }, // bottom at 40, 60, 80, ...
  trackId: 1,
  input: 0,
  velocity: { vx: 0, vy: 40 },
  ...extra,
});

describe('SceneMeasurer: speeds of crossings', () => {
  test('a crossing before the speed fit has enough positions comes a frame later, with the speed', () => {
    const m = new SceneMeasurer(scene);
    expect(m.update([car(0)], T0).crossings).toEqual([]);
    expect(m.update([car(1)], T0 + 500).crossings).toEqual([]); // crossed; two positions only
    const restored = SceneMeasurer.restore(m.snapshot(), scene); // the next segment
    const [c] = restored.update([car(2)], T0 + 1000).crossings;
    expect(c).toMatchObject({ lineId: 'l', trackId: 1, tsMs: expect.any(Number) });
    expect(c.tsMs).toBeLessThan(T0 + 1000); // when it crossed, not when its speed came
    expect(c.speedKmh).toBeCloseTo(14.4, 1);
    const [row] = restored
      .finish()
      .intervals.filter((r) => r.siteKind === 'line' && r.intervalS === 60 && r.direction === c.direction);
    expect(row).toMatchObject({ volume: 1, speedsKmh: [14.4] });
  });

  test("a new track's origin one frame back is a speed sample: the crossing has its speed at once", () => {
    const m = new SceneMeasurer(scene);
    m.update([car(0, { origin: [100, 20], originMs: T0 - 500 })], T0);
    const [c] = m.update([car(1)], T0 + 500).crossings;
    expect(c.speedKmh).toBeCloseTo(14.4, 1);
  });

  test('a box cut by the lower edge is no speed sample: the crossing waits, then comes without one', () => {
    const m = new SceneMeasurer(scene);
    m.update([car(0)], T0);
    m.update([car(1)], T0 + 500);
    expect(m.update([car(2, { cut: true })], T0 + 1000).crossings).toEqual([]);
    expect(m.update([car(3, { cut: true })], T0 + 1500).crossings).toEqual([]);
    // Crossed between T0 and T0 + 500 (y = 50 between 40 and 60): SPEED_WAIT_MS after the crossing
    // it is stored without.
    expect(m.update([], T0 + 2000).crossings).toEqual([]);
    const [c] = m.update([], T0 + 2500).crossings;
    expect(c).toMatchObject({ trackId: 1, speedKmh: null });
    expect(c.tsMs).toBeGreaterThan(T0);
  });

  test('without a calibration nothing waits', () => {
    const m = new SceneMeasurer({ ...scene, calibration: undefined });
    m.update([car(0)], T0);
    expect(m.update([car(1)], T0 + 500).crossings).toMatchObject([{ trackId: 1, speedKmh: null }]);
  });
});
