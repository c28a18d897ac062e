// Detector backends side by side, on frames of the sample already decoded into memory (no pipeline):
//   onnxruntime CPU centernet, 1 and 2 intra-op threads, one frame per run;
//   onnxruntime CPU centernet, 2 threads, 1 / 2 / 4 / 8 frames per run (the converted graph has a
//     dynamic batch dimension): ms per frame for each batch size;
//   TF.js centernet on whatever backend tfjs-backend.ts picks (wasm here: tfjs-node cannot install);
//   YOLOX-Nano (the built-in's models/yolox_nano.onnx, or BENCH_YOLOX) through the registry, 1 and 2
//     threads, when that file and the onnxruntime YOLO detector exist (else skipped, with the reason).
// Each configuration: warm-up, then timed BENCH_REPEATS times (default 5; TF.js 3) over its frames
// (default 32, BENCH_BACKEND_FRAMES; TF.js 12, BENCH_TFJS_FRAMES), configurations of one model
// round-robin, median and best run kept. The phase takes about 45 s on 2 cores.
// Prints one JSON line; its top-level frames/s is the fastest centernet configuration (named in `fastest`).

import { existsSync } from 'node:fs';
import { CenternetDetector } from '../../pipeline/detect/centernet/centernet-detector.ts';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { BUILTIN_MODELS, createDetector, YOLOX_NANO_FILE } from '../../pipeline/detect/detector-spec.ts';
import { verifiedModels } from '../../pipeline/detect/verified-models.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import type { ModelSpec } from '../../schemas/model.ts';
import { cpuSeconds, FPS, report, SAMPLE } from './common.ts';

const ORT_FRAMES = Number(process.env.BENCH_BACKEND_FRAMES ?? 32);
const TFJS_FRAMES = Number(process.env.BENCH_TFJS_FRAMES ?? 12);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const YOLOX = process.env.BENCH_YOLOX ?? YOLOX_NANO_FILE;

interface Timing {
  frames: number;
  /** Median run. */
  msPerFrame: number;
  framesPerSecond: number;
  cpuMsPerFrame: number;
  /** Fastest run: the least disturbed by other load on the machine. */
  bestMsPerFrame: number;
}

interface Config {
  detector: Detector;
  frames: RgbFrame[];
  /** Frames per detect() call. */
  batch: number;
}

async function extract(size: number, count: number): Promise<RgbFrame[]> {
  const frames: RgbFrame[] = [];
  for await (const f of new FrameExtractor({
    uri: SAMPLE,
    fps: FPS,
    maxWidth: size,
    maxHeight: size,
    startTimeMs: 0,
  })) {
    frames.push({ ...f.frame, data: f.frame.data.slice() });
    if (frames.length === count) break;
  }
  return frames;
}

/**
 * Times each configuration `repeats` times, round-robin (so a burst of load from elsewhere on the
 * machine spreads over all of them instead of hitting one), and keeps each one's median run.
 */
async function timeInterleaved(configs: Config[], repeats = REPEATS): Promise<Timing[]> {
  for (const c of configs) await c.detector.detect(c.frames.slice(0, Math.max(2, c.batch))); // warm-up
  const runs: Omit<Timing, 'bestMsPerFrame'>[][] = configs.map(() => []);
  for (let r = 0; r < repeats; r++) {
    for (const [k, { detector, frames, batch }] of configs.entries()) {
      const cpu0 = cpuSeconds();
      const t0 = performance.now();
      for (let i = 0; i < frames.length; i += batch) await detector.detect(frames.slice(i, i + batch));
      const ms = performance.now() - t0;
      runs[k].push({
        frames: frames.length,
        msPerFrame: round(ms / frames.length),
        framesPerSecond: round((1000 * frames.length) / ms),
        cpuMsPerFrame: round(((cpuSeconds() - cpu0) * 1000) / frames.length),
      });
    }
  }
  return runs.map((rs) => {
    rs.sort((a, b) => a.msPerFrame - b.msPerFrame);
    return { ...rs[Math.floor(rs.length / 2)], bestMsPerFrame: rs[0].msPerFrame };
  });
}

