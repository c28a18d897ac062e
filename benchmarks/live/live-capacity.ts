// Where a live 720p camera's CPU goes at 2 fps (decode, reading, detect, motion), and the camera count
// that estimate gives, checked with the decoders and the detector alone. The capacity of the whole
// pipeline (queues, tracking, counting, the store) is measured by live-ramp.ts.
//
//  1. a 720p H.264 clip (the sample scaled up, re-encoded once) served by local RTSP servers
//     (test/helpers/rtsp-server.c on libgstrtspserver, one process per camera, no re-encoding)
//  2. decode cost: one LiveDecoder for 15 s; the CPU of its gst-launch-1.0 (from /proc) and of this
//     process (reading frames, picture checks, motion chains) per second of video
//  3. detector cost: the detector (2 instances x 1 thread, the pipeline's layout) on those frames,
//     CPU ms per frame, plus tracing each detection back through its motion chain (in the detector
//     threads, as in the pipeline: measured as the same frames again with their chains)
//  Steps 2-4 run for two set-ups in the same run: the default one (yolox-nano, motion between
//  frames at tracking.motionFps 10: the decoder runs at 10 fps) and, as the baseline, the one before
//  motion existed (centernet, decoding at 2 fps). The check (5) runs the default set-up.
//  4. estimate: N = floor(cores / (decode cores + 2 x detector CPU s per frame + own cores))
//  5. check: N cameras at once for 20 s, every frame detected as it arrives: delivered fps per
//     camera and the detector backlog at the end; the RTSP servers' own CPU is reported (it runs
//     on the same machine here, so the check is pessimistic)
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DetectorPool } from '../../pipeline/detect/detector-pool.ts';
import { BUILTIN_MODELS } from '../../pipeline/detect/detector-spec.ts';
import type { TracedFrame } from '../../pipeline/detect/threaded-detector.ts';
import { classifyPicture, FrozenDetector, pictureStats } from '../../pipeline/live/image-checks.ts';
import { LiveDecoder } from '../../pipeline/live/live-decoder.ts';
import type { GreyFrame } from '../../pipeline/motion/grey-frame.ts';
import { MotionSampler, motionSteps } from '../../pipeline/motion/motion-sampler.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { fileLaunch, RtspTestServer } from '../../test/helpers/rtsp-server.ts';
import { report, SAMPLE } from '../phases/common.ts';

const FPS = 2;
const run = promisify(execFile);
const procCpu = (pid: number | undefined): number => {
  if (!pid) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
};
/**
 * This process's own CPU seconds (all its threads, the detector's included). Not /proc's figure with
 * the children's: a decoder that has exited and been waited for would count twice, once as decoding
 * and once more as this process.
 */
const ownCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

const dir = mkdtempSync(join(tmpdir(), 'cityflow-bench-live-'));
const clip = join(dir, 'street-720p.mp4');
await run(
  'gst-launch-1.0',
  [
    '-q',
    'filesrc',
    `location=${SAMPLE}`,
    '!',
    'decodebin',
    '!',
    'videoscale',
    '!',
    'videoconvert',
    '!',
    'video/x-raw,format=I420,width=1280,height=720',
    '!',
    'x264enc',
    'speed-preset=ultrafast',
    'bitrate=2500',
    'key-int-max=48',
    '!',
    'h264parse',
    '!',
    'mp4mux',
    '!',
    'filesink',
    `location=${clip}`,
  ],
  { timeout: 180_000 },
);

interface Setup {
  name: string;
  model: 'yolox-nano' | 'centernet';
  /** Decoder frames per analysed frame (0: no motion). */
  steps: number;
}
const DEFAULT: Setup = {
  name: 'yolox-nano + motion',
  model: 'yolox-nano',
  steps: motionSteps(FPS, 10),
};
const BASELINE: Setup = { name: 'centernet, no motion', model: 'centernet', steps: 0 };

/** A frame with its motion chain to trace its detections through (none without a chain). */
function traced(frame: RgbFrame, chain: GreyFrame[] | undefined, dtMs: number): TracedFrame {
  return chain && chain.length >= 2 ? { ...frame, trace: { chain, frameWidth: frame.width, dtMs } } : frame;
}

