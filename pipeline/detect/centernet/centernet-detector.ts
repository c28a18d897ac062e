import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { PRODUCT_CLASSES, type ProductClass } from '../../../schemas/classes.ts';
import type { Detection } from '../../../schemas/detection.ts';
import type { RgbFrame } from '../../../schemas/frame.ts';
import { ModelError } from '../../errors/index.ts';
import type { Detector } from '../detector.ts';
import { OneAtATime } from '../one-at-a-time.ts';
import { CENTERNET_INPUT, CENTERNET_OUTPUTS, ensureCenternetModel } from './build-model.ts';
import { CENTERNET_GRID, CenternetDecoder, COCO_CHANNEL } from './centernet-decode.ts';

/** The model's input is CENTERNET_INPUT_SIZE × CENTERNET_INPUT_SIZE × 3; frames must fit inside. */
export const CENTERNET_INPUT_SIZE = 512;
const SIZE = CENTERNET_INPUT_SIZE;
const PLANE = SIZE * SIZE * 3;

export interface CenternetDetectorOptions {
  /** ONNX file made by build-model.ts; default: ensureCenternetModel() (converts on first use). */
  modelPath?: string;
  /** Minimum heat-map peak to report, in (0, 1). Default 0.3 (see DEFAULT_SCORE_THRESHOLD). */
  scoreThreshold?: number;
  /** Product classes to report; default all of PRODUCT_CLASSES. */
  classes?: readonly ProductClass[];
  /** Boxes of the same NMS group overlapping more than this are merged; in (0, 1]. Default 0.5. */
  nmsIouThreshold?: number;
  /** At most this many detections per frame (best first). Default 100, like the original graph. */
  maxDetections?: number;
  /** onnxruntime intra-op threads. Default 2. */
  intraOpNumThreads?: number;
}

/**
 * Default score threshold, tuned on residential-street.mp4 (640×352, frames 512×282, one every 4 s):
 * - moving vehicles peak at 0.42-0.63 and clearly visible parked cars at 0.33-0.50;
 * - below 0.3 sit the duplicate "truck" peaks on cars (0.15-0.39, merged by NMS anyway), half-hidden
 *   or distant cars (0.17-0.30) and clutter: bins, hedges, fence posts as person/motorcycle (≤ 0.27);
 * - the one false positive above it is a white picket-fence post read as a person (0.24-0.41 from
 *   frame to frame); no threshold removes it without losing parked cars, it is static (a tracker or
 *   zone filter drops it);
 * - flat grey / black / white / noise frames peak at ≤ 0.04.
 * 0.4 would keep all moving vehicles but lose about a third of the parked ones.
 */
export const DEFAULT_SCORE_THRESHOLD = 0.3;

/**
 * MobileNetV3-CenterNet (COCO, 512×512) on onnxruntime-node (CPU).
 *
 * Each frame (RGB, at most 512×512, already scaled by the extractor) is placed at the top-left of a
 * zero-padded 512×512 input; a heat-map cell is an object centre when it is the maximum of its 3×3
 * neighbourhood and above the threshold, its box is (4x − wh0, 4y − wh1, 4x + wh2, 4y + wh3) in input
 * pixels; boxes are then mapped to source pixels (÷ frame.scale), clipped, and merged across
 * confusable classes (car/bus/truck, bicycle/motorcycle) by NMS.
 *
 * @example Run from the repository root (`node --import tsx example.ts`):
 * ```ts
 * import { execFileSync } from 'node:child_process';
 * import { CenternetDetector } from './pipeline/detect/centernet/centernet-detector.ts';
 *
 * // First frame of the sample clip (640×352) as 512×282 RGB24, i.e. scale 0.8.
 * const gst = 'filesrc location=samples/residential-street.mp4 ! decodebin ! videoconvert ! videoscale ! ' +
 *   'video/x-raw,format=RGB,width=512,height=282 ! identity eos-after=1 ! fdsink';
 * const out = execFileSync('gst-launch-1.0', ['-q', ...gst.split(' ')], { maxBuffer: 1 << 26 });
 * const data = out.subarray(0, 512 * 282 * 3);
 *
 * const detector = await CenternetDetector.create({ scoreThreshold: 0.3 }); // converts the model on first use
 * const [detections] = await detector.detect([{ data, width: 512, height: 282, scale: 0.8 }]);
 * for (const d of detections) console.log(d.cls, d.score.toFixed(2), Object.values(d.box).map(Math.round));
 * // car 0.55 [ 234, 91, 28, 14 ]   ← x, y, w, h in source (640×352) pixels
 * // car 0.55 [ 229, 135, 67, 39 ]
 * // ...
 * await detector.close();
 * ```
 */
