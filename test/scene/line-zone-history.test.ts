import { describe, expect, test } from 'vitest';
import { LineZone } from '../../pipeline/scene/line-zone.ts';
import type { TrackedDetection } from '../../pipeline/track/byte-tracker.ts';
import type { SceneLine } from '../../schemas/scene.ts';

// Horizontal line y = 500 from x = 0 to 1000; moving down the picture (y growing) is negative.
const line: SceneLine = { id: 'bar', from: [0, 500], to: [1000, 500] };

/** A 100×50 box whose bottom-centre is at (500, bottom), moving down at vy px/s. */
function at(trackId: number, bottom: number, vy = 100, origin?: [number, number]): TrackedDetection {
  return {
    trackId,
    input: 0,
    cls: 'car',
    detectedCls: 'car',
    score: 0.9,
    box: { x: 450, y: bottom - 50, w: 100, h: 50 },
    velocity: { vx: 0, vy },
    ...(origin ? { origin } : {}),
  };
}

describe('LineZone counts from the whole history of a track', () => {
  test('a track first reported beyond the line, whose origin lies before it, counts once', () => {
    const z = new LineZone(line);
    expect(z.update([at(1, 650, 600, [500, 350])], 500).map((c) => c.direction)).toEqual(['negative']);
    expect(z.update([at(1, 800, 600)], 1000)).toEqual([]);
    expect(z.counts().negative).toBe(1);
  });

  test('an origin left only by the box changing shape, against its measured motion, counts nothing', () => {
    // First seen only in part above the line (bottom at 490), then whole (bottom at 520) while the
    // motion traced through the decoded frames says it moved up: the bottom jumped, no one crossed.
    const grown = (id: number, dy: number) => ({
      ...at(id, 520, 0, [500, 490]),
      motion: { dx: 0, dy, dtMs: 500 },
    });
    const z = new LineZone(line);
    expect(z.update([grown(1, -8)], 500)).toEqual([]);
    // Moving down as its bottom did (or by under the motion step's noise), it crossed.
    expect(z.update([grown(2, 8)], 500).map((c) => c.direction)).toEqual(['negative']);
    expect(z.update([grown(3, -2)], 500).map((c) => c.direction)).toEqual(['negative']);
  });

  test('an origin on the same side counts nothing; an origin beyond the segment ends counts nothing', () => {
    const z = new LineZone(line);
    expect(z.update([at(1, 650, 0, [500, 600])], 0)).toEqual([]);
    expect(z.update([at(2, 650, 0, [2500, 300])], 0)).toEqual([]); // path meets y = 500 at x ≈ 1357
  });

  test('a track that vanished on a course across the line counts once the tracker has dropped it', () => {
    const z = new LineZone(line);
    z.update([at(1, 300, 600)], 0);
    z.update([at(1, 450, 600)], 500); // the next frame would be at 750: beyond the line
    expect(z.update([], 1000, 1500)).toEqual([]); // missing, maybe only occluded
    expect(z.update([], 2000, 1500)).toEqual([]);
    expect(z.update([], 2500, 1500).map((c) => c.direction)).toEqual(['negative']);
    expect(z.update([], 5000, 1500)).toEqual([]);
  });

  test('when the source ends, a track that vanished on a course across the line counts at once', () => {
    const z = new LineZone(line);
    z.update([at(1, 300, 600), at(2, 100, 0)], 0);
    z.update([at(1, 450, 600), at(2, 100, 0)], 500); // 1 would be at 750 next; 2 stands still
    expect(z.update([at(2, 100, 0)], 1000, 1500)).toEqual([]); // 1 missing: maybe only occluded
    // The file ends before the tracker would have dropped it: no frame will bring it back.
    expect(z.flush()).toEqual([{ lineId: 'bar', trackId: 1, cls: 'car', direction: 'negative', tsMs: 1000 }]);
    expect(z.counts().negative).toBe(1);
    // Afresh: the next source may start at any time, and nothing is counted twice.
    expect(z.flush()).toEqual([]);
    expect(z.update([at(3, 300, 0)], 0)).toEqual([]);
  });

  test('a track missed at two frames in a row (hidden behind another at the line, 2 fps) counts', () => {
    const z = new LineZone(line);
    z.update([at(1, 330, 140)], 0);
    z.update([at(1, 400, 140)], 500);
    expect(z.update([], 1000, 1500)).toEqual([]); // would be at 470: not across yet
    expect(z.update([], 1500, 1500)).toEqual([]); // at 540: across; maybe only occluded
    expect(z.update([], 2500, 1500).map((c) => c.direction)).toEqual(['negative']);
  });

  test('... but not one whose course would reach the line only at its third missed frame', () => {
    const z = new LineZone(line);
    z.update([at(1, 330, 70)], 0);
    z.update([at(1, 365, 70)], 500);
    for (const t of [1000, 1500, 2000, 2500, 3000, 8000]) expect(z.update([], t, 1500)).toEqual([]);
  });

  test('... nor one another id stood in for at its first missed frame', () => {
    const z = new LineZone(line);
    // One vehicle under two ids for a frame (a duplicate box), then only under id 2.
    z.update([at(1, 330, 140)], 0);
    z.update([at(1, 400, 140), at(2, 398, 140)], 500);
    // Id 2 stands where id 1 would be (470) at 1000, then is gone too; id 1's course crosses at 1500.
    z.update([at(2, 468, 140)], 1000, 1500);
    for (const t of [1500, 2000, 3000, 8000]) z.update([], t, 1500);
    expect(z.counts().negative).toBe(1); // id 2's own exit, not id 1's as well
  });

  test('a track last seen on the line itself (no side told) that vanished on its course counts', () => {
    const z = new LineZone(line);
    z.update([at(1, 300, 600)], 0);
    z.update([at(1, 501, 600)], 500); // within the deadband: no side
    expect(z.update([], 1000, 1500)).toEqual([]);
    expect(z.update([], 2500, 1500).map((c) => c.direction)).toEqual(['negative']);
  });

  test('a vanished track on the perspective course of an approaching vehicle counts', () => {
    // Its box grows as it nears: extrapolating 1/h and y/h puts it far past the line a second later,
    // where its tracker's lagging velocity (60 px/s) would leave it short, at 470.
    const grow = (bottom: number, h: number): TrackedDetection => ({
      ...at(1, bottom, 60),
      box: { x: 450, y: bottom - h, w: 100, h },
    });
    const z = new LineZone(line);
    z.update([grow(250, 40)], 0);
    z.update([grow(410, 60)], 1000);
    expect(z.update([], 2000, 1500)).toEqual([]);
    expect(z.update([], 3000, 1500).map((c) => c.direction)).toEqual(['negative']);
  });

  test('a track that vanished while standing before the line counts nothing', () => {
    const z = new LineZone(line);
    z.update([at(1, 450, 0)], 0);
    z.update([at(1, 452, 4)], 500);
    for (const t of [1000, 2000, 3000, 8000]) expect(z.update([], t, 1500)).toEqual([]);
  });

  test('a new id where a vanished track was heading is the same vehicle: it is counted once, not twice', () => {
    const z = new LineZone(line);
    z.update([at(1, 300, 600)], 0);
    z.update([at(1, 450, 600)], 500);
    // The tracker lost id 1 and reports the vehicle as id 2, with an origin before the line.
    const re = z.update([at(2, 610, 600, [500, 460])], 1000, 1500);
    expect(re.map((c) => c.trackId)).toEqual([2]);
    for (const t of [1500, 2000, 3000, 6000]) expect(z.update([], t, 1500)).toEqual([]);
    expect(z.counts().negative).toBe(1);
  });

  test('a new car where a vanished person was heading takes over nothing: a person is no car', () => {
    // The same courses as above, but id 1 is a person (a 20×50 box) and id 2 a car: two objects,
    // each counted once (the person as its course crossed the line while it was missing).
    const person = (bottom: number): TrackedDetection => ({
      ...at(1, bottom, 600),
      cls: 'person',
      detectedCls: 'person',
      box: { x: 490, y: bottom - 50, w: 20, h: 50 },
    });
    const z = new LineZone(line);
    z.update([person(300)], 0);
    z.update([person(450)], 500);
    const re = z.update([at(2, 610, 600, [500, 460])], 1000, 1500);
    const later = [1500, 2000, 3000, 6000].flatMap((t) => z.update([], t, 1500));
    expect([...re, ...later].map((c) => [c.trackId, c.cls])).toEqual([
      [2, 'car'],
      [1, 'person'],
    ]);
  });

  test('a much larger new box near where a small vanished track was heading is another vehicle', () => {
    // A far vehicle (a 16×12 box) drives away up the picture and fades out near the horizon; a
    // near one leaves the picture's lower edge moving up, first reported above the line with its
    // origin below it. Its course passes close to the faded one's in pixels, but it is ten times
    // its size: it counts, and takes over nothing.
    const small = (id: number, bottom: number): TrackedDetection => ({
      ...at(id, bottom, -20),
      box: { x: 492, y: bottom - 12, w: 16, h: 12 },
    });
    const z = new LineZone(line);
    z.update([small(1, 470)], 0);
    z.update([small(1, 460)], 500);
    const near = { ...at(2, 450, -600, [500, 620]), box: { x: 420, y: 300, w: 160, h: 150 } };
    expect(z.update([near], 1000, 1500).map((c) => [c.trackId, c.direction])).toEqual([[2, 'positive']]);
    expect(z.counts().positive).toBe(1);
  });

  test('a new id takes over no vanished track another id already stood in for', () => {
    // A person walking slowly down towards the line: id 1, for a frame also id 2 (a duplicate box),
    // then only id 2, where id 1 would be. Someone else standing just beyond the line shows up as
    // id 3 near where id 1 would be by now; id 1's side is id 2's business, and id 3 crossed nothing.
    const z = new LineZone(line);
    z.update([at(1, 440, 40)], 0);
    z.update([at(1, 460, 40), at(2, 458, 40)], 500);
    z.update([at(2, 478, 40)], 1000, 1500);
    const standing = { ...at(3, 530, 0), box: { x: 510, y: 480, w: 100, h: 50 } };
    for (const t of [1500, 2000, 2500]) expect(z.update([at(2, 482, 4), standing], t, 1500)).toEqual([]);
    expect(z.counts()).toMatchObject({ positive: 0, negative: 0 });
  });

  test('an id whose state another id took over starts afresh on its return, taking over no one', () => {
    // A person walking down towards the line (id 1) is missed for a frame (the detector merged them
    // with someone behind into one box) and id 2 where id 1 would be takes over id 1's side. Id 1 is
    // back the next frame, while a person beyond the line walking up (id 5) is missed, near enough
    // for id 1 to be where id 5 was heading: id 1 must not take id 5's far side and count.
    const z = new LineZone(line);
    const up = (bottom: number) => ({
      ...at(5, bottom, -40),
      box: { x: 430, y: bottom - 50, w: 100, h: 50 },
    });
    z.update([at(1, 420, 40), up(580)], 0);
    z.update([at(1, 440, 40), up(560)], 500);
    z.update([at(2, 460, 40), up(540)], 1000, 1500);
    // The memory of ids handed over is in the saved state: a restored zone decides the same.
    expect(z.snapshot().handedOver).toEqual([[1, 1000]]);
    const r = LineZone.restore(JSON.parse(JSON.stringify(z.snapshot())), line);
    for (const zone of [z, r]) {
      for (const t of [1500, 2000, 2500]) {
        expect(zone.update([at(1, 462, 4), at(2, 464, 4)], t, 1500)).toEqual([]);
      }
      expect(zone.counts()).toMatchObject({ positive: 0, negative: 0 });
    }
  });

  test('one object under two ids for a frame: the duplicate vanishing where the other id stands counts nothing', () => {
    const z = new LineZone(line);
    z.update([at(1, 300, 600)], 0);
    // The tracker split the object: id 2 took this frame's box (a shape change), id 1 was missing.
    z.update([at(2, 450, 600)], 500);
    // Id 1 is back and crosses; id 2 is gone while id 1 stands where id 2 was heading.
    expect(z.update([at(1, 760, 600)], 1000, 1500).map((c) => c.trackId)).toEqual([1]);
    for (const t of [1500, 2000, 3000, 6000]) expect(z.update([], t, 1500)).toEqual([]);
    expect(z.counts().negative).toBe(1);
  });

  test("an adopted id's course starts from its own sightings, not from the old id's last box", () => {
    // A far car (15 px tall) is missed for a frame, and a weak box 26 px tall just below it (on
    // part of a nearer car) starts id 2 where the far car was heading; id 2 is then seen no more.
    // A course from the far car's last box to id 2's would grow 1.7 times a frame, race down the
    // picture and cross the line at y = 500 within a frame: no crossing here.
    const box = (id: number, bottom: number, w: number, h: number, vy: number): TrackedDetection => ({
      ...at(id, bottom, vy),
      box: { x: 500 - w / 2, y: bottom - h, w, h },
    });
    const z = new LineZone(line);
    z.update([box(1, 398, 20, 15, 10)], 0);
    z.update([box(1, 400, 20, 15, 10)], 200);
    expect(z.update([box(2, 425, 30, 26, 10)], 400)).toEqual([]);
    for (const t of [600, 800, 1200, 2400, 4000]) expect(z.update([], t, 1500)).toEqual([]);
    expect(z.counts().negative).toBe(0);
  });

  test('a vanished track beside another (the next lane) still counts', () => {
    const z = new LineZone(line);
    const lane = (d: TrackedDetection, dx: number): TrackedDetection => ({
      ...d,
      box: { ...d.box, x: d.box.x + dx },
    });
    z.update([at(1, 300, 600), lane(at(2, 300, 600), 100)], 0);
    z.update([at(1, 450, 600), lane(at(2, 450, 600), 100)], 500);
    // Id 1 is missed from here on; id 2, one box width aside, carries on over the line.
    expect(z.update([lane(at(2, 760, 600), 100)], 1000, 1500).map((c) => c.trackId)).toEqual([2]);
    expect(z.update([], 2500, 1500).map((c) => c.trackId)).toEqual([1]);
    expect(z.counts().negative).toBe(2);
  });

  test('state with pending exits survives snapshot and restore', () => {
    const z = new LineZone(line);
    z.update([at(1, 300, 600)], 0);
    z.update([at(1, 450, 600)], 500);
    z.update([], 1000, 1500);
    const r = LineZone.restore(JSON.parse(JSON.stringify(z.snapshot())), line);
    expect(r.update([], 2500, 1500).map((c) => c.direction)).toEqual(['negative']);
  });
});

