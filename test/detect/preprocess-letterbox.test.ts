import { describe, expect, test } from 'vitest';
import {
  type LetterboxOptions,
  LetterboxTensor,
  letterboxOptionsFromSpec,
} from '../../pipeline/detect/preprocess/letterbox-tensor.ts';
import type { RgbFrame } from '../../schemas/frame.ts';

/** A 2×1 frame: a red-ish pixel (10, 20, 30) then (40, 50, 60). */
const tiny: RgbFrame = { data: Uint8Array.of(10, 20, 30, 40, 50, 60), width: 2, height: 1, scale: 0.5 };
const base: LetterboxOptions = {
  width: 3,
  height: 2,
  layout: 'nchw',
  colour: 'rgb',
  pixelScale: 1,
  padValue: 114,
};
const P = 114;

describe('LetterboxTensor', () => {
  test('nchw, rgb, scale 1: frame top-left, padding elsewhere', () => {
    const lb = new LetterboxTensor(base);
    // planes R, G, B; each 2 rows of 3
    expect(Array.from(lb.fill([tiny]))).toEqual([
      ...[10, 40, P, P, P, P],
      ...[20, 50, P, P, P, P],
      ...[30, 60, P, P, P, P],
    ]);
    expect(lb.offset(0)).toEqual({ x: 0, y: 0 });
  });

  test('nhwc, bgr: channels swapped per pixel', () => {
    const lb = new LetterboxTensor({ ...base, layout: 'nhwc', colour: 'bgr' });
    expect(Array.from(lb.fill([tiny]))).toEqual([
      ...[30, 20, 10, 60, 50, 40, P, P, P],
      ...[P, P, P, P, P, P, P, P, P],
    ]);
  });

  test('pixelScale, then mean/std in the model channel order; padding normalised too', () => {
    const lb = new LetterboxTensor({
      ...base,
      colour: 'bgr',
      pixelScale: 0.5,
      mean: [1, 2, 3], // B, G, R
      std: [2, 4, 8],
      padValue: 0,
    });
    const out = Array.from(lb.fill([tiny]));
    const plane = (c: number) => out.slice(c * 6, c * 6 + 6);
    // channel 0 = B: (30·0.5 − 1)/2 = 7, (60·0.5 − 1)/2 = 14.5, pad (0 − 1)/2 = −0.5
    expect(plane(0)).toEqual([7, 14.5, -0.5, -0.5, -0.5, -0.5]);
    // channel 1 = G: (20·0.5 − 2)/4 = 2, (50·0.5 − 2)/4 = 5.75, pad −0.5
    expect(plane(1)).toEqual([2, 5.75, -0.5, -0.5, -0.5, -0.5]);
    // channel 2 = R: (10·0.5 − 3)/8 = 0.25, (40·0.5 − 3)/8 = 2.125, pad −0.375
    expect(plane(2)).toEqual([0.25, 2.125, -0.375, -0.375, -0.375, -0.375]);
  });

  test('YOLOv8-style scale 1/255 maps 255 to 1 and pad 114 to 114/255', () => {
    const lb = new LetterboxTensor({ ...base, pixelScale: 1 / 255 });
    const white: RgbFrame = { data: new Uint8Array(6).fill(255), width: 2, height: 1, scale: 1 };
    const out = lb.fill([white]);
    expect(out[0]).toBeCloseTo(1, 6);
    expect(out[2]).toBeCloseTo(114 / 255, 6);
  });

  test('centre placement puts the frame in the middle and reports the offset', () => {
    const lb = new LetterboxTensor({ ...base, width: 4, height: 3, placement: 'centre' });
    const out = Array.from(lb.fill([tiny]));
    // R plane, 3 rows of 4: frame at x 1..2, y 1
    expect(out.slice(0, 12)).toEqual([P, P, P, P, P, 10, 40, P, P, P, P, P]);
    expect(lb.offset(0)).toEqual({ x: 1, y: 1 });
  });

  test('a batch goes into one array, slot after slot; extra slots are all padding', () => {
    const lb = new LetterboxTensor({ ...base, layout: 'nhwc' });
    const other: RgbFrame = { data: Uint8Array.of(1, 2, 3), width: 1, height: 1, scale: 1 };
    const out = lb.fill([tiny, other], 3);
    expect(out).toHaveLength(3 * 18);
    expect(Array.from(out.subarray(0, 6))).toEqual([10, 20, 30, 40, 50, 60]);
    expect(Array.from(out.subarray(18, 24))).toEqual([1, 2, 3, P, P, P]);
    expect(Array.from(out.subarray(36)).every((v) => v === P)).toBe(true);
  });

  test('the buffer is reused, and a smaller frame after a larger one sees padding, not leftovers', () => {
    const lb = new LetterboxTensor(base);
    const big: RgbFrame = { data: new Uint8Array(3 * 2 * 3).fill(7), width: 3, height: 2, scale: 1 };
    const first = lb.fill([big]);
    expect(Array.from(first).every((v) => v === 7)).toBe(true);
    const second = lb.fill([tiny]);
    expect(second.buffer).toBe(first.buffer);
    expect(Array.from(second)).toEqual(Array.from(new LetterboxTensor(base).fill([tiny])));
    // and a slot that held a frame is re-padded when the next call leaves it empty
    lb.fill([big, big]);
    const padded = lb.fill([tiny], 2);
    expect(Array.from(padded.subarray(18)).every((v) => v === P)).toBe(true);
  });

  test('frames larger than the input box are a RangeError naming the sizes', () => {
    const lb = new LetterboxTensor({ ...base, name: 'yolox-nano' });
    const wide: RgbFrame = { data: new Uint8Array(4 * 1 * 3), width: 4, height: 1, scale: 1 };
    expect(() => lb.fill([tiny, wide])).toThrow(RangeError);
    expect(() => lb.fill([tiny, wide])).toThrow(
      'yolox-nano: frame 1 is 4x1; frames must fit inside the 3x2 input',
    );
    const short: RgbFrame = { ...tiny, data: new Uint8Array(5) };
    expect(() => lb.fill([short])).toThrow(/5 bytes, expected 2x1x3/);
    expect(() => lb.fill([{ ...tiny, scale: 0 }])).toThrow(/scale 0/);
  });

  test('options come from a ModelSpec with its defaults', () => {
    const o = letterboxOptionsFromSpec(
      {
        file: 'm.onnx',
        format: 'yolov8',
        backend: 'onnxruntime',
        executionProvider: 'cpu',
        input: { width: 640, height: 480, layout: 'nhwc' },
        colour: 'rgb',
        pixelScale: 1 / 255,
        padValue: 114,
        labels: 'coco',
        scoreThreshold: 0.3,
        nmsIou: 0.45,
      },
      'v8',
    );
    expect(o).toEqual({
      width: 640,
      height: 480,
      layout: 'nhwc',
      colour: 'rgb',
      pixelScale: 1 / 255,
      padValue: 114,
      name: 'v8',
    });
  });

  test('bad options are RangeErrors', () => {
    expect(() => new LetterboxTensor({ ...base, pixelScale: 0 })).toThrow(/pixelScale/);
    expect(() => new LetterboxTensor({ ...base, std: [1, 0, 1] })).toThrow(/std/);
    expect(() => new LetterboxTensor({ ...base, width: 0 })).toThrow(/input size/);
  });
});