export class CenternetDetector implements Detector {
  readonly name = 'centernet';
  readonly inputWidth = SIZE;
  readonly inputHeight = SIZE;
  readonly modelPath: string;
  readonly scoreThreshold: number;
  readonly classes: readonly ProductClass[];
  readonly nmsIouThreshold: number;
  readonly maxDetections: number;

  private session: ort.InferenceSession | undefined;
  private readonly decoder: CenternetDecoder;
  /** Reused input buffer, grown to the largest batch seen. */
  private input = new Float32Array(0);
  /** Width/height of the frame last written into each batch slot: what must be zeroed next time. */
  private slotW: number[] = [];
  private slotH: number[] = [];
  private readonly serial = new OneAtATime();
  /** Time spent in the last detect() call, ms. */
  readonly lastTimings = { preMs: 0, inferMs: 0, postMs: 0 };

  private constructor(
    session: ort.InferenceSession,
    modelPath: string,
    o: Required<Omit<CenternetDetectorOptions, 'modelPath' | 'intraOpNumThreads'>>,
  ) {
    this.session = session;
    this.modelPath = modelPath;
    this.scoreThreshold = o.scoreThreshold;
    this.classes = [...o.classes];
    this.nmsIouThreshold = o.nmsIouThreshold;
    this.maxDetections = o.maxDetections;
    this.decoder = new CenternetDecoder({
      classes: this.classes.map((cls) => ({
        channel: COCO_CHANNEL[cls],
        cls,
        threshold: this.scoreThreshold,
      })),
      nmsIou: this.nmsIouThreshold,
      maxDetections: this.maxDetections,
      grid: CENTERNET_GRID,
    });
  }

