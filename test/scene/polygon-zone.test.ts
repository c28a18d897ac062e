import { describe, expect, test } from 'vitest';
import { PolygonZone } from '../../pipeline/scene/polygon-zone.ts';
import type { TrackedDetection } from '../../pipeline/track/byte-tracker.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { SceneZone } from '../../schemas/scene.ts';

/** A 100×50 box whose bottom-centre is at (cx, bottom). */
const at = (trackId: number, cx: number, bottom: number, cls: ProductClass = 'car'): TrackedDetection => ({
  trackId,
  input: 0,
  cls,
  detectedCls: cls,
  score: 0.9,
  box: { x: cx - 50, y: bottom - 50, w: 100, h: 50 },
  velocity: { vx: 0, vy: 0 },
});

// x in [200, 600], y in [400, 800].
const bay: SceneZone = {
  id: 'bay',
  polygon: [
    [200, 400],
    [600, 400],
    [600, 800],
    [200, 800],
  ],
};

describe('PolygonZone options', () => {
  test('invalid options and polygons throw early', () => {
    expect(() => new PolygonZone(bay, { inertiaFrames: 0 })).toThrow('inertiaFrames');
    expect(() => new PolygonZone(bay, { forgetAfterMs: Number.POSITIVE_INFINITY })).toThrow('forgetAfterMs');
    const flat: SceneZone = {
      id: 'flat',
      polygon: [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    };
    expect(() => new PolygonZone(flat)).toThrow('not all on one line');
    const bowtie: SceneZone = {
      id: 'bowtie',
      polygon: [
        [0, 0],
        [10, 0],
        [0, 10],
        [10, 10],
      ],
    };
    expect(() => new PolygonZone(bowtie)).toThrow('self-intersecting');
  });
});

describe('PolygonZone entries, exits, dwell', () => {
  test('a car drives through: entered, inside, left with its dwell time', () => {
    const z = new PolygonZone(bay);
    const xs = [100, 150, 250, 350, 450, 550, 650];
    const out = xs.map((x, i) => z.update([at(7, x, 600)], 1000 + i * 500));
    expect(out.map((o) => o.inside)).toEqual([[], [], [7], [7], [7], [7], []]);
    expect(out[2].entered).toEqual([{ zoneId: 'bay', trackId: 7, cls: 'car', tsMs: 2000 }]);
    expect(out[6].left).toEqual([
      { zoneId: 'bay', trackId: 7, cls: 'car', tsMs: 4000, enteredMs: 2000, dwellMs: 2000, reason: 'exit' },
    ]);
    expect(z.occupancy).toBe(0);
  });

  test('occupancy and dwellAt count several tracks; an unseen track stays inside', () => {
    const z = new PolygonZone(bay);
    z.update([at(1, 300, 500), at(2, 400, 600), at(3, 900, 600)], 0);
    expect(z.occupancy).toBe(2);
    const r = z.update([at(1, 300, 510)], 1000); // 2 occluded, 3 gone away
    expect(r.inside).toEqual([1, 2]);
    expect(z.dwellAt(1500)).toEqual(
      new Map([
        [1, 1500],
        [2, 1500],
      ]),
    );
  });

  test('a track appearing inside enters at once', () => {
    const z = new PolygonZone(bay);
    expect(z.update([at(1, 300, 500)], 100).entered).toHaveLength(1);
  });

  test('with inertiaFrames 2 a one-frame flicker over the edge is ignored; times are of the first frame', () => {
    const z = new PolygonZone(bay, { inertiaFrames: 2 });
    const xs = [180, 210, 190, 210, 220, 300, 590, 610, 590, 610, 620];
    const out = xs.map((x, i) => z.update([at(1, x, 600)], i * 100));
    const entered = out.flatMap((o) => o.entered);
    const left = out.flatMap((o) => o.left);
    expect(entered).toEqual([{ zoneId: 'bay', trackId: 1, cls: 'car', tsMs: 300 }]);
    expect(out[3].entered).toEqual([]);
    expect(out[4].entered).toHaveLength(1); // confirmed on the 2nd frame inside...
    expect(left).toEqual([
      { zoneId: 'bay', trackId: 1, cls: 'car', tsMs: 900, enteredMs: 300, dwellMs: 600, reason: 'exit' },
    ]);
    expect(out[10].left).toHaveLength(1); // ...and reported on the 2nd frame outside
  });

  test('a track lost inside leaves with reason lost at its last sighting', () => {
    const z = new PolygonZone(bay, { forgetAfterMs: 1000 });
    z.update([at(1, 300, 500)], 0);
    z.update([at(1, 310, 500)], 400);
    expect(z.update([], 1400).left).toEqual([]);
    const r = z.update([], 1401);
    expect(r.left).toEqual([
      { zoneId: 'bay', trackId: 1, cls: 'car', tsMs: 400, enteredMs: 0, dwellMs: 400, reason: 'lost' },
    ]);
    expect(r.inside).toEqual([]);
  });

  test('classes filter', () => {
    const z = new PolygonZone({ ...bay, classes: ['person'] });
    const r = z.update([at(1, 300, 500, 'car'), at(2, 350, 500, 'person')], 0);
    expect(r.inside).toEqual([2]);
  });

  test('a concave zone: the notch is outside', () => {
    const u: SceneZone = {
      id: 'u',
      polygon: [
        [0, 0],
        [300, 0],
        [300, 300],
        [200, 300],
        [200, 100],
        [100, 100],
        [100, 300],
        [0, 300],
      ],
    };
    const z = new PolygonZone(u);
    expect(z.update([at(1, 150, 200), at(2, 50, 200), at(3, 250, 250)], 0).inside).toEqual([2, 3]);
  });
});

describe('PolygonZone snapshot / restore', () => {
  test('a restored zone carries on exactly, through JSON', () => {
    const opts = { inertiaFrames: 2 };
    const xs = [100, 250, 300, 350, 650, 700, 800];
    const whole = new PolygonZone(bay, opts);
    const expected = xs.map((x, i) => whole.update([at(1, x, 600)], i * 100));
    const first = new PolygonZone(bay, opts);
    const a = xs.slice(0, 2).map((x, i) => first.update([at(1, x, 600)], i * 100));
    const second = PolygonZone.restore(JSON.parse(JSON.stringify(first.snapshot())), bay, opts);
    const b = xs.slice(2).map((x, i) => second.update([at(1, x, 600)], (i + 2) * 100));
    expect([...a, ...b]).toEqual(expected);
    expect(second.snapshot()).toEqual(whole.snapshot());
  });
  test('restore checks the version and the zone id', () => {
    const s = new PolygonZone(bay).snapshot();
    expect(() => PolygonZone.restore(s, { ...bay, id: 'other' })).toThrow('"bay"');
    expect(() => PolygonZone.restore({ ...s, version: 3 as 1 }, bay)).toThrow('version');
  });
});

describe('PolygonZone duplicates (a second box on part of a vehicle)', () => {
  /** A box 40 px wide and 50 high at the left end of track 1's box at (cx, bottom): 100 % under it. */
  const part = (
    trackId: number,
    cx: number,
    bottom: number,
    cls: ProductClass = 'car',
  ): TrackedDetection => ({
    ...at(trackId, cx, bottom, cls),
    box: { x: cx - 50, y: bottom - 50, w: 40, h: 50 },
  });

  test('seen once under another vehicle, then gone: no entry and no visit; the vehicle keeps its own', () => {
    const z = new PolygonZone(bay, { forgetAfterMs: 1000 });
    const first = z.update([at(1, 300, 500), part(2, 300, 500, 'truck')], 0);
    expect(first.entered.map((e) => e.trackId)).toEqual([1]);
    expect(first.inside).toEqual([1, 2]); // occupancy is what the frame shows
    const later = [400, 800, 1200, 1600].map((ts, i) => z.update([at(1, 320 + i * 10, 500)], ts));
    expect(later.flatMap((u) => [...u.entered, ...u.left])).toEqual([]);
    expect(z.flush().map((v) => v.trackId)).toEqual([1]);
  });

  test('seen again inside: it enters then, timed at its first sighting', () => {
    const z = new PolygonZone(bay);
    expect(z.update([at(1, 300, 500), part(2, 300, 500)], 0).entered).toHaveLength(1);
    const second = z.update([at(1, 310, 520), at(2, 450, 600)], 400);
    expect(second.entered).toEqual([{ zoneId: 'bay', trackId: 2, cls: 'car', tsMs: 0 }]);
    expect(z.flush().map((v) => [v.trackId, v.reason, v.dwellMs])).toEqual([
      [1, 'lost', 400],
      [2, 'lost', 400],
    ]);
  });

  test('seen once inside and next outside: a pass, entry and exit in the same frame', () => {
    const z = new PolygonZone(bay);
    z.update([at(1, 300, 500), part(2, 300, 500, 'motorcycle')], 0);
    const u = z.update([at(1, 310, 500), at(2, 650, 500, 'motorcycle')], 500);
    expect(u.entered).toEqual([{ zoneId: 'bay', trackId: 2, cls: 'motorcycle', tsMs: 0 }]);
    expect(u.left).toEqual([
      { zoneId: 'bay', trackId: 2, cls: 'motorcycle', tsMs: 500, enteredMs: 0, dwellMs: 500, reason: 'exit' },
    ]);
  });

  test('a person under a vehicle box, a box beside one, or one with inertiaFrames 2 is not held', () => {
    const z = new PolygonZone(bay);
    const beside = { ...part(3, 300, 500), box: { x: 340, y: 450, w: 40, h: 50 } }; // a quarter under track 1
    const u = z.update([at(1, 300, 500), part(2, 300, 500, 'person'), beside], 0);
    expect(u.entered.map((e) => e.trackId)).toEqual([1, 2, 3]);
    const slow = new PolygonZone(bay, { inertiaFrames: 2 });
    slow.update([at(1, 300, 500), part(2, 300, 500)], 0);
    expect(slow.update([at(1, 300, 500), part(2, 300, 500)], 100).entered.map((e) => e.trackId)).toEqual([
      1, 2,
    ]);
  });

  test('held at 45 % under a larger box, not at 35 %; held whatever the zone counts; flushed with no visit', () => {
    const z = new PolygonZone({ ...bay, classes: ['car'] });
    const bus = at(1, 300, 500, 'bus'); // the zone counts cars only, yet a bus box still covers
    const at45 = { ...part(2, 300, 500), box: { x: 228, y: 450, w: 40, h: 50 } }; // 18 of 40 px under it
    const at35 = { ...part(3, 300, 500), box: { x: 224, y: 450, w: 40, h: 50 } }; // 14 of 40 px
    const u = z.update([bus, at45, at35], 0);
    expect(u.entered.map((e) => e.trackId)).toEqual([3]);
    expect(u.inside).toEqual([2, 3]);
    expect(z.flush().map((v) => v.trackId)).toEqual([3]);
  });

  test('a track seen before that enters under a larger box is held too (a cut box slipping back in)', () => {
    const z = new PolygonZone(bay, { forgetAfterMs: 1000 });
    z.update([at(2, 150, 500)], 0); // outside, to the left of the zone
    const u = z.update([at(1, 300, 500, 'bus'), part(2, 300, 500)], 400);
    expect(u.entered.map((e) => e.trackId)).toEqual([1]);
    const gone = z.update([at(1, 300, 500, 'bus')], 1500);
    expect(gone.left).toEqual([]);
    const back = new PolygonZone(bay);
    back.update([at(2, 150, 500)], 0);
    back.update([at(1, 300, 500, 'bus'), part(2, 300, 500)], 400);
    expect(back.update([at(2, 320, 520)], 800).entered).toEqual([
      { zoneId: 'bay', trackId: 2, cls: 'car', tsMs: 400 },
    ]);
  });

  test('a held entry survives a snapshot; a state from before held existed restores as not held', () => {
    const z = new PolygonZone(bay);
    z.update([at(1, 300, 500), part(2, 300, 500)], 0);
    const restored = PolygonZone.restore(JSON.parse(JSON.stringify(z.snapshot())), bay);
    expect(restored.update([at(2, 400, 600)], 400).entered.map((e) => e.trackId)).toEqual([2]);
    const old = z.snapshot();
    for (const t of old.tracks) delete t.held;
    expect(
      PolygonZone.restore(old, bay)
        .flush()
        .map((v) => v.trackId),
    ).toEqual([1, 2]);
  });
});
