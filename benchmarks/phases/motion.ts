// The motion step's cost per camera (pipeline/motion/): on the 720p bench clip analysed at 2 and 5 fps,
// CPU seconds per second of video of (a) decoding at the analysis rate alone (the baseline, in the same
// run), (b) decoding at the motion rate with the grey chains made (sampleWithMotion), and (c) tracing
// every detection back through its chain (attachMotion, with the default detector's real detections).
// (b) − (a) + (c) is what motion adds to a camera, in cores.

import { DetectorPool } from '../../pipeline/detect/detector-pool.ts';
import { resolveModel } from '../../pipeline/detect/detector-spec.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { attachMotion } from '../../pipeline/motion/detection-motion.ts';
import { type MotionChain, motionSteps, sampleWithMotion } from '../../pipeline/motion/motion-sampler.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { DEFAULT_MODEL } from '../../schemas/model.ts';
import { benchClip } from '../backfill/clips.ts';
import { cpuSeconds, report } from './common.ts';

const CLIP = benchClip('720p');
const SECONDS = 37.6875;
const MOTION_FPS = 10; // the configuration's default tracking.motionFps
const spec = resolveModel(DEFAULT_MODEL);
const box = { maxWidth: spec.input.width, maxHeight: spec.input.height, startTimeMs: 0 };

/** CPU seconds (this process and the decoder) to decode the clip at `fps`, with motion chains or not. */
async function decode(fps: number, motion: boolean) {
  const steps = motion ? motionSteps(fps, MOTION_FPS) : 0;
  const frames: Array<{ frame: RgbFrame; motion?: MotionChain }> = [];
  const c0 = cpuSeconds();
  const ex = new FrameExtractor({ path: CLIP, fps: fps * Math.max(1, steps), ...box });
  for await (const f of steps ? sampleWithMotion(ex, fps) : ex) {
    frames.push({
      frame: { ...f.frame, data: f.frame.data.slice() },
      ...('motion' in f && f.motion ? { motion: f.motion } : {}),
    });
  }
  return { cpu: cpuSeconds() - c0, frames };
}

const detector = await DetectorPool.create(
  { name: DEFAULT_MODEL, spec, threads: 2 },
  { instances: 1, batchSize: 1, maxWaitMs: 0 },
);
const perRate: Record<string, unknown> = {};
for (const fps of [2, 5]) {
  const base = await decode(fps, false);
  const withMotion = await decode(fps, true);
  let detections = 0;
  let traceCpu = 0;
  for (const f of withMotion.frames) {
    const [found] = (await detector.detectTimed([f.frame])).detections;
    if (!f.motion) continue;
    const t0 = process.cpuUsage();
    attachMotion(found, f.motion.frames, { scale: f.frame.scale, frameWidth: f.frame.width }, 1000 / fps);
    const t = process.cpuUsage(t0);
    traceCpu += (t.user + t.system) / 1e6;
    detections += found.length;
  }
  const decodeExtra = withMotion.cpu - base.cpu;
  perRate[`${fps}fps`] = {
    frames: withMotion.frames.length,
    motionSteps: motionSteps(fps, MOTION_FPS),
    decodeCoresBaseline: round(base.cpu / SECONDS),
    decodeCoresWithMotion: round(withMotion.cpu / SECONDS),
    traceMsPerFrame: round((1000 * traceCpu) / withMotion.frames.length),
    traceMsPerDetection: round((1000 * traceCpu) / Math.max(1, detections)),
    /** What motion adds to one camera, in cores (decoding at the motion rate + tracing). */
    motionCoresPerCamera: round((decodeExtra + traceCpu) / SECONDS),
  };
}
await detector.close();
report({
  phase: 'motion',
  clip: '720p residential street (bench clip), 37.7 s',
  motionFps: MOTION_FPS,
  ...perRate,
  frames: 0,
  seconds: 0,
  framesPerSecond: 0,
});

function round(v: number): number {
  return Math.round(v * 10000) / 10000;
}
