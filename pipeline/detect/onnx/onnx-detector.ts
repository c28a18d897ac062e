import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { PRODUCT_CLASSES } from '../../../schemas/classes.ts';
import type { Detection } from '../../../schemas/detection.ts';
import type { RgbFrame } from '../../../schemas/frame.ts';
import type { ModelSpec } from '../../../schemas/model.ts';
import { ModelError } from '../../errors/model-error.ts';
import type { Detector } from '../detector.ts';
import { CLASS_GROUP, nms } from '../nms.ts';
import { OneAtATime } from '../one-at-a-time.ts';
import { LetterboxTensor, letterboxOptionsFromSpec, type Placement } from '../preprocess/letterbox-tensor.ts';
import { Candidates } from '../yolo/candidates.ts';
import { decodeYolov8 } from '../yolo/decode-yolov8.ts';
import { decodeYolox } from '../yolo/decode-yolox.ts';
import { shapeFree } from './shape-free.ts';

export interface OnnxDetectorOptions {
  /** onnxruntime intra-op threads (≥ 1). */
  threads: number;
  /** Where frames sit in the input box; default 'top-left' (see preprocess/letterbox-tensor.ts). */
  placement?: Placement;
  /** At most this many detections per frame, best first; default 300 (Ultralytics' max_det). */
  maxDetections?: number;
}

/**
 * Besides class-aware NMS at spec.nmsIou, boxes of confusable classes (car/bus/truck,
 * bicycle/motorcycle) that overlap this much are one object seen as two classes: the weaker goes.
 * On the sample footage YOLOX-Nano reports a car and a weaker truck on the same vehicle with IoU ≈ 0.95;
 * distinct vehicles of different classes that close do not occur in traffic scenes.
 */
export const CROSS_CLASS_IOU = 0.7;
/**
 * fitFrame keeps at least this much padding below and right of the frame (one cell of the coarsest
 * stride). With none, YOLOX-Nano found 403 boxes on the night clip against 450 in the full 416×416
 * box (small motorbikes at the picture's lower edge); with 32 px, 442, at 7.4 ms a frame instead of 10.7.
 */
const FIT_MARGIN = 32;

import { checkIo, type Format, firstLine, type Resolved, resolveSpec, testRun } from './onnx-model-checks.ts';

/**
 * A YOLO-family detector (YOLOX; YOLOv8 / YOLO11 by Ultralytics) running a user-supplied ONNX export on
 * onnxruntime-node, configured by a {@link ModelSpec} (`models:` in the configuration).
 *
 * - `create()` checks the declaration against the model before any frame arrives and throws a
 *   ModelError naming the model and the problem: missing file, not ONNX, execution provider missing
 *   from this build, input not matching `input` (rank, layout, size, dtype), output not matching
 *   `format` or the label count, `classMap` naming unknown labels. It then makes one test run on a
 *   blank input, which also tells whether a YOLOX export decoded its boxes already.
 * - Frames (already scaled to fit the input box, see RgbFrame) are letterboxed top-left with
 *   `padValue`, converted per `colour`/`pixelScale`/`mean`/`std`/`layout`; a batch goes through one
 *   session.run when the model's batch dimension is dynamic, else in chunks of its fixed batch size.
 * - Candidates above their class's `scoreThreshold` are merged by class-aware NMS (`nmsIou`, classes
 *   being the product classes the labels map to), plus {@link CROSS_CLASS_IOU} between confusable
 *   vehicle classes; labels map to product classes through `classMap` (default COCO_CLASS_MAP) and
 *   unmapped labels are dropped; boxes are mapped to source pixels (÷ frame.scale) and clipped.
 *
 * @example Run from the repository root with the shared YOLOX-Nano (`node --import tsx example.ts`):
 * ```ts
 * import { execFileSync } from 'node:child_process';
 * import { OnnxDetector } from './pipeline/detect/onnx/onnx-detector.ts';
 *
 * const detector = await OnnxDetector.create('yolox-nano', {
 *   file: '../shared/models/yolox_nano.onnx', format: 'yolox', backend: 'onnxruntime', executionProvider: 'cpu',
 *   input: { width: 416, height: 416, layout: 'nchw' }, colour: 'bgr', pixelScale: 1, padValue: 114,
 *   labels: 'coco', scoreThreshold: 0.3, nmsIou: 0.45,
 * }, { threads: 2 });
 * // First frame of the sample clip (640×352) scaled to fit 416×416: 416×229, scale 0.65.
 * const gst = 'filesrc location=samples/residential-street.mp4 ! decodebin ! videoconvert ! videoscale ! ' +
 *   'video/x-raw,format=RGB,width=416,height=229 ! identity eos-after=1 ! fdsink';
 * const out = execFileSync('gst-launch-1.0', ['-q', ...gst.split(' ')], { maxBuffer: 1 << 26 });
 * const stride = (416 * 3 + 3) & ~3; // GStreamer pads RGB rows to 4 bytes
 * const data = new Uint8Array(416 * 229 * 3);
 * for (let y = 0; y < 229; y++) data.set(out.subarray(y * stride, y * stride + 416 * 3), y * 416 * 3);
 * const [detections] = await detector.detect([{ data, width: 416, height: 229, scale: 0.65 }]);
 * for (const d of detections) console.log(d.cls, d.score.toFixed(2), Object.values(d.box).map(Math.round));
 * // car 0.79 [ 232, 130, 58, 44 ]   ← x, y, w, h in source (640×352) pixels
 * // car 0.67 [ 189, 93, 34, 26 ]
 * // ... (11 cars)
 * await detector.close();
 * ```
 */