const round = (v: number) => Math.round(v * 100) / 100;

const t0 = performance.now();
const frames512 = await extract(512, ORT_FRAMES);

// onnxruntime, centernet: one session of each thread count; batch sizes are detect() call sizes
const ort1 = await CenternetDetector.create({ intraOpNumThreads: 1 });
const ort2 = await CenternetDetector.create({ intraOpNumThreads: 2 });
const BATCHES = [1, 2, 4, 8];
const [ort1Timing, ...byBatch] = await timeInterleaved([
  { detector: ort1, frames: frames512, batch: 1 },
  ...BATCHES.map((batch) => ({ detector: ort2, frames: frames512, batch })),
]);
await ort1.close();
await ort2.close();
const batches = Object.fromEntries(BATCHES.map((b, i) => [b, byBatch[i]]));

// TF.js, centernet: the same declaration as the built-in, backend 'tfjs'
let tfjs: (Timing & { backend: string }) | { skipped: string };
try {
  const d = await createDetector({
    name: 'centernet',
    spec: { ...BUILTIN_MODELS.centernet, backend: 'tfjs' },
  });
  const { ensureTfjsBackend, formatTfjsBackend } = await import('../../pipeline/detect/tfjs/tfjs-backend.ts');
  const backend = formatTfjsBackend(await ensureTfjsBackend()); // the choice create() made
  const [t] = await timeInterleaved([{ detector: d, frames: frames512.slice(0, TFJS_FRAMES), batch: 1 }], 3);
  await d.close();
  tfjs = { ...t, backend };
} catch (err) {
  tfjs = { skipped: `TF.js centernet failed: ${(err as Error).message}` };
}

// YOLOX-Nano through the registry (onnxruntime), when the model file and the YOLO detector exist
let yolox: { threads1: Timing; threads2: Timing } | { skipped: string };
if (!existsSync(YOLOX)) {
  yolox = { skipped: `${YOLOX} not found (set BENCH_YOLOX to a yolox_nano.onnx)` };
} else {
  const spec: ModelSpec = verifiedModels.yoloxNano(YOLOX);
  try {
    const frames416 = await extract(416, ORT_FRAMES);
    const y1 = await createDetector({ name: 'yolox-nano', spec, threads: 1 });
    const y2 = await createDetector({ name: 'yolox-nano', spec, threads: 2 });
    const [threads1, threads2] = await timeInterleaved([
      { detector: y1, frames: frames416, batch: 1 },
      { detector: y2, frames: frames416, batch: 1 },
    ]);
    await y1.close();
    await y2.close();
    yolox = { threads1, threads2 };
  } catch (err) {
    yolox = { skipped: `the onnxruntime YOLOX detector is not usable: ${(err as Error).message}` };
  }
}

const centernet: [string, Timing][] = [
  ['onnxruntime cpu, 1 thread', ort1Timing],
  ...Object.entries(batches).map(([b, t]): [string, Timing] => [`onnxruntime cpu, 2 threads, batch ${b}`, t]),
];
if ('msPerFrame' in tfjs) centernet.push(['tfjs', tfjs]);
const [fastestName, fastest] = centernet.reduce((a, b) => (b[1].msPerFrame < a[1].msPerFrame ? b : a));
report({
  phase: 'backends',
  frames: fastest.frames,
  seconds: round((fastest.frames * fastest.msPerFrame) / 1000),
  framesPerSecond: fastest.framesPerSecond,
  msPerFrame: fastest.msPerFrame,
  cpuMsPerFrame: fastest.cpuMsPerFrame,
  fastest: fastestName,
  repeats: REPEATS,
  wallSeconds: round((performance.now() - t0) / 1000),
  centernet: {
    onnxruntimeCpu1Thread: ort1Timing,
    /** Batch 1 is the 2-thread, one-frame-per-run figure. */
    onnxruntimeCpu2ThreadsByBatch: batches,
    tfjs,
  },
  yoloxNano: yolox,
});
