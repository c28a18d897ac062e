/**
 * The centernet detector on onnxruntime's CUDA execution provider: frames/s at batch 1, 8 and 32
 * (the converted centernet has a dynamic batch dimension), pre-processing and decoding included, on
 * frames of samples/residential-street.mp4 held in memory. See benchmarks/gpu/README.md for what the
 * host needs; no figures were recorded for it on the project's (GPU-less) reference machine.
 *
 *   node --import tsx benchmarks/gpu/detector-gpu.ts [--frames 256] [--batches 1,8,32] [--device 0]
 *                                                    [--provider cuda|cpu]
 *
 * Exits 2 with a message saying what is missing when the CUDA provider is absent or does not start.
 * `--provider cpu` runs the same measurement on the CPU (to check the script, or for a baseline).
 * Prints a table on stderr and one JSON line on stdout, like the benchmark phases.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import {
  CENTERNET_INPUT,
  CENTERNET_OUTPUTS,
  ensureCenternetModel,
} from '../../pipeline/detect/centernet/build-model.ts';
import {
  CenternetDecoder,
  centernetClassesFromSpec,
} from '../../pipeline/detect/centernet/centernet-decode.ts';
import { BUILTIN_MODELS } from '../../pipeline/detect/detector-spec.ts';
import {
  LetterboxTensor,
  letterboxOptionsFromSpec,
} from '../../pipeline/detect/preprocess/letterbox-tensor.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { FPS, report, SAMPLE } from '../phases/common.ts';

const { values: args } = parseArgs({
  options: {
    frames: { type: 'string', default: '256' },
    batches: { type: 'string', default: '1,8,32' },
    device: { type: 'string', default: '0' },
    provider: { type: 'string', default: 'cuda' },
  },
});
const FRAMES = Number(args.frames);
const BATCHES = args.batches.split(',').map(Number);
const DEVICE = Number(args.device);
const PROVIDER = args.provider;
if (
  !(FRAMES > 0) ||
  BATCHES.some((b) => !Number.isInteger(b) || b < 1) ||
  !['cuda', 'cpu'].includes(PROVIDER)
) {
  console.error('usage: detector-gpu.ts [--frames N] [--batches 1,8,32] [--device 0] [--provider cuda|cpu]');
  process.exit(64);
}

function missing(why: string): never {
  console.error(
    `detector-gpu: the CUDA execution provider is not usable here: ${why}\n` +
      'A GPU host needs an NVIDIA driver, the CUDA runtime and cuDNN 9 the provider was built for, and ' +
      "onnxruntime-node's CUDA provider libraries in node_modules/onnxruntime-node/bin/napi-v6/linux/x64/: " +
      'this project skips their download (.npmrc); ' +
      '`ONNXRUNTIME_NODE_INSTALL=true node node_modules/onnxruntime-node/script/install.js` fetches them ' +
      'from nuget.org. See benchmarks/gpu/README.md.',
  );
  process.exit(2);
}

// 1. Is the provider there at all? onnxruntime-node lists cuda as "not bundled" on Linux x64: its
//    libraries come from a separate download.
const binDir = join(
  dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')),
  'bin/napi-v6',
  process.platform,
  process.arch,
);
if (PROVIDER === 'cuda') {
  const listed = ort.listSupportedBackends().find((b) => b.name === 'cuda');
  if (!listed)
    missing(`this onnxruntime-node build (${process.platform}/${process.arch}) has no cuda backend`);
  for (const lib of ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']) {
    if (!existsSync(join(binDir, lib))) missing(`${join(binDir, lib)} is not installed`);
  }
}

// 2. The model, and a session on the provider (fails when CUDA / cuDNN libraries do not load).
const modelPath = await ensureCenternetModel();
const providers: ort.InferenceSession.ExecutionProviderConfig[] =
  PROVIDER === 'cuda' ? [{ name: 'cuda', deviceId: DEVICE }] : ['cpu'];
let session: ort.InferenceSession;
try {
  session = await ort.InferenceSession.create(modelPath, {
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    ...(PROVIDER === 'cpu' ? { intraOpNumThreads: 2 } : {}),
  });
} catch (err) {
  if (PROVIDER === 'cuda') missing(`the session did not start: ${(err as Error).message.split('\n')[0]}`);
  throw err;
}

// 3. The detector's own pre-processing and decoding around the session.
const spec = BUILTIN_MODELS.centernet;
const letterbox = new LetterboxTensor(letterboxOptionsFromSpec(spec, 'centernet'));
const decoder = new CenternetDecoder({
  classes: centernetClassesFromSpec(spec),
  nmsIou: spec.nmsIou,
  maxDetections: 100,
});
const { width: W, height: H } = spec.input;

async function detect(frames: RgbFrame[]): Promise<{ dets: Detection[][]; inferMs: number }> {
  const input = new ort.Tensor('float32', letterbox.fill(frames), [frames.length, H, W, 3]);
  const t0 = performance.now();
  const out = await session.run({ [CENTERNET_INPUT]: input });
  const inferMs = performance.now() - t0;
  const kp = out[CENTERNET_OUTPUTS[0]].data as Float32Array;
  const wh = out[CENTERNET_OUTPUTS[1]].data as Float32Array;
  const dets = frames.map((f, b) => decoder.decode(f, kp, wh, b));
  for (const t of Object.values(out)) t.dispose();
  return { dets, inferMs };
}

// 4. Frames: the sample at 5 fps into 512×512 (189 frames), repeated up to --frames.
const sample: RgbFrame[] = [];
for await (const f of new FrameExtractor({
  uri: SAMPLE,
  fps: FPS,
  maxWidth: W,
  maxHeight: H,
  startTimeMs: 0,
})) {
  sample.push({ ...f.frame, data: f.frame.data.slice() });
}
const frames = Array.from({ length: FRAMES }, (_, i) => sample[i % sample.length]);

const results: Record<string, { framesPerSecond: number; msPerFrame: number; inferMsPerFrame: number }> = {};
for (const batch of BATCHES) {
  await detect(frames.slice(0, batch)); // warm-up: kernels, allocator arenas for this shape
  await detect(frames.slice(0, batch));
  let infer = 0;
  let n = 0;
  const t0 = performance.now();
  for (let i = 0; i + batch <= frames.length; i += batch) {
    const r = await detect(frames.slice(i, i + batch));
    infer += r.inferMs;
    n += batch;
  }
  const ms = performance.now() - t0;
  results[batch] = {
    framesPerSecond: Math.round((1000 * n * 10) / ms) / 10,
    msPerFrame: Math.round((ms / n) * 100) / 100,
    inferMsPerFrame: Math.round((infer / n) * 100) / 100,
  };
  console.error(
    `batch ${String(batch).padStart(3)}: ${results[batch].framesPerSecond.toFixed(1).padStart(7)} frames/s, ` +
      `${results[batch].msPerFrame.toFixed(2)} ms/frame (inference ${results[batch].inferMsPerFrame.toFixed(2)})`,
  );
}
await session.release();

report({
  phase: 'detector-gpu',
  provider: PROVIDER,
  device: PROVIDER === 'cuda' ? DEVICE : null,
  model: 'centernet (512x512, converted ONNX)',
  frames: FRAMES,
  byBatch: results,
});
