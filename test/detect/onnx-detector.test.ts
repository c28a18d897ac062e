/**
 * OnnxDetector end to end on tiny generated ONNX models (test/fixtures/tiny-onnx-model.ts) whose
 * output is a hand-built YOLOv8 [1, 4 + C, N] tensor (plus one anchor whose score follows the
 * frame's brightness): shape validation, decoding, NMS, label mapping, un-letterboxing and batching,
 * and every ModelError of create().
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { OnnxDetector } from '../../pipeline/detect/onnx/onnx-detector.ts';
import { ModelError } from '../../pipeline/errors/index.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import type { ModelSpec } from '../../schemas/model.ts';
import { type TinyModelOptions, tinyOnnxModel, yolov8Constant } from '../fixtures/tiny-onnx-model.ts';

const LABELS = ['car', 'person', 'dog', 'truck'];
const C = LABELS.length;
const [CAR, PERSON, DOG, TRUCK] = [0, 1, 2, 3];
/** Anchors in 64×64 input pixels. */
const ANCHORS = [
  { cx: 20, cy: 12, w: 16, h: 8, label: CAR, score: 0.9 }, // 0
  { cx: 21, cy: 12, w: 16, h: 8, label: CAR, score: 0.8 }, // 1: duplicate of 0 → NMS
  { cx: 20, cy: 12, w: 16, h: 8, label: PERSON, score: 0.7 }, // 2: other class, same box → kept
  { cx: 50, cy: 8, w: 10, h: 10, label: DOG, score: 0.95 }, // 3: not in the class map → dropped
  { cx: 40, cy: 50, w: 10, h: 10, label: CAR, score: 0.2 }, // 4: below the threshold
  { cx: 20, cy: 12, w: 16, h: 8, label: TRUCK, score: 0.6 }, // 5: the car of 0 seen as truck → dropped
  { cx: 44, cy: 20, w: 16, h: 8, label: TRUCK, score: 0.85 }, // 6
  { cx: 40, cy: 20, w: 16, h: 8, label: CAR, score: 0.5 }, // 7: IoU 0.6 with the truck: another vehicle
  { cx: 58, cy: 28, w: 16, h: 12, label: CAR, score: 0.65 }, // 8: runs past the frame's right and bottom
  { cx: 10, cy: 20, w: 8, h: 8, label: PERSON, score: 0 }, // 9: score = mean of the input (gain 1)
];
const N = ANCHORS.length;
const CONSTANT = yolov8Constant(C, ANCHORS);
const GAIN = new Float32Array((4 + C) * N);
GAIN[(4 + PERSON) * N + 9] = 1;

/** 64×32 frames at scale 0.5: the source is 128×64, the frame fills the top half of the input. */
const white: RgbFrame = { data: new Uint8Array(64 * 32 * 3).fill(255), width: 64, height: 32, scale: 0.5 };
const black: RgbFrame = { data: new Uint8Array(64 * 32 * 3), width: 64, height: 32, scale: 0.5 };
/** Mean input of the white frame: half 1.0, half padding 114/255. */
const WHITE_MEAN = (1 + 114 / 255) / 2;

/** What the white frame gives, in source pixels (input ÷ 0.5, clipped to 128×64), best first. */
const EXPECTED_WHITE: [string, number, number, number, number, number][] = [
  ['car', 0.9, 24, 16, 32, 16],
  ['truck', 0.85, 72, 32, 32, 16],
  ['person', WHITE_MEAN, 12, 32, 16, 16],
  ['person', 0.7, 24, 16, 32, 16],
  ['car', 0.65, 100, 44, 28, 20], // (50, 22)-(66, 34) → (100, 44)-(132, 68), clipped to (128, 64)
  ['car', 0.5, 64, 32, 32, 16],
];

const simple = (ds: Detection[]) =>
  ds.map((d) => [
    d.cls,
    Number(d.score.toFixed(4)),
    ...[d.box.x, d.box.y, d.box.w, d.box.h].map((v) => Number(v.toFixed(3))),
  ]);
