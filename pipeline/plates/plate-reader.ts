import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Box } from '../../schemas/detection.ts';
import { ModelError } from '../errors/model-error.ts';
import type { RgbPicture } from '../extract/image-source.ts';
import { cropResize } from './image-ops.ts';
import { PLATE_REGIONS } from './plate-regions.ts';

/** The reader's alphabet, one softmax per slot; `_` pads plates shorter than the 10 slots. */
export const PLATE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_';
const SLOTS = 10;
const IN_W = 128;
const IN_H = 64;

/** The reader shipped in models/ (fast-plate-ocr cct-xs-v2-global, MIT; see models/README.md). */
export const DEFAULT_PLATE_READER = fileURLToPath(
  new URL('../../models/plate_reader_cct_xs_v2_global.onnx', import.meta.url),
);

/** What the reader made of one crop, before any grammar. */
export interface RawPlateRead {
  /** The characters read, padding removed (may be empty). */
  text: string;
  /** Per character of `text`: the winning probability. */
  charConfidence: number[];
  /** Mean winning probability over all 10 slots, padding included (an unsure "end here" counts too). */
  confidence: number;
  /** The country head's best guess (e.g. 'Vietnam', 'Germany', 'Unknown') and its probability. */
  region: string;
  regionConfidence: number;
}

export interface PlateReaderOptions {
  /** ONNX file; default: the reader in models/. */
  file?: string;
  /** onnxruntime intra-op threads; default 1 (the stage runs beside the detector). */
  threads?: number;
}

/**
 * Reads the characters of licence plates from crops, one- and two-line alike: the whole plate crop is
 * resized to 128×64 (aspect not kept, as the model was trained) and each of 10 slots picks one of
 * `0-9A-Z_`. Two-line plates are read from the whole crop; reading their lines apart did worse.
 *
 * @example
 *   const reader = await PlateReader.open();
 *   const [read] = await reader.read(picture, [{ x: 396, y: 340, w: 203, h: 46 }]);
 *   console.log(read.text, read.confidence); // 'M5XSX' 0.97
 *   await reader.close();
 */
export class PlateReader {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
  ) {}

  static async open(options: PlateReaderOptions = {}): Promise<PlateReader> {
    const file = options.file ?? DEFAULT_PLATE_READER;
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new ModelError('plate reader', `threads must be an integer ≥ 1, got ${threads}`);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
    } catch (e) {
      throw new ModelError('plate reader', `${file} is not a loadable ONNX model: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (!session.inputNames.includes('input') || !session.outputNames.includes('plate')) {
      await session.release();
      throw new ModelError(
        'plate reader',
        `${file} has inputs [${session.inputNames}] and outputs [${session.outputNames}]; ` +
          "a fast-plate-ocr reader has input 'input' uint8 [N,64,128,3] and output 'plate' [N,10,37]",
      );
    }
    return new PlateReader(session, file);
  }

  /** Reads each box of `picture` (source pixels); one result per box, in order. */
  async read(picture: RgbPicture, boxes: readonly Box[]): Promise<RawPlateRead[]> {
    if (boxes.length === 0) return [];
    const per = IN_W * IN_H * 3;
    const batch = new Uint8Array(per * boxes.length);
    boxes.forEach((b, i) => {
      cropResize(picture, b, IN_W, IN_H, batch.subarray(i * per, (i + 1) * per));
    });
    const input = new ort.Tensor('uint8', batch, [boxes.length, IN_H, IN_W, 3]);
    const out = await this.session.run({ input });
    const plate = out.plate.data as Float32Array;
    const region = out.region ? (out.region.data as Float32Array) : null;
    return boxes.map((_, i) => decodeSlots(plate, region, i));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Greedy decoding of one batch item: the best character per slot; padding slots are dropped. */
export function decodeSlots(plate: Float32Array, region: Float32Array | null, item: number): RawPlateRead {
  const n = PLATE_ALPHABET.length;
  let text = '';
  const charConfidence: number[] = [];
  let sum = 0;
  for (let s = 0; s < SLOTS; s++) {
    const base = (item * SLOTS + s) * n;
    let best = 0;
    for (let k = 1; k < n; k++) if (plate[base + k] > plate[base + best]) best = k;
    const p = plate[base + best];
    sum += p;
    const ch = PLATE_ALPHABET[best];
    if (ch !== '_') {
      text += ch;
      charConfidence.push(p);
    }
  }
  let regionName = 'Unknown';
  let regionConfidence = 0;
  if (region) {
    const m = PLATE_REGIONS.length;
    let best = 0;
    for (let k = 1; k < m; k++) if (region[item * m + k] > region[item * m + best]) best = k;
    regionName = PLATE_REGIONS[best];
    regionConfidence = region[item * m + best];
  }
  return { text, charConfidence, confidence: sum / SLOTS, region: regionName, regionConfidence };
}
