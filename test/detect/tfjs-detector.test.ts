import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CenternetDetector } from '../../pipeline/detect/centernet/centernet-detector.ts';
import { BUILTIN_MODELS, createDetector } from '../../pipeline/detect/detector-spec.ts';
import {
  chooseTfjsBackend,
  ensureTfjsBackend,
  formatTfjsBackend,
} from '../../pipeline/detect/tfjs/tfjs-backend.ts';
import { builtinCenternetGraph, TfjsDetector } from '../../pipeline/detect/tfjs/tfjs-detector.ts';
import { ModelError } from '../../pipeline/errors/index.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import type { ModelSpec } from '../../schemas/model.ts';
import { decodeRgbFrames } from '../helpers/gst-frames.ts';

const sample = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));
const SPEC: ModelSpec = { ...BUILTIN_MODELS.centernet, backend: 'tfjs' };

let frames: RgbFrame[]; // t = 0, 4, 8 s at 512×282 (scale 0.8), and t = 0 s at 320×176 (scale 0.5)
let tfjs: TfjsDetector;
let onnx: CenternetDetector;

beforeAll(async () => {
  const [f512, f320] = await Promise.all([
    decodeRgbFrames(sample, { width: 512, height: 282, framerate: '1/4' }),
    decodeRgbFrames(sample, { width: 320, height: 176, framerate: '1/4' }),
  ]);
  frames = [
    ...f512.slice(0, 3).map((data) => ({ data, width: 512, height: 282, scale: 0.8 })),
    { data: f320[0], width: 320, height: 176, scale: 0.5 },
  ];
  const d = await createDetector({ name: 'centernet', spec: SPEC });
  expect(d).toBeInstanceOf(TfjsDetector);
  tfjs = d as TfjsDetector;
  onnx = await CenternetDetector.create({ intraOpNumThreads: 1 });
});

afterAll(async () => {
  await tfjs?.close();
  await onnx?.close();
});

describe('TF.js backend selection', () => {
  test('the detector reports the backend chosen, and it is the active one', async () => {
    const choice = await ensureTfjsBackend();
    expect(tfjs.backend).toEqual(choice);
    expect(tf.getBackend()).toBe(choice.backend);
    expect(formatTfjsBackend(choice)).toMatch(
      new RegExp(`^tfjs backend: ${choice.backend} \\(${choice.package}`),
    );
    if (choice.kind === 'wasm') {
      // This host (no tfjs-node: it cannot be installed from the registry alone): wasm, with SIMD.
      expect(choice.skipped.map((s) => s.package)).toEqual([
        '@tensorflow/tfjs-node-gpu',
        '@tensorflow/tfjs-node',
      ]);
      expect(choice.detail).toBe('SIMD on, 1 thread');
    }
  });

  test('tries tfjs-node-gpu, then tfjs-node, then wasm; a broken package is passed over with its error', async () => {
    const tried: string[] = [];
    const choice = await chooseTfjsBackend({
      load: async (pkg) => {
        tried.push(pkg);
        if (pkg === '@tensorflow/tfjs-node-gpu')
          throw new Error('libcudart.so.12: cannot open shared object file: No such file or directory');
        const err = Object.assign(new Error(`Cannot find package '${pkg}' imported from x.ts`), {
          code: 'ERR_MODULE_NOT_FOUND',
        });
        throw err;
      },
    });
    expect(tried).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(choice.kind).toBe('wasm');
    expect(choice.skipped).toEqual([
      {
        package: '@tensorflow/tfjs-node-gpu',
        reason: 'libcudart.so.12: cannot open shared object file: No such file or directory',
      },
      { package: '@tensorflow/tfjs-node', reason: 'not installed' },
    ]);
  });

  test('a package that loads but registers no backend is passed over', async () => {
    const choice = await chooseTfjsBackend({ candidates: ['node', 'wasm'], load: async () => ({}) });
    expect(choice.kind).toBe('wasm');
    expect(choice.skipped[0].package).toBe('@tensorflow/tfjs-node');
    expect(choice.skipped[0].reason).toMatch(/tensorflow/);
  });
});

/** Pairs detections of the two backends by class and nearest box; returns the worst differences. */
function compare(a: Detection[], b: Detection[]) {
  let box = 0;
  let score = 0;
  const used = new Set<number>();
  for (const d of a) {
    let best = -1;
    let bestDist = Number.POSITIVE_INFINITY;
    b.forEach((e, j) => {
      if (used.has(j) || e.cls !== d.cls) return;
      const dist = Math.max(...(['x', 'y', 'w', 'h'] as const).map((k) => Math.abs(e.box[k] - d.box[k])));
      if (dist < bestDist) [best, bestDist] = [j, dist];
    });
    if (best < 0) return { matched: false, box, score };
    used.add(best);
    box = Math.max(box, bestDist);
    score = Math.max(score, Math.abs(b[best].score - d.score));
  }
  return { matched: used.size === b.length, box, score };
}

