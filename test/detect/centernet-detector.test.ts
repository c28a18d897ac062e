import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CenternetDetector } from '../../pipeline/detect/centernet/centernet-detector.ts';
import { ModelError } from '../../pipeline/errors/index.ts';
import { iou } from '../../pipeline/geometry/box-iou.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { Box, Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { decodeRgbFrames } from '../helpers/gst-frames.ts';

const sample = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));
const SRC_W = 640;

/**
 * Vehicles annotated by hand on the 640×352 source (PNG exports of the frames, see the report):
 * t=0 s: the white sedan driving towards the camera, the dark sedan parked right of the traffic island;
 * t=8 s: the white pickup in the foreground, cut by the bottom edge.
 */
const T0_WHITE_CAR: Box = { x: 230, y: 129, w: 59, h: 43 };
const T0_DARK_SEDAN: Box = { x: 353, y: 133, w: 62, h: 30 };
const T8_PICKUP: Box = { x: 320, y: 163, w: 283, h: 189 };

let frames512: Uint8Array[]; // 512×282 (scale 0.8), one frame every 4 s
let frames320: Uint8Array[]; // 320×176 (scale 0.5)
let detector: CenternetDetector;

const frame = (data: Uint8Array, width: number, height: number): RgbFrame => ({
  data,
  width,
  height,
  scale: width / SRC_W,
});

function best(dets: Detection[], target: Box, classes: ProductClass[]): Detection | undefined {
  const matches = dets.filter((d) => classes.includes(d.cls));
  matches.sort((p, q) => iou(q.box, target) - iou(p.box, target));
  return matches[0];
}

beforeAll(async () => {
  [frames512, frames320] = await Promise.all([
    decodeRgbFrames(sample, { width: 512, height: 282, framerate: '1/4' }),
    decodeRgbFrames(sample, { width: 320, height: 176, framerate: '1/4' }),
  ]);
  detector = await CenternetDetector.create();
});

afterAll(async () => {
  await detector?.close();
});

describe('CenternetDetector on real footage', () => {
  test('finds the cars of t=0 s with boxes in source pixels', async () => {
    const [dets] = await detector.detect([frame(frames512[0], 512, 282)]);
    const cars = dets.filter((d) => d.cls === 'car');
    expect(cars.length).toBeGreaterThanOrEqual(6); // about nine vehicles are visible, some half hidden
    for (const d of dets) {
      expect(d.score).toBeGreaterThanOrEqual(0.3);
      expect(d.box.x).toBeGreaterThanOrEqual(0);
      expect(d.box.y).toBeGreaterThanOrEqual(0);
      expect(d.box.x + d.box.w).toBeLessThanOrEqual(SRC_W);
      expect(d.box.y + d.box.h).toBeLessThanOrEqual(282 / 0.8); // the frame's height in source pixels
    }
    const white = best(dets, T0_WHITE_CAR, ['car']);
    expect(white && iou(white.box, T0_WHITE_CAR)).toBeGreaterThan(0.75);
    expect(white?.score).toBeGreaterThan(0.45);
    const dark = best(dets, T0_DARK_SEDAN, ['car']);
    expect(dark && iou(dark.box, T0_DARK_SEDAN)).toBeGreaterThan(0.6);
  });

  test('reports the pickup of t=8 s once although it peaks as car and as truck', async () => {
    const [dets] = await detector.detect([frame(frames512[2], 512, 282)]);
    const hits = dets.filter((d) => iou(d.box, T8_PICKUP) > 0.5);
    expect(hits).toHaveLength(1);
    expect(['car', 'truck']).toContain(hits[0].cls);
    expect(iou(hits[0].box, T8_PICKUP)).toBeGreaterThan(0.8);
  });

  test('clips boxes to the source: the red car entering bottom-right at t=4 s', async () => {
    const f = frame(frames512[1], 512, 282);
    const [dets] = await detector.detect([f]);
    const corner = dets.find((d) => d.box.x > 480 && d.box.y > 240);
    expect(corner?.cls).toBe('car');
    expect(corner?.score).toBeGreaterThan(0.5);
    // Its raw box runs past the right edge: clipped to frame.width / scale; it reaches the bottom.
    expect(corner && corner.box.x + corner.box.w).toBeCloseTo(f.width / f.scale, 3);
    expect(corner && corner.box.y + corner.box.h).toBeGreaterThan(345);
    expect(corner && corner.box.y + corner.box.h).toBeLessThanOrEqual(f.height / f.scale);
  });

  test('maps boxes back through frame.scale: a 320×176 frame finds the same car', async () => {
    const [dets] = await detector.detect([frame(frames320[0], 320, 176)]);
    const white = best(dets, T0_WHITE_CAR, ['car']);
    expect(white && iou(white.box, T0_WHITE_CAR)).toBeGreaterThan(0.6);
    for (const d of dets) expect(d.box.x + d.box.w).toBeLessThanOrEqual(SRC_W);
  });
});

