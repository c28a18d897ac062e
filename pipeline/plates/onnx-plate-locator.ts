import * as ort from 'onnxruntime-node';
import type { Box } from '../../schemas/detection.ts';
import type { PlateDetectorConfig } from '../../schemas/plates.ts';
import { nms } from '../detect/nms.ts';
import { LetterboxTensor } from '../detect/preprocess/letterbox-tensor.ts';
import { ModelError } from '../errors/model-error.ts';
import type { RgbPicture } from '../extract/image-source.ts';
import { cropResize } from './image-ops.ts';

/**
 * A licence-plate detector the user supplies as ONNX, instead of the text locator: boxes that are
 * plates already. Two output layouts:
 *
 *   yolo      [1, 4 + C, N] (or [1, N, 4 + C]): cx, cy, w, h in input pixels, then C class scores
 *             (YOLOv8 / YOLO11 exports; a plate model has C = 1; the best class is taken)
 *   end2end   [N, 7] (or [1, N, 7]): batch, x1, y1, x2, y2, class, score in input pixels
 *             (detectors exported with NMS inside, e.g. YOLOv9 plate detectors of open-image-models)
 *
 * The picture is resized into the input box (aspect kept, top-left, padded grey), RGB, 0-1; boxes
 * above the score threshold are kept after NMS and mapped back to the picture's pixels.
 *
 * @example
 *   const locator = await OnnxPlateLocator.open({ file: 'plates.onnx', format: 'yolo', inputSize: 640, scoreThreshold: 0.4 });
 *   const plates = await locator.locate(picture); // [{ x, y, w, h }, ...]
 */
export class OnnxPlateLocator {
  readonly findsPlates = true;

  /** The input: RGB, 0-1, the picture top-left, padded grey (114). */
  private readonly letterbox: LetterboxTensor;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly o: PlateDetectorConfig,
  ) {
    this.letterbox = new LetterboxTensor({
      width: o.inputSize,
      height: o.inputSize,
      layout: 'nchw',
      colour: 'rgb',
      pixelScale: 1 / 255,
      padValue: 114,
      name: 'plate detector',
    });
  }

  static async open(o: PlateDetectorConfig, threads = 1): Promise<OnnxPlateLocator> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(o.file, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
      });
    } catch (e) {
      throw new ModelError(
        'plate detector',
        `${o.file} is not a loadable ONNX model: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    const locator = new OnnxPlateLocator(session, o);
    try {
      await locator.locate({ data: new Uint8Array(32 * 32 * 3), width: 32, height: 32 });
    } catch (e) {
      await session.release();
      throw new ModelError(
        'plate detector',
        `${o.file} does not run as a ${o.format} detector: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    return locator;
  }

  async locate(picture: RgbPicture): Promise<Box[]> {
    const size = this.o.inputSize;
    // Scaled into the square input, aspect kept (small pictures up, too).
    const scale = Math.min(size / picture.width, size / picture.height);
    const w = Math.min(size, Math.max(1, Math.round(picture.width * scale)));
    const h = Math.min(size, Math.max(1, Math.round(picture.height * scale)));
    const whole = { x: 0, y: 0, w: picture.width, h: picture.height };
    const frame = { data: cropResize(picture, whole, w, h), width: w, height: h, scale };
    const data = this.letterbox.fill([frame]);
    const out = await this.session.run({
      [this.session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, size, size]),
    });
    const t = out[this.session.outputNames[0]];
    const boxes =
      this.o.format === 'yolo'
        ? decodeYolo(t, this.o.scoreThreshold)
        : decodeEnd2end(t, this.o.scoreThreshold);
    return boxes.map((b) => ({ x: b.x / scale, y: b.y / scale, w: b.w / scale, h: b.h / scale }));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** [1, 4 + C, N] or [1, N, 4 + C] → boxes after NMS (IoU 0.5), input pixels. */
export function decodeYolo(t: ort.Tensor, threshold: number): Box[] {
  const d = t.dims.map(Number);
  if (d.length !== 3 || d[0] !== 1) throw new Error(`yolo output must be [1, 4 + C, N], got [${d}]`);
  // [1, 4 + C, N] unless the last dim can be 4 + C and the middle one cannot be (anchor-major exports).
  const channelsFirst = !(d[1] > d[2] && d[2] >= 5);
  const channels = channelsFirst ? d[1] : d[2];
  const n = channelsFirst ? d[2] : d[1];
  if (channels < 5) throw new Error(`yolo output needs 4 box values and at least one class, got ${channels}`);
  const v = t.data as Float32Array;
  const at = (c: number, i: number) => (channelsFirst ? v[c * n + i] : v[i * channels + c]);
  const corners: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    let score = 0;
    for (let c = 4; c < channels; c++) score = Math.max(score, at(c, i));
    if (score < threshold) continue;
    const cx = at(0, i);
    const cy = at(1, i);
    const w = at(2, i);
    const h = at(3, i);
    corners.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
    scores.push(score);
  }
  return suppress(corners, scores);
}

/** [N, 7] or [1, N, 7] rows (batch, x1, y1, x2, y2, class, score) → boxes, input pixels. */
export function decodeEnd2end(t: ort.Tensor, threshold: number): Box[] {
  const d = t.dims.map(Number);
  const rows = d.length === 2 ? d[0] : d.length === 3 && d[0] === 1 ? d[1] : -1;
  if (rows < 0 || d[d.length - 1] !== 7) throw new Error(`end2end output must be [N, 7], got [${d}]`);
  const v = t.data as Float32Array;
  const corners: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < rows; i++) {
    const r = i * 7;
    if (v[r + 6] < threshold) continue;
    corners.push(v[r + 1], v[r + 2], v[r + 3], v[r + 4]);
    scores.push(v[r + 6]);
  }
  return suppress(corners, scores);
}

function suppress(corners: number[], scores: number[]): Box[] {
  const keep = nms(Float32Array.from(corners), Float32Array.from(scores), scores.length, 0.5);
  return [...keep].map((i) => ({
    x: corners[4 * i],
    y: corners[4 * i + 1],
    w: corners[4 * i + 2] - corners[4 * i],
    h: corners[4 * i + 3] - corners[4 * i + 1],
  }));
}
