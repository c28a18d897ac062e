import { describe, expect, test } from 'vitest';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';
import { missedFirstBox } from '../../pipeline/track/missed-first-box.ts';
import type { Box, Detection } from '../../schemas/detection.ts';

// A car driving away up the picture at 2 fps, slowing down on screen: seen at y 300 (frame 0),
// missed at frame 1 (y 200), found at frame 2 (y 130) with its motion traced back to frame 1.
const car = (y: number, w = 40, h = 60): Box => ({ x: 300, y, w, h });

describe('missedFirstBox', () => {
  const from = car(200, 30, 45);
  const box = car(130, 24, 36);

  test('the ended box on the way back along the motion, 0.5–2.5 steps, is found', () => {
    const ended = [{ box: car(300), tsMs: 0 }];
    expect(missedFirstBox(ended, from, box)).toBe(ended[0]);
  });

  test('not one in the next lane, nor too far back, nor cut by the edge; none for a still box', () => {
    expect(missedFirstBox([{ box: { ...car(300), x: 380 }, tsMs: 0 }], from, box)).toBeNull();
    expect(missedFirstBox([{ box: car(500), tsMs: 0 }], from, box)).toBeNull();
    expect(missedFirstBox([{ box: car(300), tsMs: 0, cut: true }], from, box)).toBeNull();
    expect(missedFirstBox([{ box: car(300), tsMs: 0 }], from, from)).toBeNull();
  });
});

describe('ByteTracker: a vehicle missed at its second frame', () => {
  const det = (box: Box, extra: Partial<Detection> = {}): Detection => ({
    cls: 'car',
    score: 0.8,
    box,
    ...extra,
  });

  test("the new track's origin is the box of the tentative track the miss ended", () => {
    const t = new ByteTracker({ minHits: 2 });
    t.update([], -500);
    expect(t.update([det(car(300))], 0)).toEqual([]); // tentative
    expect(t.update([], 500)).toEqual([]); // missed: the tentative track ends
    // Found again; its motion (centre 35 px up over the last step) reaches back only to frame 1.
    const [r] = t.update(
      [det(car(130, 24, 36), { motion: { dx: 0, dy: -70, dtMs: 500, scale: 1.25 } })],
      1000,
    );
    expect(r.origin).toEqual([320, 360]); // frame 0's bottom-centre, not frame 1's (y 245)
    // Carried across a segment boundary too.
    const a = new ByteTracker({ minHits: 2 });
    a.update([], -500);
    a.update([det(car(300))], 0);
    a.update([], 500);
    const b = ByteTracker.restore(JSON.parse(JSON.stringify(a.snapshot())), { minHits: 2 });
    expect(
      b.update([det(car(130, 24, 36), { motion: { dx: 0, dy: -70, dtMs: 500, scale: 1.25 } })], 1000)[0]
        .origin,
    ).toEqual([320, 360]);
  });

  test('a box cut by the lower edge without motion (entering) does not continue a track seen once it does not overlap', () => {
    const t = new ByteTracker({ minHits: 2 });
    t.update([], -500);
    t.update([det({ x: 483, y: 175, w: 48, h: 101 })], 0);
    // 120 px lower, at the picture's bottom edge: another vehicle coming in from under the camera.
    const entering = det({ x: 527, y: 292, w: 32, h: 68 }, { cut: true });
    expect(t.update([entering], 500)).toEqual([]); // no confirmed track: a new tentative one
    const u = new ByteTracker({ minHits: 2 });
    u.update([], -500);
    u.update([det({ x: 483, y: 175, w: 48, h: 101 })], 0);
    expect(u.update([{ ...entering, cut: false }], 500)).toHaveLength(1); // whole, it may continue it
  });
});