  /** Validates the options, loads the model; throws ModelError on bad options or an unusable model. */
  static async create(options: CenternetDetectorOptions = {}): Promise<CenternetDetector> {
    const o = validateOptions(options);
    const modelPath = options.modelPath ?? (await ensureCenternetModel());
    if (!existsSync(modelPath)) throw new ModelError(modelPath, 'file not found');
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: o.intraOpNumThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new ModelError(modelPath, `not a loadable ONNX model: ${(err as Error).message}`, { cause: err });
    }
    const missing = [CENTERNET_INPUT, ...CENTERNET_OUTPUTS].filter(
      (n) => !session.inputNames.includes(n) && !session.outputNames.includes(n),
    );
    if (missing.length) {
      await session.release();
      throw new ModelError(modelPath, `not a centernet model: no tensor ${missing.join(', ')}`);
    }
    return new CenternetDetector(session, modelPath, o);
  }

  detect(frames: RgbFrame[]): Promise<Detection[][]> {
    return this.serial.run(() => this.detectNow(frames)); // one run at a time: buffers are shared
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await this.serial.idle();
    await s?.release();
  }

  private async detectNow(frames: RgbFrame[]): Promise<Detection[][]> {
    const session = this.session;
    if (!session) throw new Error('CenternetDetector: detect() after close()');
    if (frames.length === 0) return [];
    const t0 = performance.now();
    const input = this.fill(frames);
    const t1 = performance.now();
    const out = await session.run({
      [CENTERNET_INPUT]: new ort.Tensor('float32', input, [frames.length, SIZE, SIZE, 3]),
    });
    const t2 = performance.now();
    const kp = out[CENTERNET_OUTPUTS[0]].data as Float32Array;
    const wh = out[CENTERNET_OUTPUTS[1]].data as Float32Array;
    const results = frames.map((f, b) => this.decoder.decode(f, kp, wh, b));
    for (const t of Object.values(out)) t.dispose();
    const t3 = performance.now();
    Object.assign(this.lastTimings, { preMs: t1 - t0, inferMs: t2 - t1, postMs: t3 - t2 });
    return results;
  }

  /** Writes the frames into the reused NHWC input, top-left aligned; zeroes only what changed. */
  private fill(frames: RgbFrame[]): Float32Array {
    const n = frames.length;
    if (this.input.length < n * PLANE) {
      const grown = new Float32Array(n * PLANE);
      grown.set(this.input);
      this.input = grown;
    }
    for (let b = 0; b < n; b++) {
      const { data, width: w, height: h, scale } = frames[b];
      if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || w > SIZE || h > SIZE) {
        throw new RangeError(`centernet: frame ${b} is ${w}x${h}; frames must fit inside ${SIZE}x${SIZE}`);
      }
      if (data.length !== w * h * 3)
        throw new RangeError(`centernet: frame ${b} has ${data.length} bytes, expected ${w}x${h}x3`);
      if (!(scale > 0) || !Number.isFinite(scale))
        throw new RangeError(`centernet: frame ${b} has scale ${scale}`);
      const base = b * PLANE;
      const prevW = this.slotW[b] ?? 0;
      const prevH = this.slotH[b] ?? 0;
      for (let y = 0; y < h; y++) {
        const row = base + y * SIZE * 3;
        this.input.set(data.subarray(y * w * 3, (y + 1) * w * 3), row); // uint8 → float32 in native code
        if (prevW > w && y < prevH) this.input.fill(0, row + w * 3, row + prevW * 3);
      }
      if (prevH > h) this.input.fill(0, base + h * SIZE * 3, base + prevH * SIZE * 3);
      this.slotW[b] = w;
      this.slotH[b] = h;
    }
    return this.input.subarray(0, n * PLANE);
  }
}

function validateOptions(o: CenternetDetectorOptions) {
  const bad = (key: string, why: string): never => {
    throw new ModelError('centernet', `option ${key} ${why}`);
  };
  const scoreThreshold = o.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD;
  if (!(scoreThreshold > 0 && scoreThreshold < 1))
    bad('scoreThreshold', `must be in (0, 1), got ${scoreThreshold}`);
  const nmsIouThreshold = o.nmsIouThreshold ?? 0.5;
  if (!(nmsIouThreshold > 0 && nmsIouThreshold <= 1))
    bad('nmsIouThreshold', `must be in (0, 1], got ${nmsIouThreshold}`);
  const maxDetections = o.maxDetections ?? 100;
  if (!Number.isInteger(maxDetections) || maxDetections < 1)
    bad('maxDetections', `must be an integer ≥ 1, got ${maxDetections}`);
  const intraOpNumThreads = o.intraOpNumThreads ?? 2;
  if (!Number.isInteger(intraOpNumThreads) || intraOpNumThreads < 1) {
    bad('intraOpNumThreads', `must be an integer ≥ 1, got ${intraOpNumThreads}`);
  }
  const classes = o.classes ?? PRODUCT_CLASSES;
  if (classes.length === 0) bad('classes', 'must not be empty');
  for (const c of classes)
    if (!Object.hasOwn(COCO_CHANNEL, c)) bad('classes', `has unknown class ${JSON.stringify(c)}`);
  if (o.modelPath !== undefined && (typeof o.modelPath !== 'string' || o.modelPath === ''))
    bad('modelPath', 'must be a non-empty string');
  return {
    scoreThreshold,
    nmsIouThreshold,
    maxDetections,
    intraOpNumThreads,
    classes: [...new Set(classes)],
  };
}
