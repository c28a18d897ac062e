import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';

/**
 * What every object detector of the pipeline implements.
 *
 * Frames arrive already scaled to fit inside `inputWidth` × `inputHeight` (aspect ratio kept, no
 * padding: see {@link RgbFrame}); the detector pads them itself and maps its boxes back to the pixels
 * of the original source.
 */
export interface Detector {
  /** Short model name for logs and metrics, e.g. 'centernet'. */
  readonly name: string;
  /** Frames must fit inside this box (frame.width ≤ inputWidth, frame.height ≤ inputHeight). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /**
   * One result list per input frame, in input order, boxes in SOURCE pixels (frame pixels divided by
   * frame.scale) and clipped to the source (frame.width / scale × frame.height / scale).
   */
  detect(frames: RgbFrame[]): Promise<Detection[][]>;
  /** Releases the model; detect() must not be called afterwards. */
  close(): Promise<void>;
}