export class OnnxDetector implements Detector {
  readonly name: string;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly format: Format;
  readonly file: string;
  /** The model's label names, by class index. */
  readonly labels: readonly string[];
  /** Frames per session.run: the model's fixed batch size, or null when its batch dim is dynamic. */
  readonly batchSize: number | null;
  /** YOLOX only: the export outputs boxes decoded to input pixels (found on the test run). */
  readonly boxesDecoded: boolean;
  /** YOLOv8 only: the output is [B, N, 4 + C] rather than [B, 4 + C, N]. */
  readonly anchorMajor: boolean;
  /** The input size the last detect() call ran at (the declared box, or smaller with fitFrame). */
  readonly lastInputSize = { width: 0, height: 0 };
  /** Time spent in the last detect() call, ms. */
  readonly lastTimings = { preMs: 0, inferMs: 0, postMs: 0 };

  private session: ort.InferenceSession | undefined;
  private readonly inputName: string;
  private readonly outputName: string;
  private readonly layout: 'nchw' | 'nhwc';
  private readonly letterbox: LetterboxTensor;
  /** fitFrame: one letterbox per input size met, by "WxH". */
  private readonly fitted = new Map<string, LetterboxTensor>();
  private readonly spec: ModelSpec;
  private readonly labelClass: Int32Array;
  private readonly thresholds: Float32Array;
  private readonly nmsIou: number;
  private readonly maxDetections: number;
  private readonly candidates = new Candidates();
  private groups = new Int32Array(64);
  private crossGroups = new Int32Array(64);
  private readonly serial = new OneAtATime();

  private constructor(
    name: string,
    r: Resolved,
    spec: ModelSpec,
    session: ort.InferenceSession,
    io: {
      inputName: string;
      outputName: string;
      batchSize: number | null;
      letterbox: LetterboxTensor;
      boxesDecoded: boolean;
      anchorMajor: boolean;
    },
    maxDetections: number,
  ) {
    this.name = name;
    this.format = r.format;
    this.file = r.file;
    this.labels = r.labels;
    this.labelClass = r.labelClass;
    this.thresholds = r.thresholds;
    this.nmsIou = r.nmsIou;
    this.inputWidth = spec.input.width;
    this.inputHeight = spec.input.height;
    this.layout = spec.input.layout ?? 'nchw';
    this.session = session;
    this.inputName = io.inputName;
    this.outputName = io.outputName;
    this.batchSize = io.batchSize;
    this.letterbox = io.letterbox;
    this.spec = spec;
    this.boxesDecoded = io.boxesDecoded;
    this.anchorMajor = io.anchorMajor;
    this.maxDetections = maxDetections;
  }