const expected = (list: typeof EXPECTED_WHITE) => list.map(([c, s, ...b]) => [c, Number(s.toFixed(4)), ...b]);

let dir: string;
const files: Record<string, string> = {};
async function model(key: string, o: Partial<TinyModelOptions> = {}): Promise<string> {
  const file = join(dir, `${key}.onnx`);
  await writeFile(
    file,
    tinyOnnxModel(
      o.outputShape
        ? { ...o, outputShape: o.outputShape, constant: o.constant ?? CONSTANT }
        : { outputShape: [4 + C, N], constant: CONSTANT, gain: GAIN, ...o },
    ),
  );
  files[key] = file;
  return file;
}

const spec = (file: string, over: Partial<ModelSpec> = {}): ModelSpec => ({
  file,
  format: 'yolov8',
  backend: 'onnxruntime',
  executionProvider: 'cpu',
  input: { width: 64, height: 64, layout: 'nchw' },
  colour: 'rgb',
  pixelScale: 1 / 255,
  padValue: 114,
  labels: LABELS,
  scoreThreshold: 0.3,
  nmsIou: 0.45,
  ...over,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cityflow-onnx-detector-'));
  await model('dynamic');
  await model('fixed1', { inputShape: [1, 3, 64, 64] });
  await model('fixed2', { inputShape: [2, 3, 64, 64] });
  await model('nhwc', { inputShape: ['batch', 64, 64, 3] });
  await model('dynamicAll', { inputShape: ['batch', 3, 'height', 'width'] });
  // anchor-major [batch, N, 4 + C]
  const t = (a: Float32Array) => {
    const out = new Float32Array(a.length);
    for (let n = 0; n < N; n++) for (let k = 0; k < 4 + C; k++) out[n * (4 + C) + k] = a[k * N + n];
    return out;
  };
  await model('anchorMajor', { outputShape: [N, 4 + C], constant: t(CONSTANT), gain: t(GAIN) });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('OnnxDetector, yolov8 layout, full path', () => {
  test('decodes, drops unmapped labels, merges duplicates, maps back to source pixels and clips', async () => {
    const d = await OnnxDetector.create('v8', spec(files.dynamic), { threads: 1 });
    expect(d.batchSize).toBeNull();
    expect([d.inputWidth, d.inputHeight]).toEqual([64, 64]);
    const [w, b] = await d.detect([white, black]);
    await d.close();
    expect(simple(w)).toEqual(expected(EXPECTED_WHITE));
    // the black frame's brightness anchor stays below the threshold; the rest is the same
    expect(simple(b)).toEqual(expected(EXPECTED_WHITE.filter((e) => e[1] !== WHITE_MEAN)));
  });

  test('a dynamic batch runs in one session.run; fixed batches frame by frame or in chunks, same results', async () => {
    const frames = [white, black, white];
    const results: Detection[][][] = [];
    const runs: number[] = [];
    for (const key of ['dynamic', 'fixed1', 'fixed2']) {
      const d = await OnnxDetector.create(key, spec(files[key]), { threads: 1 });
      const session = (d as unknown as { session: ort.InferenceSession }).session;
      const spy = vi.spyOn(session, 'run');
      results.push(await d.detect(frames));
      runs.push(spy.mock.calls.length);
      if (key === 'fixed2') expect(d.batchSize).toBe(2);
      await d.close();
    }
    expect(runs).toEqual([1, 3, 2]);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(results[0][1]).toHaveLength(EXPECTED_WHITE.length - 1);
  });

  test('nhwc inputs, fully dynamic input dims and anchor-major outputs give the same detections', async () => {
    for (const [key, layout] of [
      ['nhwc', 'nhwc'],
      ['dynamicAll', 'nchw'],
      ['anchorMajor', 'nchw'],
    ] as const) {
      const d = await OnnxDetector.create(
        key,
        spec(files[key], { input: { width: 64, height: 64, layout } }),
        {
          threads: 1,
        },
      );
      expect(d.anchorMajor).toBe(key === 'anchorMajor');
      const [w] = await d.detect([white]);
      await d.close();
      expect(simple(w), key).toEqual(expected(EXPECTED_WHITE));
    }
  });

  test('per-class thresholds and a custom classMap', async () => {
    const strict = await OnnxDetector.create(
      'v8',
      spec(files.dynamic, { scoreThreshold: { default: 0.3, car: 0.7 } }),
      { threads: 1 },
    );
    const [s] = await strict.detect([white]);
    await strict.close();
    expect(simple(s)).toEqual(expected(EXPECTED_WHITE.filter((e) => e[0] !== 'car' || e[1] >= 0.7)));

    const mapped = await OnnxDetector.create(
      'v8',
      spec(files.dynamic, { classMap: { dog: 'bicycle', car: 'car' } }),
      {
        threads: 1,
      },
    );
    const [m] = await mapped.detect([white]);
    await mapped.close();
    // the dog is a bicycle now; trucks and persons are dropped
    expect(simple(m)).toEqual([
      ['bicycle', 0.95, 90, 6, 20, 20], // (45, 3)-(55, 13) in the input
      ...expected(EXPECTED_WHITE.filter((e) => e[0] === 'car')),
    ]);
  });

  test('centre placement: the frame offset is subtracted before scaling', async () => {
    const d = await OnnxDetector.create('v8', spec(files.dynamic), { threads: 1, placement: 'centre' });
    const small: RgbFrame = {
      data: new Uint8Array(32 * 32 * 3).fill(255),
      width: 32,
      height: 32,
      scale: 0.25,
    };
    const [dets] = await d.detect([small]);
    await d.close();
    // the frame sits at (16, 16)-(48, 48); truck 6 is (36, 16)-(52, 24) in the input →
    // ((36 − 16) / 0.25, (16 − 16) / 0.25)-((52 − 16) / 0.25, (24 − 16) / 0.25), clipped to 128×128
    expect(dets.find((x) => x.cls === 'truck')?.box).toEqual({ x: 80, y: 0, w: 48, h: 32 });
    // the car of anchor 0, (12, 8)-(28, 16), lies above the frame: clipped away
    expect(dets.filter((x) => x.cls === 'car' && x.score > 0.89)).toEqual([]);
  });

  test('frames: none → no run; too large → RangeError naming the sizes; close() ends it', async () => {
    const d = await OnnxDetector.create('v8', spec(files.dynamic), { threads: 1 });
    expect(await d.detect([])).toEqual([]);
    const big: RgbFrame = { data: new Uint8Array(80 * 40 * 3), width: 80, height: 40, scale: 1 };
    await expect(d.detect([white, big])).rejects.toThrow(RangeError);
    await expect(d.detect([big])).rejects.toThrow(
      'v8: frame 0 is 80x40; frames must fit inside the 64x64 input',
    );
    expect(await d.detect([white])).toHaveLength(1); // still works
    await d.close();
    await expect(d.detect([white])).rejects.toThrow(/after close/);
  });
});

describe('OnnxDetector, yolox layout, full path', () => {
  // 64×64 input: 8×8 cells at stride 8 (rows 0-63), 4×4 at 16 (64-79), 2×2 at 32 (80-83); 5 + 4 values a row.
  const F = 5 + C;
  function yoloxConstant(decoded: boolean): Float32Array {
    const t = new Float32Array(84 * F);
    let r = 0;
    for (const [s, g] of [
      [8, 8],
      [16, 4],
      [32, 2],
    ]) {
      for (let gy = 0; gy < g; gy++) {
        for (let gx = 0; gx < g; gx++, r++) {
          if (decoded) t.set([(gx + 0.5) * s, (gy + 0.5) * s, s, s], r * F); // what a decoding export emits
        }
      }
    }
    // A car at centre (24, 8), 32×16, seen by cell (1, 0) at stride 16 and, weaker, by (3, 1) at stride 8.
    t.set(decoded ? [24, 8, 32, 16, 0.9, 0.8] : [0.5, 0.5, Math.log(2), 0, 0.9, 0.8], 65 * F);
    t.set(decoded ? [24, 8, 32, 16, 0.7, 0.9] : [0, 0, Math.log(4), Math.log(2), 0.7, 0.9], 11 * F);
    // A person at centre (56, 40) of cell (3, 2) at stride 16, 16×16
    t.set(decoded ? [56, 40, 16, 16, 0.8, 0, 0.75] : [0.5, 0.5, 0, 0, 0.8, 0, 0.75], (64 + 2 * 4 + 3) * F);
    return t;
  }

  for (const decoded of [false, true]) {
    test(`${decoded ? 'decoded' : 'raw'} boxes: found on the test run, decoded, merged, mapped back`, async () => {
      const file = await model(`yolox-${decoded}`, {
        outputShape: [84, F],
        constant: yoloxConstant(decoded),
      });
      const d = await OnnxDetector.create('x', spec(file, { format: 'yolox' }), { threads: 1 });
      expect(d.boxesDecoded).toBe(decoded);
      const square: RgbFrame = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64, scale: 0.5 };
      const [a, b] = await d.detect([white, square]);
      await d.close();
      // the person (48, 32)-(64, 48) lies in the padding of the 64×32 frame: clipped away
      expect(simple(a)).toEqual([['car', 0.72, 16, 0, 64, 32]]);
      expect(simple(b)).toEqual([
        ['car', 0.72, 16, 0, 64, 32],
        ['person', 0.6, 96, 64, 32, 32],
      ]);
    });
  }
});

describe('OnnxDetector.create errors name the model and the problem', () => {
  async function createError(name: string, s: ModelSpec, threads = 1): Promise<string> {
    const err = await OnnxDetector.create(name, s, { threads }).then(
      async (d) => {
        await d.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).model).toBe(name);
    expect((err as ModelError).message.startsWith(`model ${name}: `)).toBe(true);
    return (err as ModelError).message;
  }

  test('missing file, no file, not a file, not ONNX', async () => {
    const missing = join(dir, 'missing.onnx');
    expect(await createError('m1', spec(missing))).toBe(`model m1: file ${missing} not found`);
    expect(await createError('m2', spec(missing, { file: undefined }))).toMatch(/no file declared/);
    expect(await createError('m3', spec(dir))).toMatch(/is not a file/);
    const junk = join(dir, 'junk.onnx');
    await writeFile(junk, 'this is not a protobuf\n');
    expect(await createError('m4', spec(junk))).toMatch(
      new RegExp(`model m4: ${junk} is not a loadable ONNX model: .+`),
    );
    // fitFrame reads and rewrites the file itself before onnxruntime sees it: the same error.
    const fit = spec(junk);
    expect(await createError('m5', { ...fit, input: { ...fit.input, fitFrame: true } })).toMatch(
      new RegExp(`model m5: ${junk} is not a loadable ONNX model: .+`),
    );
  });

  test('input shape: size, layout, rank', async () => {
    expect(
      await createError('in1', spec(files.dynamic, { input: { width: 416, height: 416, layout: 'nchw' } })),
    ).toBe(
      'model in1: input images is [batch, 3, 64, 64], but the declaration says nchw [batch, 3, 416, 416]',
    );
    expect(
      await createError('in2', spec(files.dynamic, { input: { width: 64, height: 64, layout: 'nhwc' } })),
    ).toMatch(
      /input images is \[batch, 3, 64, 64\], but the declaration says nhwc \[batch, 64, 64, 3\] \(it looks nchw: set input.layout\)/,
    );
    const rank3 = await model('rank3', { inputShape: [1, 64, 64] });
    expect(await createError('in3', spec(rank3))).toMatch(/input images has rank 3 \[1, 64, 64\]/);
  });

  test('output not matching the format: yolov8 declared as yolox, yolox as yolov8, wrong rows', async () => {
    expect(await createError('f1', spec(files.dynamic, { format: 'yolox' }))).toBe(
      'model f1: output output0 is [batch, 8, 10]: that is a yolov8 layout [batch, 4 + C, N] (no objectness), not yolox; declare format: yolov8',
    );
    // 64×64 at strides 8/16/32: 64 + 16 + 4 = 84 rows of 5 + 4
    const yolox = await model('yoloxShape', { outputShape: [84, 9], constant: new Float32Array(84 * 9) });
    expect(await createError('f2', spec(yolox))).toMatch(
      /output output0 is \[batch, 84, 9\]: that is a yolox layout \[batch, N, 5 \+ C\] \(with objectness\), not yolov8; declare format: yolox/,
    );
    const rows80 = await model('rows80', { outputShape: [80, 9], constant: new Float32Array(80 * 9) });
    expect(await createError('f3', spec(rows80, { format: 'yolox' }))).toMatch(
      /output output0 is \[batch, 80, 9\], but format yolox with a 64x64 input needs \[batch, 84, 9\]/,
    );
  });

  test('labels not matching the class count', async () => {
    expect(await createError('l1', spec(files.dynamic, { labels: ['car', 'person', 'truck'] }))).toMatch(
      /output output0 is \[batch, 8, 10\]: 4 classes \(8 = 4 \+ 4\), but labels has 3 names/,
    );
    expect(await createError('l2', spec(files.dynamic, { labels: 'coco' }))).toMatch(
      /4 classes \(8 = 4 \+ 4\), but labels has 80 names/,
    );
    const yolox = files.yoloxShape;
    expect(await createError('l3', spec(yolox, { format: 'yolox', labels: 'coco' }))).toMatch(
      /output output0 is \[batch, 84, 9\]: 4 classes \(9 = 5 \+ 4\), but labels has 80 names/,
    );
  });

  test('classMap naming labels the model does not have; nothing mapped', async () => {
    expect(
      await createError('c1', spec(files.dynamic, { classMap: { bicycle: 'bicycle', car: 'car' } })),
    ).toBe(
      'model c1: classMap names label "bicycle" that the model does not have (labels: car, person, dog, truck)',
    );
    expect(await createError('c2', spec(files.dynamic, { labels: ['a', 'b', 'c', 'd'] }))).toMatch(
      /no label maps to a product class/,
    );
  });

  test('format centernet with a file', async () => {
    expect(await createError('cn', spec(files.dynamic, { format: 'centernet' }))).toMatch(
      /format centernet is only supported for the built-in model `centernet`/,
    );
  });

  test('cuda / tensorrt on a build without them: says what a GPU host needs', async () => {
    for (const ep of ['cuda', 'tensorrt'] as const) {
      const msg = await createError('gpu', spec(files.dynamic, { executionProvider: ep }));
      expect(msg).toMatch(
        new RegExp(`executionProvider ${ep} is not available in this onnxruntime-node build`),
      );
      expect(msg).toMatch(/CUDA 13 and cuDNN 9/);
      expect(msg).toMatch(/GPU providers/);
    }
  });

  test('scores that are not probabilities (no sigmoid in the graph)', async () => {
    const logits = CONSTANT.map((v, i) => (i >= 4 * N ? v * 10 - 5 : v));
    const file = await model('logits', { constant: logits, gain: new Float32Array(CONSTANT.length) });
    expect(await createError('lg', spec(file))).toMatch(
      /output output0 scores range over \[-5\.00, 4\.50\], not \[0, 1\]: the yolov8 decoder expects probabilities/,
    );
  });

  test('bad options', async () => {
    expect(await createError('t0', spec(files.dynamic), 0)).toMatch(/threads must be an integer ≥ 1, got 0/);
    expect(await createError('b', spec(files.dynamic, { backend: 'tfjs' }))).toMatch(/backend tfjs/);
    expect(
      await createError(
        's',
        spec(files.dynamic, { scoreThreshold: { default: 0.3, dog: 0.5 } as ModelSpec['scoreThreshold'] }),
      ),
    ).toMatch(/scoreThreshold names unknown class "dog"/);
  });
});
