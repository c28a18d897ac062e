import { describe, expect, test } from 'vitest';
import { RIDER_KMH, RidersBySpeed } from '../../pipeline/measure/riders-by-speed.ts';
import { SceneMeasurer } from '../../pipeline/measure/scene-measurer.ts';
import type { TrackedDetection } from '../../pipeline/track/byte-tracker.ts';
import type { SceneConfig } from '../../schemas/scene.ts';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 10);

describe('RidersBySpeed', () => {
  test('a person track measured at a vehicle speed is a motorcycle until it ends', () => {
    const r = new RidersBySpeed();
    expect(r.classOf(7, 'person', null)).toBe('person');
    expect(r.classOf(7, 'person', RIDER_KMH - 0.1)).toBe('person');
    expect(r.classOf(7, 'person', RIDER_KMH + 6)).toBe('motorcycle');
    expect(r.classOf(7, 'person', 3)).toBe('motorcycle'); // stopped at a light: still a rider
    expect(r.classOf(8, 'car', 50)).toBe('car');
    const again = new RidersBySpeed(r.snapshot()); // carried across segments
    expect(again.classOf(7, 'person', null)).toBe('motorcycle');
    again.forget([7]);
    expect(again.classOf(7, 'person', null)).toBe('person');
    expect(again.size).toBe(0);
  });
});

// 10 px per metre: the picture is a plan of the road, a line across it at y = 100.
const scene: SceneConfig = {
  lines: [{ id: 'l', from: [0, 100], to: [400, 100] }],
  zones: [],
  inertiaFrames: 1,
  calibration: {
    image: [
      [0, 0],
      [400, 0],
      [400, 400],
      [0, 400],
    ],
    world: [
      [0, 0],
      [40, 0],
      [40, 40],
      [0, 40],
    ],
  },
};
/** A person box whose feet move down the picture `pxPerStep` every 500 ms, from y = `y0`. */
const person = (trackId: number, k: number, pxPerStep: number, y0 = 40): TrackedDetection => ({
  cls: 'person',
  detectedCls: 'person',
  score: 0.8,
  box: { x: 100 * trackId, y: y0 + pxPerStep * k - 17, w: 7, h: 17 },
  trackId,
  input: 0,
  velocity: { vx: 0, vy: 2 * pxPerStep },
});

describe('SceneMeasurer: riders', () => {
  test('the rider of a motorbike the detector missed crosses as a motorcycle, a walker as a person', () => {
    const m = new SceneMeasurer(scene);
    // Track 1 rides 4 m per 500 ms (28.8 km/h); track 2 walks 0.7 m (5 km/h). The speed fit needs
    // three positions, so the rider is a person for its first two frames.
    const crossings = [];
    const rows = [];
    for (let k = 0; k < 10; k++) {
      const step = m.update([person(1, k, 40), person(2, k, 7)], T0 + 500 * k);
      crossings.push(...step.crossings);
      rows.push(...step.objects);
    }
    crossings.push(...m.finish().crossings);
    expect(crossings.map((c) => [c.trackId, c.cls])).toEqual([
      [1, 'motorcycle'],
      [2, 'person'],
    ]);
    expect(crossings[0].speedKmh).toBeCloseTo(28.8, 1);
    // Every frame of the rider after its speed was known is measured as a motorcycle.
    expect(rows.filter((o) => o.trackId === 1).map((o) => o.cls)).toEqual([
      'person',
      'person',
      ...Array(8).fill('motorcycle'),
    ]);
  });

  test('without a calibration a person stays a person', () => {
    const m = new SceneMeasurer({ ...scene, calibration: undefined });
    const crossings = [];
    for (let k = 0; k < 6; k++) crossings.push(...m.update([person(1, k, 40)], T0 + 500 * k).crossings);
    expect(crossings.map((c) => c.cls)).toEqual(['person']);
  });
});

describe('SceneMeasurer: a rider crossing before its speed is known', () => {
  // Feet at y = 70, 110, 150, ...: over the line (y = 100) in the second frame, whose two positions
  // give no speed yet; the third gives 28.8 km/h.
  test('the crossing waits for the speed and is counted as a motorcycle; a line for people only drops it', () => {
    const people: SceneConfig = {
      ...scene,
      lines: [
        ...scene.lines,
        { id: 'walk', from: [0, 100], to: [400, 100], classes: ['person', 'bicycle'] },
        { id: 'ride', from: [0, 100], to: [400, 100], classes: ['car', 'motorcycle'] },
      ],
    };
    const m = new SceneMeasurer(people);
    const got = [];
    for (let k = 0; k < 2; k++) {
      got.push(...m.update([person(1, k, 40, 70), person(2, k, 40, 70)], T0 + 500 * k).crossings);
    }
    expect(got).toEqual([]);
    // Track 2 is not seen again: its crossings are released without a speed, as a person's.
    const restored = SceneMeasurer.restore(m.snapshot(), people); // the next segment
    for (let k = 2; k < 10; k++) got.push(...restored.update([person(1, k, 40, 70)], T0 + 500 * k).crossings);
    got.push(...restored.finish().crossings);
    // The line for vehicles followed both people, and counts only the one that turned out a rider.
    expect(got.map((c) => [c.lineId, c.trackId, c.cls])).toEqual([
      ['l', 1, 'motorcycle'],
      ['ride', 1, 'motorcycle'],
      ['l', 2, 'person'],
      ['walk', 2, 'person'],
    ]);
    expect(got[0].speedKmh).toBeCloseTo(28.8, 1);
    expect(got[0].tsMs).toBeGreaterThan(T0); // when it crossed, not when its speed came
    expect(got[0].tsMs).toBeLessThanOrEqual(T0 + 500);
  });

  test('a walker crossing before its speed is known is counted as a person when it comes', () => {
    const m = new SceneMeasurer(scene);
    const got = [];
    // 0.7 m per 500 ms (5 km/h) from 0.4 m above the line: over it in the second frame.
    for (let k = 0; k < 6; k++) got.push(...m.update([person(1, k, 7, 96)], T0 + 500 * k).crossings);
    expect(got.map((c) => c.cls)).toEqual(['person']);
    const rows = m.finish().intervals.filter((r) => r.siteKind === 'line' && r.intervalS === 60);
    expect(rows.map((r) => r.volumeByClass)).toContainEqual({ person: 1 });
  });
});