/** Runs `n` cameras for `seconds`, detecting each analysed frame as it arrives. */
async function cameras(n: number, seconds: number, setup: Setup, pool: DetectorPool | null) {
  const input = BUILTIN_MODELS[setup.model].input;
  const servers = await Promise.all(Array.from({ length: n }, () => RtspTestServer.start(fileLaunch(clip))));
  const decoders = servers.map(
    (s) =>
      new LiveDecoder({
        uri: s.url,
        fps: FPS * Math.max(1, setup.steps),
        maxWidth: input.width,
        maxHeight: input.height,
      }),
  );
  const frames: RgbFrame[] = [];
  const chains: Array<GreyFrame[] | undefined> = [];
  const counts = decoders.map(() => 0);
  let pending = 0;
  let maxPending = 0;
  let detected = 0;
  const own0 = ownCpu();
  const t0 = performance.now();
  const stopAt = Date.now() + seconds * 1000;
  let gstCpu = 0;
  let serverCpu = 0;
  await Promise.all(
    decoders.map(async (d, i) => {
      const frozen = new FrozenDetector({ frozenAfterMs: 10_000 });
      const sampler = setup.steps ? new MotionSampler(FPS) : null;
      const stop = setTimeout(() => {
        gstCpu += procCpu(d.pid);
        serverCpu += procCpu(servers[i].pid);
        void d.close();
      }, stopAt - Date.now());
      for await (const decoded of d.frames()) {
        const time = { ptsMs: decoded.ptsMs, tsMs: decoded.receivedMs };
        // As the camera supervisor does: the sampler gives a motion frame's buffer back.
        const analysed = sampler
          ? sampler.push({
              frame: decoded.frame,
              time,
              ...(decoded.release ? { release: decoded.release } : {}),
            })
          : [{ frame: decoded.frame, time }];
        for (const f of analysed) {
          counts[i]++;
          frozen.update(f.frame, f.time.tsMs);
          classifyPicture(pictureStats(f.frame));
          const chain = 'motion' in f ? f.motion : undefined;
          if (frames.length < 40) {
            frames.push({ ...f.frame, data: f.frame.data.slice() });
            chains.push(chain?.frames);
          }
          if (pool) {
            pending++;
            maxPending = Math.max(maxPending, pending);
            // As the detect stage does: the detections are traced back in the detector's thread.
            const dtMs = chain ? f.time.ptsMs - chain.fromPtsMs : 0;
            void pool
              .detect([traced(f.frame, chain?.frames, dtMs)])
              .then(() => {
                detected++;
              })
              .catch(() => {})
              .finally(() => {
                pending--;
              });
          }
        }
      }
      clearTimeout(stop);
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const ownCpuS = ownCpu() - own0;
  const backlog = pending;
  for (let i = 0; pending > 0 && i < 600; i++) await new Promise((r) => setTimeout(r, 50)); // let the detector drain
  for (const s of servers) await s.close();
  return {
    frames,
    chains,
    counts,
    wall,
    gstCpu,
    serverCpu,
    ownCpu: ownCpuS,
    pending: backlog,
    maxPending,
    detected,
  };
}

/** Steps 2-4 for one set-up: what one camera costs, and how many fit. */
async function estimateFor(setup: Setup) {
  const one = await cameras(1, 15, setup, null);
  const decodeCores = one.gstCpu / one.wall;
  const ownCoresPerCamera = one.ownCpu / one.wall;
  const pool = await DetectorPool.create(
    { name: setup.model, spec: BUILTIN_MODELS[setup.model], threads: 1 },
    { instances: 2 },
  );
  await pool.detect(one.frames.slice(0, 4));
  const c0 = ownCpu();
  const d0 = performance.now();
  await pool.detect(one.frames);
  const detectorMs = (performance.now() - d0) / one.frames.length;
  const detectorCpuMs = ((ownCpu() - c0) * 1000) / one.frames.length;
  // The same frames with their motion chains: the detections are also traced back, in the detector
  // threads as in the pipeline; the difference is the tracing's cost.
  const t0 = ownCpu();
  await pool.detect(one.frames.map((f, i) => traced(f, one.chains[i], 1000 / FPS)));
  const traceCpuMs = Math.max(0, ((ownCpu() - t0) * 1000) / one.frames.length - detectorCpuMs);
  const perCamera = decodeCores + ownCoresPerCamera + (FPS * (detectorCpuMs + traceCpuMs)) / 1000;
  const estimate = Math.max(1, Math.floor(cpus().length / perCamera));
  const figures = {
    setup: setup.name,
    decodeCoresPer720pStream: round(decodeCores),
    workerCoresPerCamera: round(ownCoresPerCamera),
    detectorMsPerFrame: round(detectorMs, 1),
    detectorCpuMsPerFrame: round(detectorCpuMs, 1),
    motionTraceCpuMsPerFrame: round(traceCpuMs, 2),
    coresPerCamera: round(perCamera),
    estimatedCameras: estimate,
  };
  return { pool, perCamera, estimate, figures };
}

// 2-4. the baseline set-up, then the default one (whose pool runs the check)
const baseline = await estimateFor(BASELINE);
await baseline.pool.close();
const { pool, perCamera, estimate, figures } = await estimateFor(DEFAULT);
const cores = cpus().length;
// 5. check with N simulated cameras
const check = await cameras(estimate, 20, DEFAULT, pool);
await pool.close();
rmSync(dir, { recursive: true, force: true });
const fpsPerCamera = check.counts.map((c) => round(c / check.wall, 2));
const sustained = fpsPerCamera.every((f) => f >= FPS * 0.9) && check.pending <= estimate * 2;
report({
  phase: 'live-capacity',
  frames: check.counts.reduce((a, b) => a + b, 0),
  seconds: round(check.wall, 2),
  framesPerSecond: round(check.counts.reduce((a, b) => a + b, 0) / check.wall, 2),
  cpuMsPerFrame: round((perCamera * 1000) / FPS, 1),
  source:
    '1280x720 H.264 (the sample scaled up, ~2.5 Mb/s) over RTSP/TCP from local libgstrtspserver servers, analysed at 2 fps',
  cores,
  ...figures,
  baseline: baseline.figures,
  check: {
    cameras: estimate,
    fpsPerCamera,
    detected: check.detected,
    backlogAtEnd: check.pending,
    maxBacklog: check.maxPending,
    rtspServersCores: round(check.serverCpu / check.wall),
    decodersCores: round(check.gstCpu / check.wall),
    workerCores: round(check.ownCpu / check.wall),
    sustained,
  },
});
