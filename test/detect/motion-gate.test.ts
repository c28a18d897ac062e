import { describe, expect, test } from 'vitest';
import { MotionGate } from '../../pipeline/detect/motion/motion-gate.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { decodeRgbFrames } from '../helpers/gst-frames.ts';

const W = 128;
const H = 64;
function frame(paint?: (x: number, y: number) => number | null): RgbFrame {
  const data = new Uint8Array(W * H * 3).fill(100);
  if (paint) {
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const v = paint(x, y);
        if (v !== null) data.fill(v, (y * W + x) * 3, (y * W + x) * 3 + 3);
      }
  }
  return { data, width: W, height: H, scale: 1 };
}
const box =
  (x0: number, y0: number, size: number, v = 250) =>
  (x: number, y: number) =>
    x >= x0 && x < x0 + size && y >= y0 && y < y0 + size ? v : null;

describe('MotionGate', () => {
  const opts = { minChangedFraction: 0.02, pixelDelta: 12, maxSkipFrames: 3, cellSize: 16 };

  test('analyses the first frame, skips still frames, analyses when something moves', () => {
    const g = new MotionGate(opts);
    expect(g.update(frame())).toBe(true);
    expect(g.update(frame())).toBe(false);
    // noise of ±5 in every pixel is below pixelDelta once averaged over a cell
    expect(g.update(frame((x, y) => 100 + ((x * 7 + y * 13) % 11) - 5))).toBe(false);
    expect(g.update(frame(box(40, 20, 20)))).toBe(true);
    expect(g.update(frame(box(40, 20, 20)))).toBe(false); // it stopped: same as the reference
    expect(g.update(frame(box(80, 20, 20)))).toBe(true);
  });

  test('analyses at least every maxSkipFrames + 1 frames', () => {
    const g = new MotionGate(opts);
    const seen = Array.from({ length: 9 }, () => g.update(frame()));
    expect(seen).toEqual([true, false, false, false, true, false, false, false, true]);
  });

  test('slow movement accumulates against the last analysed frame instead of slipping under the threshold', () => {
    const g = new MotionGate({ ...opts, maxSkipFrames: 100 });
    g.update(frame());
    // a bright square creeping 2 px per frame: each step alone changes little
    const decisions = Array.from({ length: 12 }, (_, i) => g.update(frame(box(10 + 2 * i, 24, 12))));
    expect(decisions.some(Boolean)).toBe(true);
  });

  test('rejects bad options naming them', () => {
    expect(() => new MotionGate({ ...opts, minChangedFraction: 2 })).toThrow(/minChangedFraction/);
    expect(() => new MotionGate({ ...opts, maxSkipFrames: -1 })).toThrow(/maxSkipFrames/);
  });

  test('on real footage with traffic it skips part of the frames, not all', async () => {
    const frames = await decodeRgbFrames(SAMPLE, { width: 512, height: 282, framerate: '5/1' });
    const g = new MotionGate({ minChangedFraction: 0.01, pixelDelta: 12, maxSkipFrames: 25 });
    const analysed = frames.filter((data) => g.update({ data, width: 512, height: 282, scale: 0.8 })).length;
    expect(analysed).toBeGreaterThan(5);
    expect(analysed).toBeLessThanOrEqual(frames.length);
  });
});