describe('LineZone: a track that entered the picture across the line', () => {
  /** A zone that has watched five frames, 500 ms apart (0-2000 ms), before the track appears. */
  function watched(): LineZone {
    const z = new LineZone(line);
    for (const t of [0, 500, 1000, 1500, 2000]) z.update([], t);
    return z;
  }

  test('first known beyond the line, moving away from it fast: one interval earlier it was before it, and counts once', () => {
    const z = watched();
    // Origin 60 px past the line at 200 px/s: 100 px, one interval earlier, puts it 40 px before it.
    expect(z.update([at(1, 620, 200, [500, 560])], 2500).map((c) => c.direction)).toEqual(['negative']);
    expect(z.update([at(1, 720, 200)], 3000)).toEqual([]);
    expect(z.counts().negative).toBe(1);
  });

  test('not when one interval earlier is still beyond the line, nor for a slow track (a parked car)', () => {
    const z = watched();
    expect(z.update([at(1, 720, 200, [500, 660])], 2500)).toEqual([]); // earlier: 560, past the line
    expect(z.update([at(2, 530, 40, [500, 520])], 2500)).toEqual([]); // 20 px per interval
  });

  test('not for a box without origin (cut by the picture edge) or mostly under a larger box', () => {
    const z = watched();
    expect(z.update([at(1, 620, 200)], 2500)).toEqual([]);
    const big: TrackedDetection = { ...at(2, 640, 200), box: { x: 400, y: 440, w: 200, h: 200 } };
    expect(z.update([big, at(3, 620, 200, [500, 560])], 3000).map((c) => c.trackId)).toEqual([]);
  });

  test('not for a new id beside a track that just counted, or one whose exit is still to count', () => {
    const z = watched();
    z.update([at(1, 450, 200)], 2500);
    expect(z.update([at(1, 560, 200)], 3000).map((c) => c.trackId)).toEqual([1]);
    // The tracker lost id 1 and, too far from its prediction to be taken over, starts id 2 beside it.
    const beside = { ...at(2, 660, 200, [620, 560]), box: { x: 570, y: 610, w: 100, h: 50 } };
    expect(z.update([beside], 3500)).toEqual([]);
    expect(z.counts().negative).toBe(1);
  });

  test('a new id in the next lane of one that just counted still counts, however tall the boxes', () => {
    // Dense traffic seen from an overpass: lorries 40 px wide and 120 px long in the picture, a
    // lane (100 px) apart, cross within a frame of each other.
    const lorry = (id: number, x: number, bottom: number, origin?: [number, number]): TrackedDetection => ({
      ...at(id, bottom, 200, origin),
      box: { x: x - 20, y: bottom - 120, w: 40, h: 120 },
    });
    const z = watched();
    z.update([lorry(1, 500, 450)], 2500);
    expect(z.update([lorry(1, 500, 560)], 3000).map((c) => c.trackId)).toEqual([1]);
    expect(
      z.update([lorry(1, 500, 660), lorry(2, 600, 660, [600, 560])], 3500).map((c) => c.trackId),
    ).toEqual([2]);
  });

  test('an origin on the line itself (within the dead band): the way on to the first report crossed', () => {
    const z = watched();
    // Origin 1 px short of the line, first report 120 px past it; one interval earlier: 101 px short.
    expect(z.update([at(1, 620, 200, [500, 499])], 2500).map((c) => c.direction)).toEqual(['negative']);
    expect(z.counts().negative).toBe(1);
  });

  test('an old state without the run start carries on as a run long under way', () => {
    const z = watched();
    const { sinceMs: _s, ...old } = z.snapshot();
    const r = LineZone.restore(JSON.parse(JSON.stringify(old)), line);
    expect(r.update([at(1, 620, 200, [500, 560])], 2500).map((c) => c.trackId)).toEqual([1]);
  });

  test("not in a run's first three intervals: at the source's start, or after an outage", () => {
    // Each track in a lane of its own, so that none is taken for another one gone missing.
    const lane = (d: TrackedDetection, dx: number): TrackedDetection => ({
      ...d,
      box: { ...d.box, x: d.box.x + dx },
      ...(d.origin ? { origin: [d.origin[0] + dx, d.origin[1]] as [number, number] } : {}),
    });
    const start = new LineZone(line);
    start.update([], 0);
    start.update([], 500);
    expect(start.update([at(1, 620, 200, [500, 560])], 1000)).toEqual([]);
    const z = watched();
    expect(z.update([at(2, 620, 200, [500, 560])], 30_000)).toEqual([]); // 28 s without frames
    const dropped = watched();
    expect(dropped.update([at(5, 620, 200, [500, 560])], 3750)).toEqual([]); // 3.5 intervals
    // The run's start survives snapshot and restore; three intervals later a new track counts.
    const r = LineZone.restore(JSON.parse(JSON.stringify(z.snapshot())), line);
    expect(r.update([lane(at(3, 620, 200, [500, 560]), -300)], 30_500)).toEqual([]);
    for (const t of [31_000, 31_500, 32_000]) r.update([], t);
    expect(r.update([lane(at(4, 620, 200, [500, 560]), 300)], 32_500).map((c) => c.trackId)).toEqual([4]);
  });
});

describe('LineZone inertia in time', () => {
  /** A pedestrian-sized box (bottom-centre at (500, bottom)), one frame per `ms`. */
  const walk = (z: LineZone, bottoms: number[], ms: number) =>
    bottoms.flatMap((b, i) => z.update([at(1, b)], i * ms).map((c) => c.direction));

  test('at 10 fps a box jittering onto the other side for one frame counts nothing', () => {
    expect(walk(new LineZone(line), [480, 485, 520, 484, 482, 486], 100)).toEqual([]);
  });

  test('at 10 fps two frames on the other side count once; at 5 and 2 fps one frame is enough', () => {
    expect(walk(new LineZone(line), [480, 485, 520, 530, 540], 100)).toEqual(['negative']);
    expect(walk(new LineZone(line), [480, 485, 520], 200)).toEqual(['negative']);
    expect(walk(new LineZone(line), [480, 520], 500)).toEqual(['negative']);
  });

  test('a track last seen beyond the line with its flip pending counts once it is gone', () => {
    const z = new LineZone(line);
    expect(walk(z, [470, 480, 490, 520], 100)).toEqual([]); // 520: pending, then never seen again
    expect(z.update([], 2000, 1500).map((c) => c.direction)).toEqual(['negative']);
  });
});
