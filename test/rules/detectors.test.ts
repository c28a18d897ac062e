import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../benchmarks/tracking/synthetic-scene.ts';
import type { Condition } from '../../pipeline/rules/condition.ts';
import { PersonInRoadwayDetector } from '../../pipeline/rules/person-in-roadway-detector.ts';
import { NoStoppingDetector, StoppedVehicleDetector } from '../../pipeline/rules/stationary-detector.ts';
import { WrongWayDetector } from '../../pipeline/rules/wrong-way-detector.ts';
import type { AnalyticsFrame } from '../../schemas/analytics.ts';
import { frame, obj, times } from './helpers.ts';

const raised = (out: Condition[]) => out.filter((c) => !c.silent);

describe('StoppedVehicleDetector', () => {
  test('once per stop, despite speed noise; a second stop after driving off is a new incident', () => {
    const rnd = mulberry32(7);
    const d = new StoppedVehicleDetector({ zoneIds: ['lane'], minDurationMs: 30_000 });
    const out: Condition[] = [];
    for (const t of times(0, 300)) {
      const s = t / 1000;
      const stopped = (s >= 20 && s < 100) || (s >= 150 && s < 220);
      // Speed noise: a stopped car reads 0-2 km/h with a 6 km/h spike now and then; 1 frame in 10 missed.
      const speed = stopped ? (rnd() < 0.05 ? 6 : 2 * rnd()) : 40 + 5 * rnd();
      if (rnd() < 0.1) continue;
      out.push(
        ...d.update(
          frame(t, [obj(7, [500, 500], { speedKmh: speed }), obj(8, [600, 500], { speedKmh: 45 })]),
        ),
      );
    }
    const r = raised(out);
    expect(r.map((c) => [c.type, c.trackId, Math.round(c.startedMs / 1000)])).toEqual([
      ['stopped_vehicle', 7, 20],
      ['stopped_vehicle', 7, 150],
    ]);
    expect(r[0].tsMs - r[0].startedMs).toBeGreaterThanOrEqual(30_000);
    expect(r[0].tsMs - r[0].startedMs).toBeLessThan(31_000);
  });

  test('without calibration, the image velocity; no velocity yet = cannot tell', () => {
    const d = new StoppedVehicleDetector({ zoneIds: ['lane'], minDurationMs: 10_000 });
    const out = times(0, 40).flatMap((t) =>
      d.update(
        frame(t, [
          obj(1, [100, 100], { velocityPx: t < 2000 ? null : [1, 2] }),
          obj(2, [300, 100], { velocityPx: [80, 0] }),
        ]),
      ),
    );
    expect(raised(out).map((c) => [c.trackId, c.startedMs])).toEqual([[1, 2000]]);
  });

  test('a track out of the watched zones is not watched; restore mid-stop does not re-raise', () => {
    const d = new StoppedVehicleDetector({ zoneIds: ['lane'], minDurationMs: 10_000 });
    const elsewhere = times(0, 30).flatMap((t) =>
      d.update(frame(t, [obj(1, [0, 0], { speedKmh: 0 })], 'kerb')),
    );
    expect(elsewhere).toEqual([]);
    const a = times(0, 20).flatMap((t) => d.update(frame(t, [obj(3, [0, 0], { speedKmh: 0 })])));
    expect(raised(a)).toHaveLength(1);
    const r = new StoppedVehicleDetector({ zoneIds: ['lane'], minDurationMs: 10_000 }).restoreFrom(
      JSON.parse(JSON.stringify(d.snapshot())),
    );
    expect(times(20, 60).flatMap((t) => r.update(frame(t, [obj(3, [0, 0], { speedKmh: 0 })])))).toEqual([]);
  });

  test('a stopped car whose anchor jitters across the lane edge is one incident, not one per re-entry', () => {
    const d = new StoppedVehicleDetector({ zoneIds: ['lane'], minDurationMs: 10_000 });
    const out = times(0, 300).flatMap((t, i) => {
      const f = frame(t, [obj(4, [0, 0], { speedKmh: 0 })]);
      // One frame in five (and a 2-frame spell every 13) outside the lane.
      const outside = i % 5 === 0 || i % 13 < 2;
      return d.update(outside ? { ...f, zones: [{ ...f.zones[0], trackIds: [] }] } : f);
    });
    expect(raised(out)).toHaveLength(1);
  });

  test('forgets tracks it no longer sees; validates', () => {
    const d = new StoppedVehicleDetector({ zoneIds: ['lane'] });
    for (const t of times(0, 2)) d.update(frame(t, [obj(1, [0, 0], { speedKmh: 0 })]));
    d.update(frame(60_000, []));
    expect(d.snapshot().tracks).toEqual([]);
    expect(() => new StoppedVehicleDetector({ zoneIds: [] })).toThrow(/no zones/);
    expect(() => new StoppedVehicleDetector({ zoneIds: ['a'], maxSpeedKmh: 0 })).toThrow(/maxSpeedKmh/);
  });
});

