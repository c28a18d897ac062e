// Motion gating: frames and detector time saved on the footage (the bundled sample, plus
// ../shared/footage when present), at 5 fps into the centernet box. Each file is run twice with the
// same detector: every frame, then only the frames the gate lets through.

import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CenternetDetector } from '../../pipeline/detect/centernet/centernet-detector.ts';
import { MotionGate, type MotionGateOptions } from '../../pipeline/detect/motion/motion-gate.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { iou } from '../../pipeline/geometry/box-iou.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { FPS, report, SAMPLE } from './common.ts';

const shared = fileURLToPath(new URL('../../../shared/footage/', import.meta.url));
const files = [
  SAMPLE,
  ...['parking-lot-topdown.mp4', 'people-walking.mp4'].map((f) => shared + f).filter(existsSync),
];
const gateOptions: MotionGateOptions = { minChangedFraction: 0.01, pixelDelta: 12, maxSkipFrames: 25 };
const detector = await CenternetDetector.create({ intraOpNumThreads: 2 });

const perFile = [];
for (const file of files) {
  const frames: RgbFrame[] = [];
  for await (const f of new FrameExtractor({
    uri: file,
    fps: FPS,
    maxWidth: 512,
    maxHeight: 512,
    startTimeMs: 0,
  })) {
    frames.push({ ...f.frame, data: f.frame.data.slice() });
  }
  let t0 = performance.now();
  const actual: Detection[][] = [];
  for (const f of frames) actual.push((await detector.detect([f]))[0]);
  const allMs = performance.now() - t0;
  const gate = new MotionGate(gateOptions);
  let analysed = 0;
  let carried: Detection[] = [];
  const agreement = { tp: 0, fp: 0, fn: 0 };
  t0 = performance.now();
  for (const [i, f] of frames.entries()) {
    if (gate.update(f)) {
      analysed++;
      carried = (await detector.detect([f]))[0];
    } else {
      // What a skipped frame reports (the last analysed frame's objects) against what is really there.
      const m = match(carried, actual[i]);
      agreement.tp += m.tp;
      agreement.fp += m.fp;
      agreement.fn += m.fn;
    }
  }
  const gatedMs = performance.now() - t0;
  perFile.push({
    file: basename(file),
    frames: frames.length,
    analysed,
    framesSavedPct: Math.round((1000 * (frames.length - analysed)) / frames.length) / 10,
    detectSecondsAll: Math.round(allMs) / 1000,
    detectSecondsGated: Math.round(gatedMs) / 1000,
    timeSavedPct: Math.round((1000 * (allMs - gatedMs)) / allMs) / 10,
    // null when neither side had any object on the skipped frames (nothing to agree on)
    skippedFramesF1:
      agreement.tp + agreement.fp + agreement.fn === 0
        ? null
        : Math.round((1000 * 2 * agreement.tp) / (2 * agreement.tp + agreement.fp + agreement.fn)) / 1000,
  });
}
await detector.close();

/** Greedy one-to-one matching at IoU >= 0.5, same class. */
function match(reported: Detection[], truth: Detection[]) {
  const used = new Set<number>();
  let tp = 0;
  for (const r of reported) {
    let best = -1;
    let bestIou = 0.5;
    truth.forEach((t, j) => {
      const v = t.cls === r.cls && !used.has(j) ? iou(r.box, t.box) : 0;
      if (v >= bestIou) [best, bestIou] = [j, v];
    });
    if (best >= 0) {
      used.add(best);
      tp++;
    }
  }
  return { tp, fp: reported.length - tp, fn: truth.length - tp };
}

const frames = perFile.reduce((n, f) => n + f.frames, 0);
const seconds = perFile.reduce((n, f) => n + f.detectSecondsGated, 0);
report({
  phase: 'motion-gate',
  gate: gateOptions,
  frames,
  seconds,
  framesPerSecond: frames / seconds,
  files: perFile,
  ...(files.length === 1 ? { note: '../shared/footage absent: sample only' } : {}),
});