describe('TfjsDetector centernet matches the ONNX centernet', () => {
  test('same detections on real frames: classes, boxes within 0.01 source px, scores within 1e-4', async () => {
    const viaTfjs = await tfjs.detect(frames); // the graph's batch is 1: run frame by frame
    const viaOnnx = await onnx.detect(frames);
    expect(viaTfjs).toHaveLength(frames.length);
    let worstBox = 0;
    let worstScore = 0;
    for (let i = 0; i < frames.length; i++) {
      expect(viaTfjs[i].length).toBeGreaterThan(3); // cars in every frame
      expect(viaTfjs[i].map((d) => d.cls).sort()).toEqual(viaOnnx[i].map((d) => d.cls).sort());
      const c = compare(viaTfjs[i], viaOnnx[i]);
      expect(c.matched).toBe(true);
      worstBox = Math.max(worstBox, c.box);
      worstScore = Math.max(worstScore, c.score);
    }
    // Measured on the wasm backend: boxes at most 3.1e-4 source px and scores 2.4e-6 apart (float
    // rounding of two runtimes' kernels); the bounds leave room for other TF.js backends.
    expect(worstBox).toBeLessThan(0.01);
    expect(worstScore).toBeLessThan(1e-4);
  });

  test('no tensor outlives a call', async () => {
    await tfjs.detect([frames[0]]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await tfjs.detect([frames[i % frames.length]]);
    await tfjs.detect([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('frames that do not fit are rejected, and nothing leaks', async () => {
    const before = tf.memory().numTensors;
    const big = new Uint8Array(640 * 352 * 3);
    await expect(tfjs.detect([{ data: big, width: 640, height: 352, scale: 1 }])).rejects.toThrow(
      /must fit inside the 512x512 input/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(await tfjs.detect([])).toEqual([]);
  });
});

describe('TfjsDetector errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cityflow-tfjs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const createError = (name: string, spec: ModelSpec): Promise<ModelError> =>
    TfjsDetector.create(name, spec).then(
      async (d) => {
        await d.close();
        throw new Error(`expected a ModelError for ${name}`);
      },
      (e: unknown) => e as ModelError,
    );

  test('a missing model file names the model and the path', async () => {
    const file = join(dir, 'missing.json');
    const err = await createError('street', { ...SPEC, file });
    expect(err).toBeInstanceOf(ModelError);
    expect(err.model).toBe('street');
    expect(err.message).toBe(`model street: ${file}: file not found`);
  });

  test('not JSON, a layers model, a missing weight file', async () => {
    const notJson = join(dir, 'not-json.json');
    await writeFile(notJson, 'this is not json\n');
    expect((await createError('m', { ...SPEC, file: notJson })).message).toMatch(
      /model m: .*not-json.json: not a TF.js graph model \(not JSON\)/,
    );
    const layers = join(dir, 'layers.json');
    await writeFile(
      layers,
      JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential' } }),
    );
    expect((await createError('m', { ...SPEC, file: layers })).message).toMatch(
      /not a TF.js graph model \(format "layers-model"\)/,
    );
    const noWeights = join(dir, 'no-weights.json');
    await copyFile(builtinCenternetGraph(), noWeights); // centernet.bin not copied beside it
    const err = await createError('m', { ...SPEC, file: noWeights });
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toMatch(/weight file centernet.bin cannot be read/);
  });

  test('an input shape other than the declared one', async () => {
    const err = await createError('centernet', {
      ...SPEC,
      input: { width: 416, height: 416, layout: 'nhwc' },
    });
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toMatch(
      /model centernet: .*centernet.json: input tower_0\/images has shape \[1,512,512,3\], the declaration says \[\?,416,416,3\]/,
    );
    const nchw = await createError('centernet', {
      ...SPEC,
      input: { width: 512, height: 512, layout: 'nchw' },
    });
    expect(nchw.message).toMatch(/declaration says \[\?,3,512,512\]/);
  });

  test('labels that do not match the class channels', async () => {
    const err = await createError('centernet', { ...SPEC, labels: ['car', 'truck'] });
    expect(err.message).toMatch(/have 80 class channels, the declaration 2 labels/);
  });

  test('yolo formats are not supported on tfjs yet; a declared model needs a file', async () => {
    const err = await createError('yolox-nano', { ...SPEC, format: 'yolox', file: join(dir, 'x.json') });
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toMatch(/model yolox-nano: format yolox is not supported on backend tfjs yet/);
    expect((await createError('other', SPEC)).message).toMatch(/model other: no model file/);
  });

  test('detect() after close() is refused', async () => {
    const spec = { ...SPEC, file: join(dirname(builtinCenternetGraph()), 'centernet.json') };
    const d = await TfjsDetector.create('centernet', spec);
    const before = tf.memory().numTensors;
    await d.close();
    expect(tf.memory().numTensors).toBeLessThan(before); // the weights are released
    await expect(d.detect([frames[0]])).rejects.toThrow(/after close/);
    expect(JSON.parse(await readFile(spec.file, 'utf8')).format).toBe('graph-model');
  });
});