describe('NoStoppingDetector', () => {
  test('a vehicle standing in the zone longer than T: once; a brief halt is fine', () => {
    const d = new NoStoppingDetector({ zoneIds: ['kerb'], minDurationMs: 60_000 });
    const out = times(0, 200).flatMap((t) => {
      const s = t / 1000;
      return d.update(
        frame(
          t,
          [
            obj(1, [0, 0], { speedKmh: s >= 10 && s < 40 ? 0 : 30 }),
            obj(2, [5, 0], { speedKmh: s >= 50 && s < 180 ? 1 : 30 }),
          ],
          'kerb',
        ),
      );
    });
    expect(raised(out).map((c) => [c.type, c.trackId, c.startedMs, c.tsMs])).toEqual([
      ['no_stopping', 2, 50_000, 110_000],
    ]);
  });
});

describe('WrongWayDetector', () => {
  const lanes = [{ zoneId: 'lane', direction: [0, -1] as [number, number] }]; // traffic moves up the image
  const drive = (d: WrongWayDetector, vy: number, seed: number, jitter = 3, id = 1) => {
    const rnd = mulberry32(seed);
    const out: Condition[] = [];
    for (const t of times(0, 20)) {
      if (rnd() < 0.1) continue; // missed frames
      const y = 200 + (vy * t) / 1000 + jitter * (rnd() * 2 - 1);
      out.push(...d.update(frame(t, [obj(id, [500 + jitter * (rnd() * 2 - 1), y])])));
    }
    return out;
  };

  test('raised once for a car driving against the lane', () => {
    const d = new WrongWayDetector({ lanes });
    const out = raised(drive(d, 40, 1)); // 40 px/s downwards
    expect(out.map((c) => [c.type, c.trackId])).toEqual([['wrong_way', 1]]);
    expect(out[0].startedMs).toBeLessThan(1000);
    expect(out[0].value).toBeGreaterThanOrEqual(60);
  });

  test('not raised for cars going the right way, or standing still with box jitter', () => {
    for (const seed of [1, 2, 3]) {
      expect(raised(drive(new WrongWayDetector({ lanes }), -60, seed))).toEqual([]);
      expect(raised(drive(new WrongWayDetector({ lanes }), 0, seed, 6))).toEqual([]);
    }
  });

  test('restore after raising: not raised again', () => {
    const d = new WrongWayDetector({ lanes });
    const f = (t: number, y: number): AnalyticsFrame => frame(t, [obj(5, [500, y])]);
    const a = times(0, 5).flatMap((t) => d.update(f(t, 100 + t / 10)));
    expect(raised(a)).toHaveLength(1);
    const r = new WrongWayDetector({ lanes }).restoreFrom(JSON.parse(JSON.stringify(d.snapshot())));
    expect(times(5, 20).flatMap((t) => r.update(f(t, 100 + t / 10)))).toEqual([]);
    expect(() => new WrongWayDetector({ lanes: [{ zoneId: 'x', direction: [0, 0] }] })).toThrow(
      /no direction/,
    );
  });
});

describe('PersonInRoadwayDetector', () => {
  test('once per entry, after the short T; re-entry after leaving is a new incident; vehicles ignored', () => {
    const d = new PersonInRoadwayDetector({ zoneIds: ['road'], minDurationMs: 2000, exitMs: 2000 });
    const out = times(0, 60).flatMap((t) => {
      const s = t / 1000;
      const inRoad = (s >= 5 && s < 15) || (s >= 30 && s < 31) || (s >= 40 && s < 50);
      const objects = [obj(9, [0, 0], { cls: 'person' }), obj(10, [5, 5], { cls: 'car' })];
      return d.update({
        ...frame(t, objects, 'road'),
        zones: [{ ...frame(t, [], 'road').zones[0], trackIds: inRoad ? [9, 10] : [10] }],
      });
    });
    expect(raised(out).map((c) => [c.trackId, c.startedMs, c.tsMs])).toEqual([
      [9, 5000, 7000],
      [9, 40_000, 42_000],
    ]);
  });
});