  /**
   * Loads and checks the model a declaration names. Throws ModelError (naming `name` and the
   * problem) when the declaration and the model do not agree or the model cannot run here.
   */
  static async create(name: string, spec: ModelSpec, opts: OnnxDetectorOptions): Promise<OnnxDetector> {
    const fail = (detail: string, cause?: unknown): never => {
      throw new ModelError(name, detail, cause === undefined ? undefined : { cause });
    };
    if (!Number.isInteger(opts.threads) || opts.threads < 1)
      fail(`threads must be an integer ≥ 1, got ${opts.threads}`);
    const maxDetections = opts.maxDetections ?? 300;
    if (!Number.isInteger(maxDetections) || maxDetections < 1)
      fail(`maxDetections must be an integer ≥ 1, got ${maxDetections}`);
    const r = resolveSpec(name, spec);

    let letterbox: LetterboxTensor;
    try {
      letterbox = new LetterboxTensor({
        ...letterboxOptionsFromSpec(spec, name),
        placement: opts.placement ?? 'top-left',
      });
    } catch (e) {
      return fail((e as Error).message.replace(`${name}: `, ''), e);
    }

    let session: ort.InferenceSession;
    try {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: r.providers,
        intraOpNumThreads: opts.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      };
      session = spec.input.fitFrame
        ? await ort.InferenceSession.create(
            shapeFree(readFileSync(r.file), spec.input.layout ?? 'nchw'),
            options,
          )
        : await ort.InferenceSession.create(r.file, options);
    } catch (e) {
      const msg = (e as Error).message;
      const ep = spec.executionProvider ?? 'cpu';
      if (ep !== 'cpu' && /ExecutionProvider|shared library|backend not found|providers/i.test(msg)) {
        return fail(
          `executionProvider ${ep} is not available in this onnxruntime-node build (${firstLine(msg)}). ` +
            'The npm package runs on CPU only on Linux x64; a GPU host needs CUDA 13 and cuDNN 9 and the GPU ' +
            'build of onnxruntime-node: its GPU providers (libonnxruntime_providers_cuda.so, _shared.so, ' +
            '_tensorrt.so) come from NuGet (Microsoft.ML.OnnxRuntime.Gpu.Linux), downloaded by its postinstall ' +
            "with --onnxruntime-node-install (this project's .npmrc skips that). Or set executionProvider: cpu",
          e,
        );
      }
      return fail(`${r.file} is not a loadable ONNX model: ${firstLine(msg)}`, e);
    }