describe('CenternetDetector contract', () => {
  test('a flat grey frame gives no detections', async () => {
    const grey = new Uint8Array(512 * 282 * 3).fill(128);
    expect(await detector.detect([frame(grey, 512, 282)])).toEqual([[]]);
  });

  test('one result list per frame, in order; no frames, no run', async () => {
    expect(await detector.detect([])).toEqual([]);
    const grey = new Uint8Array(512 * 282 * 3).fill(128);
    const out = await detector.detect([
      frame(frames512[0], 512, 282),
      frame(grey, 512, 282),
      frame(frames512[2], 512, 282),
    ]);
    expect(out).toHaveLength(3);
    expect(out[0].length).toBeGreaterThan(0);
    expect(out[1]).toEqual([]);
    expect(out[2].length).toBeGreaterThan(0);
  });

  test('a batch of 2 equals two single calls', async () => {
    const a = frame(frames512[0], 512, 282);
    const b = frame(frames512[5], 512, 282);
    const [batchA, batchB] = await detector.detect([a, b]);
    const [singleA] = await detector.detect([a]);
    const [singleB] = await detector.detect([b]);
    for (const [x, y] of [
      [batchA, singleA],
      [batchB, singleB],
    ]) {
      expect(x.map((d) => d.cls)).toEqual(y.map((d) => d.cls));
      x.forEach((d, i) => {
        expect(d.score).toBeCloseTo(y[i].score, 4);
        for (const k of ['x', 'y', 'w', 'h'] as const) expect(d.box[k]).toBeCloseTo(y[i].box[k], 2);
      });
    }
  });

  test('a smaller frame after a larger one sees zero padding, not leftovers', async () => {
    const small = frame(frames320[2], 320, 176);
    await detector.detect([frame(frames512[2], 512, 282)]); // fills the reused input buffer
    const [after] = await detector.detect([small]);
    const fresh = await CenternetDetector.create({ modelPath: detector.modelPath });
    const [clean] = await fresh.detect([small]);
    await fresh.close();
    expect(after).toEqual(clean);
  });

  test('concurrent calls are serialized and all answered', async () => {
    const f = frame(frames512[0], 512, 282);
    const [x, y] = await Promise.all([detector.detect([f]), detector.detect([f])]);
    expect(x).toEqual(y);
  });

  test('classes filter', async () => {
    const only = await CenternetDetector.create({ modelPath: detector.modelPath, classes: ['person'] });
    const [dets] = await only.detect([frame(frames512[0], 512, 282)]);
    await only.close();
    expect(dets.every((d) => d.cls === 'person')).toBe(true);
  });

  test('frames that do not fit are rejected', async () => {
    const big = new Uint8Array(640 * 352 * 3);
    await expect(detector.detect([{ data: big, width: 640, height: 352, scale: 1 }])).rejects.toThrow(
      /fit inside 512x512/,
    );
    await expect(detector.detect([{ data: big, width: 512, height: 282, scale: 0.8 }])).rejects.toThrow(
      /bytes/,
    );
    // and the detector still works afterwards
    expect(await detector.detect([])).toEqual([]);
  });
});

describe('CenternetDetector errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cityflow-detector-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing model file is a ModelError naming the path', async () => {
    const modelPath = join(dir, 'missing.onnx');
    const err = await CenternetDetector.create({ modelPath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).model).toBe(modelPath);
    expect((err as ModelError).message).toContain(modelPath);
  });

  test('a file that is not ONNX is a ModelError naming the path', async () => {
    const modelPath = join(dir, 'not-a-model.onnx');
    await writeFile(modelPath, 'this is not a protobuf\n');
    const err = await CenternetDetector.create({ modelPath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).model).toBe(modelPath);
    expect((err as ModelError).message).toMatch(new RegExp(`model ${modelPath}: not a loadable ONNX model`));
  });

  test('invalid options fail early, naming the model and the option', async () => {
    await expect(CenternetDetector.create({ scoreThreshold: 1.5 })).rejects.toThrow(
      /model centernet: option scoreThreshold/,
    );
    await expect(CenternetDetector.create({ intraOpNumThreads: 0 })).rejects.toThrow(ModelError);
    await expect(CenternetDetector.create({ classes: [] })).rejects.toThrow(/option classes/);
    await expect(CenternetDetector.create({ classes: ['dog' as ProductClass] })).rejects.toThrow(
      /unknown class "dog"/,
    );
  });
});
