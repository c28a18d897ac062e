// Pre-processing cost: filling a model's input tensor from a decoded frame (pad, channel order,
// layout, scaling), for the layouts of the two verified models. Typed arrays, buffers reused.
import { BUILTIN_MODELS } from '../../pipeline/detect/detector-spec.ts';
import {
  LetterboxTensor,
  letterboxOptionsFromSpec,
} from '../../pipeline/detect/preprocess/letterbox-tensor.ts';
import { verifiedModels } from '../../pipeline/detect/verified-models.ts';
import { report } from './common.ts';

const cases = [
  ['centernet 512x512 NHWC RGB, frame 512x282', BUILTIN_MODELS.centernet, 512, 282],
  ['yolox-nano 416x416 NCHW BGR, frame 416x229', verifiedModels.yoloxNano('-'), 416, 229],
] as const;
const N = 300;
const results: Record<string, number> = {};
for (const [label, spec, w, h] of cases) {
  const lb = new LetterboxTensor(letterboxOptionsFromSpec(spec));
  const frame = { data: new Uint8Array(w * h * 3).map((_, i) => i % 251), width: w, height: h, scale: 1 };
  for (let i = 0; i < 20; i++) lb.fill([frame]); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < N; i++) lb.fill([frame]);
  results[label] = Math.round(((performance.now() - t0) / N) * 1000) / 1000;
}
const seconds = Object.values(results).reduce((a, b) => a + b, 0) / 1000;
report({
  phase: 'preprocess',
  frames: cases.length,
  seconds,
  framesPerSecond: cases.length / seconds,
  msPerFrame: results,
});
