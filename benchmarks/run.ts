/**
 * `npm run bench`: per-stage and end-to-end throughput and peak RSS on the sample footage, each phase
 * in its own process (so peak RSS is the phase's own, and the embedded ClickHouse is opened once per
 * process). The end-to-end ÷ detector-only ratio is measured in the same run: it says how much the
 * queue, decoding and storage cost next to inference.
 *
 * Writes benchmarks/results/latest.json; copy the figures into benchmarks/RESULTS.md with the machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

// [name, script, extra environment]
const phases = [
  ['extract', 'extract', {}],
  ['detect', 'detect', {}],
  ['backends', 'backends', {}],
  ['preprocess', 'preprocess', {}],
  ['store', 'store', {}],
  ['end-to-end', 'end-to-end', {}],
  ['end-to-end x3', 'end-to-end', { BENCH_CAMERAS: '3' }],
  // Where the 3-camera run's CPU goes, per analysed frame (V8 profiles and /proc; cpu-account.ts).
  ['cpu-account', 'cpu-account', {}],
  ['motion-gate', 'motion-gate', {}],
  // The motion step between analysed frames: extra decoding and tracing, in cores per camera.
  ['motion', 'motion', {}],
  // benchmarks/backfill/phase.ts: `cityflow backfill` on 720p and 1080p H.264 clips at 2 and 5 fps.
  ['backfill', '../backfill/phase', {}],
  ['live-capacity', '../live/live-capacity', {}],
  // `cityflow run` with N live 720p cameras, counting on, N raised until one falls behind (live-ramp.ts).
  ['live-ramp', '../live/live-ramp', {}],
  // benchmarks/plates/phase.ts: what reading plates adds per camera at 2 fps (bundled footage).
  ['plates', '../plates/phase', {}],
  // Tracker + rule engine per frame on a synthetic street with ~100 objects (benchmarks/rules/).
  ['rules', '../rules/measure-rules', {}],
  ['api', 'api', {}],
] as const;
type Figures = {
  phase: string;
  frames: number;
  seconds: number;
  framesPerSecond: number;
  peakRssMiB: number;
} & Record<string, unknown>;

const results: Record<string, Figures> = {};
for (const [phase, script, env] of phases) {
  process.stderr.write(`bench: ${phase} ...\n`);
  const file = fileURLToPath(new URL(`./phases/${script}.ts`, import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) {
    process.stderr.write(`bench: phase ${phase} failed (exit ${r.status})\n${r.stdout}\n`);
    process.exit(1);
  }
  results[phase] = JSON.parse(line) as Figures;
}

const ratio = results['end-to-end'].framesPerSecond / results.detect.framesPerSecond;
const ratioSteady = results['end-to-end x3'].framesPerSecond / results.detect.framesPerSecond;
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  gstreamer: (() => {
    try {
      return execFileSync('gst-launch-1.0', ['--version'], { encoding: 'utf8' }).split('\n')[1] ?? '';
    } catch {
      return 'unknown';
    }
  })(),
};
const out = {
  date: new Date().toISOString(),
  command: 'npm run bench',
  machine,
  sample: 'samples/residential-street.mp4 (640x352 H.264, 37.7 s) at 5 fps into the model input box',
  phases: results,
  /** End-to-end (one file, start-up of the first segment included) ÷ detector-only frames/s. */
  endToEndOverDetector: Math.round(ratio * 1000) / 1000,
  /** The same with three cameras at once: the pipeline's steady state. */
  endToEndX3OverDetector: Math.round(ratioSteady * 1000) / 1000,
};

// The figures are on disk before anything is printed: a phase with a figure missing costs a blank
// cell, never the whole run.
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}latest.json`, `${JSON.stringify(out, null, 2)}\n`);

const cell = (x: unknown, digits: number) => (typeof x === 'number' ? x.toFixed(digits) : '');
const rows = phases.map(([p]) => {
  const f = results[p];
  return [
    p,
    String(f.frames ?? ''),
    cell(f.framesPerSecond, 1),
    cell(f.seconds, 2),
    cell(f.cpuMsPerFrame, 1),
    cell(f.peakRssMiB, 0),
  ];
});
const head = ['phase', 'frames', 'frames/s', 'seconds', 'CPU ms/frame', 'peak RSS MiB'];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r: string[]) => r.map((c, i) => c.padStart(w[i])).join('  ');
console.log(fmt(head));
for (const r of rows) console.log(fmt(r));
const d = results.detect as unknown as Record<'single1x2' | 'pool2x1', { framesPerSecond: number }>;
console.log(
  `detector alone (median of 3): ${d.single1x2.framesPerSecond.toFixed(1)} frames/s as 1 instance x 2 threads, ` +
    `${d.pool2x1.framesPerSecond.toFixed(1)} as 2 instances x 1 thread (the pipeline's layout)`,
);
console.log(
  `end-to-end / detector-only: ${out.endToEndOverDetector} (one file), ${out.endToEndX3OverDetector} (3 cameras)`,
);
type BackendTiming = { msPerFrame: number };
const bk = results.backends as unknown as {
  centernet: {
    onnxruntimeCpu1Thread: BackendTiming;
    onnxruntimeCpu2ThreadsByBatch: Record<string, BackendTiming>;
    tfjs: Partial<BackendTiming> & { skipped?: string };
  };
  yoloxNano: { threads1?: BackendTiming; threads2?: BackendTiming; skipped?: string };
};
const byBatch = Object.entries(bk.centernet.onnxruntimeCpu2ThreadsByBatch)
  .map(([b, t]) => `batch ${b} ${t.msPerFrame}`)
  .join(', ');