    try {
      const io = checkIo(name, r, spec, session);
      const probe = await testRun(name, r, spec, session, io, letterbox);
      return new OnnxDetector(name, r, spec, session, { ...io, ...probe, letterbox }, maxDetections);
    } catch (e) {
      await session.release().catch(() => undefined);
      throw e;
    }
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
    if (!session) throw new Error(`${this.name}: detect() after close()`);
    if (frames.length === 0) return [];
    const letterbox = this.letterboxFor(frames);
    letterbox.check(frames);
    Object.assign(this.lastInputSize, { width: letterbox.width, height: letterbox.height });
    const timings = { preMs: 0, inferMs: 0, postMs: 0 };
    const results: Detection[][] = [];
    const chunk = this.batchSize ?? frames.length;
    for (let start = 0; start < frames.length; start += chunk) {
      const part = frames.slice(start, start + chunk);
      const slots = this.batchSize ?? part.length;
      const t0 = performance.now();
      const data = letterbox.fill(part, slots);
      const t1 = performance.now();
      const out = await session.run({
        [this.inputName]: new ort.Tensor('float32', data, this.inputDims(letterbox, slots)),
      });
      const t2 = performance.now();
      try {
        const y = out[this.outputName];
        const values = y.data as Float32Array;
        for (let b = 0; b < part.length; b++)
          results.push(this.postprocess(values, y.dims, b, part[b], letterbox));
      } finally {
        for (const t of Object.values(out)) t.dispose();
      }
      const t3 = performance.now();
      timings.preMs += t1 - t0;
      timings.inferMs += t2 - t1;
      timings.postMs += t3 - t2;
    }
    Object.assign(this.lastTimings, timings);
    return results;
  }

  /**
   * The input box for a batch: the declared one, or with fitFrame the frames' largest width and
   * height plus FIT_MARGIN, rounded up to the largest stride (32), within the declared box.
   */
  private letterboxFor(frames: readonly RgbFrame[]): LetterboxTensor {
    if (!this.spec.input.fitFrame) return this.letterbox;
    const round = (v: number, max: number) => Math.min(max, Math.ceil((v + FIT_MARGIN) / 32) * 32);
    const w = round(Math.max(...frames.map((f) => f.width)), this.inputWidth);
    const h = round(Math.max(...frames.map((f) => f.height)), this.inputHeight);
    const key = `${w}x${h}`;
    let lb = this.fitted.get(key);
    if (!lb) {
      const o = { ...letterboxOptionsFromSpec(this.spec, this.name), width: w, height: h };
      lb = new LetterboxTensor({ ...o, placement: this.letterbox.placement });
      this.fitted.set(key, lb);
    }
    return lb;
  }

  private inputDims(letterbox: LetterboxTensor, slots: number): number[] {
    const { width: w, height: h } = letterbox;
    return this.layout === 'nchw' ? [slots, 3, h, w] : [slots, h, w, 3];
  }

  private postprocess(
    values: Float32Array,
    dims: readonly number[],
    b: number,
    frame: RgbFrame,
    letterbox: LetterboxTensor,
  ): Detection[] {
    const c =
      this.format === 'yolox'
        ? decodeYolox(
            values,
            dims,
            b,
            {
              thresholds: this.thresholds,
              inputWidth: letterbox.width,
              inputHeight: letterbox.height,
              decoded: this.boxesDecoded,
            },
            this.candidates,
          )
        : decodeYolov8(
            values,
            dims,
            b,
            { thresholds: this.thresholds, anchorMajor: this.anchorMajor },
            this.candidates,
          );
    const n = c.count;
    if (this.groups.length < n) {
      this.groups = new Int32Array(2 * n);
      this.crossGroups = new Int32Array(2 * n);
    }
    for (let i = 0; i < n; i++) {
      const cls = this.labelClass[c.labels[i]];
      this.groups[i] = cls;
      this.crossGroups[i] = CLASS_GROUP[PRODUCT_CLASSES[cls]];
    }
    const kept = nms(c.boxes, c.scores, n, this.nmsIou, {
      groups: this.groups,
      crossGroups: this.crossGroups,
      crossIouThreshold: CROSS_CLASS_IOU,
      maxOutput: this.maxDetections,
    });
    const { x: ox, y: oy } = letterbox.offset(b);
    const s = frame.scale;
    const srcW = frame.width / s;
    const srcH = frame.height / s;
    const out: Detection[] = [];
    for (const i of kept) {
      const x1 = Math.max(0, (c.boxes[4 * i] - ox) / s);
      const y1 = Math.max(0, (c.boxes[4 * i + 1] - oy) / s);
      const x2 = Math.min(srcW, (c.boxes[4 * i + 2] - ox) / s);
      const y2 = Math.min(srcH, (c.boxes[4 * i + 3] - oy) / s);
      if (!(x2 - x1 >= 1 && y2 - y1 >= 1)) continue;
      out.push({
        cls: PRODUCT_CLASSES[this.labelClass[c.labels[i]]],
        score: c.scores[i],
        box: { x: x1, y: y1, w: x2 - x1, h: y2 - y1 },
      });
    }
    return out;
  }
}
