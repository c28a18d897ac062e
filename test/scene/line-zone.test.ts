import { describe, expect, test } from 'vitest';
import { type Crossing, LineZone } from '../../pipeline/scene/line-zone.ts';
import type { TrackedDetection } from '../../pipeline/track/byte-tracker.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { SceneLine } from '../../schemas/scene.ts';

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

// Horizontal line y = 500 from x = 0 to 1000, heading +x: the left side is above (y < 500).
const line: SceneLine = { id: 'bar', from: [0, 500], to: [1000, 500] };

/** Feeds one track's bottom-centre ys (x = 500), one frame per 200 ms; returns all crossings. */
function run(zone: LineZone, ys: number[], trackId = 1, cls: ProductClass = 'car', t0 = 0): Crossing[] {
  return ys.flatMap((y, i) => zone.update([at(trackId, 500, y, cls)], t0 + i * 200));
}
const dirs = (cs: Crossing[]) => cs.map((c) => c.direction);

describe('LineZone options', () => {
  test('invalid options and lines throw early, naming the option', () => {
    expect(() => new LineZone(line, { inertiaFrames: 0 })).toThrow('inertiaFrames');
    expect(() => new LineZone(line, { inertiaFrames: 1.5 })).toThrow('inertiaFrames');
    expect(() => new LineZone(line, { forgetAfterMs: -1 })).toThrow('forgetAfterMs');
    expect(() => new LineZone(line, { deadbandPx: Number.NaN })).toThrow('deadbandPx');
    expect(() => new LineZone({ id: 'x', from: [5, 5], to: [5, 5] })).toThrow('non-zero length');
  });
  test('time must not go backwards', () => {
    const z = new LineZone(line);
    z.update([], 1000);
    expect(() => z.update([], 999)).toThrow('backwards');
  });
});