console.log(
  `centernet ms/frame: onnxruntime 1 thread ${bk.centernet.onnxruntimeCpu1Thread.msPerFrame}, ` +
    `2 threads ${byBatch}; tfjs ${bk.centernet.tfjs.msPerFrame ?? `skipped (${bk.centernet.tfjs.skipped})`}; ` +
    `yolox-nano 1/2 threads ${bk.yoloxNano.threads1?.msPerFrame ?? '-'}/${bk.yoloxNano.threads2?.msPerFrame ?? `- (${bk.yoloxNano.skipped})`}`,
);

for (const [label, ms] of Object.entries(results.preprocess.msPerFrame as Record<string, number>)) {
  console.log(`pre-processing, ${label}: ${ms} ms/frame`);
}
type GateFile = {
  file: string;
  frames: number;
  analysed: number;
  framesSavedPct: number;
  timeSavedPct: number;
  skippedFramesF1: number | null;
};
for (const f of (results['motion-gate'] as unknown as { files: GateFile[] }).files) {
  console.log(
    `motion gate, ${f.file}: ${f.analysed}/${f.frames} frames analysed (${f.framesSavedPct} % skipped, ` +
      `${f.timeSavedPct} % detector time saved; skipped frames vs real detections F1 ${f.skippedFramesF1 ?? 'n/a'})`,
  );
}

type BackfillRun = {
  resolution: string;
  fps: number;
  motion?: boolean;
  realtimeFactor: number;
  steadyRealtimeFactor?: number;
  framesPerSecond: number;
  decodeOnlyRealtimeFactor: number;
};
for (const b of (results.backfill as unknown as { runs: BackfillRun[] }).runs) {
  console.log(
    `backfill, ${b.resolution} H.264 at ${b.fps} fps${b.motion === false ? ' without the motion step' : ''}: ${b.realtimeFactor}x real time, ${b.steadyRealtimeFactor ?? ''}x after start-up (${b.framesPerSecond} frames/s; ` +
      `GStreamer decoding alone ${b.decodeOnlyRealtimeFactor}x)`,
  );
}
const live = results['live-capacity'] as unknown as {
  decodeCoresPer720pStream: number;
  detectorCpuMsPerFrame: number;
  coresPerCamera: number;
  estimatedCameras: number;
  check: { fpsPerCamera: number[]; backlogAtEnd: number; sustained: boolean };
};
console.log(
  `live 720p cameras at 2 fps: decode ${live.decodeCoresPer720pStream} cores/stream, detector ${live.detectorCpuMsPerFrame} CPU ms/frame, ` +
    `${live.coresPerCamera} cores/camera -> estimate ${live.estimatedCameras} cameras on ${cpus().length} cores; ` +
    `check with ${live.estimatedCameras}: ${live.check.sustained ? 'sustained' : 'NOT sustained'} ` +
    `(min ${Math.min(...live.check.fpsPerCamera)} fps/camera, detector backlog ${live.check.backlogAtEnd} frames at the end)`,
);
const ru = results.rules as unknown as Record<string, number>;
console.log(
  `tracker + rule engine, ${ru.objectsInView} objects in view: ${ru.trackerMsPerFrame} + ${ru.ruleEngineMsPerFrame} = ` +
    `${ru.togetherMsPerFrame} ms/frame (median pass; least disturbed ${ru.togetherMinMsPerFrame}; target < 1)`,
);
type ApiQuery = { name: string; p50Ms: number; p95Ms: number; rowsScanned: number };
for (const q of (results.api as unknown as { queries: ApiQuery[] }).queries) {
  console.log(`api, ${q.name}: p50 ${q.p50Ms} ms, p95 ${q.p95Ms} ms, ${q.rowsScanned} rows scanned`);
}

console.log('wrote benchmarks/results/latest.json');
