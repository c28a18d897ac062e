// The detector alone, on frames already decoded into memory: the ceiling for the whole pipeline.
// The model is the one the end-to-end phases run (the default, or BENCH_MODEL: a built-in name), so
// their ratio compares like with like. Two layouts, each timed 3 times over the sample's frames
// (median kept, the machine is noisy):
//   1 x 2  one instance, 2 onnxruntime intra-op threads, in this thread
//   2 x 1  the pipeline's DetectorPool: 2 instances in worker threads, 1 intra-op thread each
// The end-to-end ratio is taken against the faster of the two: the stricter comparison.
//   node --import tsx benchmarks/phases/detect.ts            # this phase alone (one JSON line)
import type { Detector } from '../../pipeline/detect/detector.ts';
import { DetectorPool } from '../../pipeline/detect/detector-pool.ts';
import { createDetector, resolveModel } from '../../pipeline/detect/detector-spec.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { DEFAULT_MODEL } from '../../schemas/model.ts';
import { cpuSeconds, FPS, report, SAMPLE } from './common.ts';

const name = process.env.BENCH_MODEL ?? DEFAULT_MODEL;
const spec = resolveModel(name);
const frames: RgbFrame[] = [];
for await (const f of new FrameExtractor({
  uri: SAMPLE,
  fps: FPS,
  maxWidth: spec.input.width,
  maxHeight: spec.input.height,
  startTimeMs: 0,
})) {
  frames.push({ ...f.frame, data: f.frame.data.slice() });
}

interface Timing {
  framesPerSecond: number;
  cpuMsPerFrame: number;
}

async function time(detector: Detector, oneAtATime: boolean): Promise<Timing> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  if (oneAtATime) for (const f of frames) await detector.detect([f]);
  else await detector.detect(frames); // the pool spreads them over its instances
  const s = (performance.now() - t0) / 1000;
  return {
    framesPerSecond: frames.length / s,
    cpuMsPerFrame: ((cpuSeconds() - cpu0) * 1000) / frames.length,
  };
}

async function median(detector: Detector, oneAtATime: boolean): Promise<Timing> {
  await detector.detect(frames.slice(0, 4)); // warm-up
  const runs: Timing[] = [];
  for (let i = 0; i < 3; i++) runs.push(await time(detector, oneAtATime));
  runs.sort((a, b) => a.framesPerSecond - b.framesPerSecond);
  await detector.close();
  return runs[1];
}

const single = await median(await createDetector({ name, spec, threads: 2 }), true);
const pool = await median(await DetectorPool.create({ name, spec, threads: 1 }, { instances: 2 }), false);
const best = single.framesPerSecond >= pool.framesPerSecond ? single : pool;
report({
  phase: 'detect',
  model: name,
  frames: frames.length,
  seconds: frames.length / best.framesPerSecond,
  framesPerSecond: best.framesPerSecond,
  msPerFrame: 1000 / best.framesPerSecond,
  cpuMsPerFrame: best.cpuMsPerFrame,
  layout: best === single ? '1x2' : '2x1',
  single1x2: single,
  pool2x1: pool,
});