describe('LineZone crossings', () => {
  test('upward (right → left) is positive by default, downward negative', () => {
    const z = new LineZone(line);
    const up = run(z, [700, 600, 520, 480, 300], 1);
    expect(up).toEqual([{ lineId: 'bar', trackId: 1, cls: 'car', direction: 'positive', tsMs: 600 }]);
    expect(dirs(run(z, [300, 450, 550, 700], 2, 'car', 1000))).toEqual(['negative']);
    expect(z.counts()).toEqual({ positive: 1, negative: 1, byClass: { car: { positive: 1, negative: 1 } } });
  });

  test("positive: 'right' swaps the directions", () => {
    const z = new LineZone({ ...line, positive: 'right' });
    expect(dirs(run(z, [700, 300]))).toEqual(['negative']);
  });

  test('the first sighting sets the side without counting; staying on one side counts nothing', () => {
    const z = new LineZone(line);
    expect(run(z, [300, 320, 310, 290])).toEqual([]);
  });

  test('an anchor exactly on the line tells nothing', () => {
    const z = new LineZone(line);
    expect(dirs(run(z, [520, 500, 500, 520, 500, 480]))).toEqual(['positive']);
  });

  test('jitter on the line with inertiaFrames 1 counts once: a counted track goes back only well past it', () => {
    // 50 px boxes: back over the line by 5 px is jitter, by 30 px (over 35 % of the box) a return.
    expect(dirs(run(new LineZone(line), [510, 495, 505, 495, 490]))).toEqual(['positive']);
    expect(dirs(run(new LineZone(line), [510, 495, 505, 530, 560]))).toEqual(['positive', 'negative']);
    // Once it was well clear of the line (60 px), back over it by 5 px is a crossing again.
    expect(dirs(run(new LineZone(line), [510, 495, 440, 505]))).toEqual(['positive', 'negative']);
  });

  test('jitter on the line with inertiaFrames 2 counts once', () => {
    const z = new LineZone(line, { inertiaFrames: 2, deadbandBoxShare: 0 });
    // Below, flickers above for one frame, back below, then really crosses and stays above.
    const cs = run(z, [540, 510, 495, 505, 498, 496, 480, 300]);
    expect(cs).toHaveLength(1);
    expect(cs[0]).toMatchObject({ direction: 'positive', tsMs: 5 * 200 });
    expect(z.counts().positive).toBe(1);
  });

  test('by default anchors within 8 % of their box height of the line tell no side (jitter of a slow truck)', () => {
    // A truck (box 100 px high) creeping over the line, its anchor wobbling ±7 px across it.
    const ys = [530, 512, 494, 493, 507, 506, 494, 490, 480, 470];
    const truck = (y: number) => {
      const d = at(1, 500, y, 'truck');
      return { ...d, box: { ...d.box, y: y - 100, h: 100 } };
    };
    const feed = (z: LineZone) => ys.flatMap((y, i) => z.update([truck(y)], i * 200));
    expect(feed(new LineZone(line, { inertiaFrames: 2 }))).toMatchObject([
      { direction: 'positive', tsMs: 8 * 200 },
    ]);
    // Without it, the first wobble over the line counts (and the wobble back is not a return).
    expect(feed(new LineZone(line, { inertiaFrames: 2, deadbandBoxShare: 0 }))).toMatchObject([
      { direction: 'positive', tsMs: 3 * 200 },
    ]);
  });

  test('a deadband ignores anchors close to the line', () => {
    const z = new LineZone(line, { deadbandPx: 10 });
    expect(run(z, [520, 495, 505, 497, 530])).toEqual([]);
    expect(dirs(run(z, [520, 495, 480], 2, 'car', 2000))).toEqual(['positive']);
  });

  test('a track that crosses back counts negative', () => {
    const z = new LineZone(line, { inertiaFrames: 2 });
    expect(dirs(run(z, [700, 550, 450, 400, 350, 450, 550, 600]))).toEqual(['positive', 'negative']);
    expect(z.counts()).toMatchObject({ positive: 1, negative: 1 });
  });

  test('missing frames neither confirm nor reset a pending flip', () => {
    const z = new LineZone(line, { inertiaFrames: 2 });
    z.update([at(1, 500, 600)], 0);
    z.update([at(1, 500, 450)], 200);
    z.update([], 400); // not detected
    expect(dirs(z.update([at(1, 500, 400)], 600))).toEqual(['positive']);
  });

  test('passing beyond the ends of the segment is not a crossing', () => {
    const z = new LineZone({ id: 'short', from: [0, 500], to: [400, 500] });
    expect(run(z, [700, 300])).toEqual([]); // x = 500: beyond the end
    const cs = [at(2, 300, 600), at(2, 300, 400)].flatMap((d, i) => z.update([d], 2000 + i * 200));
    expect(dirs(cs)).toEqual(['positive']);
  });

  test('classes filter: other classes are ignored', () => {
    const z = new LineZone({ ...line, classes: ['truck', 'bus'] });
    expect(run(z, [700, 300], 1, 'car')).toEqual([]);
    expect(run(z, [700, 300], 2, 'truck', 1000)).toHaveLength(1);
    expect(run(z, [300, 700], 3, 'bus', 2000)).toHaveLength(1);
    expect(z.counts()).toEqual({
      positive: 1,
      negative: 1,
      byClass: { truck: { positive: 1, negative: 0 }, bus: { positive: 0, negative: 1 } },
    });
  });

  test('several tracks in one frame', () => {
    const z = new LineZone(line);
    z.update([at(1, 100, 600), at(2, 300, 400), at(3, 600, 600, 'bus')], 0);
    const cs = z.update([at(1, 100, 400), at(2, 300, 600), at(3, 600, 590, 'bus')], 200);
    expect(cs.map((c) => [c.trackId, c.direction])).toEqual([
      [1, 'positive'],
      [2, 'negative'],
    ]);
  });

  test('tracks not seen for forgetAfterMs are forgotten', () => {
    const z = new LineZone(line, { forgetAfterMs: 1000 });
    z.update([at(1, 500, 600)], 0);
    z.update([at(2, 800, 600)], 900); // elsewhere: not track 1 under a new id (see adoption)
    expect(z.trackCount).toBe(2);
    z.update([], 1001);
    expect(z.trackCount).toBe(1);
    // Track 1 comes back above the line: a first sighting again, so no crossing.
    expect(z.update([at(1, 500, 400)], 1100)).toEqual([]);
  });
});

describe('LineZone snapshot / restore', () => {
  test('a restored zone carries on exactly, through JSON', () => {
    const opts = { inertiaFrames: 2 };
    const whole = new LineZone(line, opts);
    const ys = [700, 550, 450, 400, 350, 450, 550, 600];
    const expected = run(whole, ys);

    const first = new LineZone(line, opts);
    const a = run(first, ys.slice(0, 3));
    const state = JSON.parse(JSON.stringify(first.snapshot()));
    const second = LineZone.restore(state, line, opts);
    const b = ys.slice(3).flatMap((y, i) => second.update([at(1, 500, y)], (i + 3) * 200));
    expect([...a, ...b]).toEqual(expected);
    expect(second.counts()).toEqual(whole.counts());
    expect(second.snapshot()).toEqual(whole.snapshot());
  });
  test('restore checks the version and the line id', () => {
    const s = new LineZone(line).snapshot();
    expect(() => LineZone.restore(s, { ...line, id: 'other' })).toThrow('"bar"');
    expect(() => LineZone.restore({ ...s, version: 2 as 1 }, line)).toThrow('version');
  });
  test('snapshot and counts are copies', () => {
    const z = new LineZone(line);
    run(z, [700, 300]);
    const c = z.counts();
    c.positive = 99;
    (c.byClass.car ?? { positive: 0 }).positive = 99;
    expect(z.counts()).toEqual({ positive: 1, negative: 0, byClass: { car: { positive: 1, negative: 0 } } });
  });
});
