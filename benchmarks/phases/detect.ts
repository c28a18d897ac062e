// The detector alone, on frames already decoded into memory: the ceiling for the whole pipeline.
import { CenternetDetector } from '../../pipeline/detect/centernet/centernet-detector.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { cpuSeconds, FPS, report, SAMPLE } from './common.ts';

const frames: RgbFrame[] = [];
for await (const f of new FrameExtractor({
  uri: SAMPLE,
  fps: FPS,
  maxWidth: 512,
  maxHeight: 512,
  startTimeMs: 0,
})) {
  frames.push({ ...f.frame, data: f.frame.data.slice() });
}
// The baseline: one instance with 2 intra-op threads, frames in memory, nothing else running.
const threads = Number(process.env.BENCH_THREADS ?? 2);
const detector = await CenternetDetector.create({ intraOpNumThreads: threads });
for (const f of frames.slice(0, 5)) await detector.detect([f]); // warm-up
const cpu0 = cpuSeconds();
const t0 = performance.now();
let objects = 0;
for (const f of frames) objects += (await detector.detect([f]))[0].length;
const s = (performance.now() - t0) / 1000;
const cpuMsPerFrame = ((cpuSeconds() - cpu0) * 1000) / frames.length;
await detector.close();
report({
  phase: 'detect',
  frames: frames.length,
  objects,
  threads,
  seconds: s,
  framesPerSecond: frames.length / s,
  msPerFrame: (s * 1000) / frames.length,
  cpuMsPerFrame,
});
