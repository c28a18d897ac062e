import type { ModelSpec } from '../../schemas/model.ts';

/**
 * Declarations of public models whose pre- and post-processing this project has checked on real
 * images (tests in test/detect/), so a user only supplies the file. Copy one into `models:` as a start.
 *
 * @example
 *   const spec = verifiedModels.yoloxNano('/models/yolox_nano.onnx');
 *   const detector = await createDetector({ name: 'yolox-nano', spec });
 */
export const verifiedModels = {
  /**
   * YOLOX-Nano (Megvii, Apache-2.0, COCO): input `images` [1,3,416,416], BGR 0-255, no mean/std,
   * letterbox pad 114; output `output` [1,3549,85] with raw grid boxes and sigmoid scores.
   *
   * `trackThreshold` 0.2: with tracking on, boxes from 0.2 to 0.3 extend tracks (ByteTrack's second
   * association). Line totals on the annotated clips outside their target: 5 of 24 without, 2 with;
   * with the detector's own threshold at 0.1 instead, 7 (weak boxes that moved started tracks):
   * benchmarks/RESULTS.md, 2026-12-03.
   */
  yoloxNano: (file: string): ModelSpec => ({
    file,
    format: 'yolox',
    backend: 'onnxruntime',
    executionProvider: 'cpu',
    input: { width: 416, height: 416, layout: 'nchw' },
    colour: 'bgr',
    pixelScale: 1,
    padValue: 114,
    labels: 'coco',
    scoreThreshold: 0.3,
    trackThreshold: 0.2,
    nmsIou: 0.45,
  }),
};
