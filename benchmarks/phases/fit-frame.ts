/**
 * The detector with and without `input.fitFrame`, in the same run, on the sample and (when ../shared
 * is present) every clip there:
 * - speed: ms per frame on the clip's first 40 frames at 5 fps (best of 3 passes, frame by frame,
 *   1 instance, 1 thread);
 * - boxes: every frame at 5 fps at the threshold a tracking pipeline runs (`trackingSpec`, weak
 *   boxes included), each fitted box matched to an unmatched full-box one of the same class (the
 *   best IoU, at least 0.9). "Same" counts matched boxes over the larger of the two totals.
 *
 *   node --import tsx benchmarks/phases/fit-frame.ts
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DetectorPool } from '../../pipeline/detect/detector-pool.ts';
import { resolveModel } from '../../pipeline/detect/detector-spec.ts';
import { trackingSpec } from '../../pipeline/detect/track-threshold.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { iou } from '../../pipeline/geometry/box-iou.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';

const shared = fileURLToPath(new URL('../../../shared/footage/', import.meta.url));
const clips = [
  fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url)),
  ...(existsSync(shared)
    ? readdirSync(shared)
        .filter((f) => f.endsWith('.mp4') && f !== 'residential-street.mp4')
        .sort()
        .map((f) => shared + f)
    : []),
];

async function detectAll(frames: RgbFrame[], fitFrame: boolean) {
  const base = trackingSpec(resolveModel('yolox-nano'));
  const spec = { ...base, input: { ...base.input, fitFrame } };
  const pool = await DetectorPool.create(
    { name: 'yolox-nano', spec, threads: 1 },
    { instances: 1, batchSize: 1, maxWaitMs: 0 },
  );
  const boxes: Detection[][] = [];
  for (const f of frames) boxes.push((await pool.detectTimed([f])).detections[0]);
  let best = Number.POSITIVE_INFINITY;
  const timed = frames.slice(0, 40);
  for (let pass = 0; pass < 3; pass++) {
    const t0 = performance.now();
    for (const f of timed) await pool.detectTimed([f]);
    best = Math.min(best, (performance.now() - t0) / timed.length);
  }
  await pool.close();
  return { msPerFrame: Math.round(best * 100) / 100, boxes };
}

/** Boxes of `b` matched one to one to boxes of `a` of the same class with IoU >= 0.9, greedily. */
function matched(a: Detection[], b: Detection[]): number {
  const free = new Set(a.keys());
  let n = 0;
  for (const d of b) {
    let pick = -1;
    let bestIou = 0.9;
    for (const i of free) {
      const v = a[i].cls === d.cls ? iou(a[i].box, d.box) : 0;
      if (v >= bestIou) [pick, bestIou] = [i, v];
    }
    if (pick >= 0) {
      free.delete(pick);
      n++;
    }
  }
  return n;
}

for (const clip of clips) {
  const frames: RgbFrame[] = [];
  for await (const f of new FrameExtractor({
    path: clip,
    fps: 5,
    maxWidth: 416,
    maxHeight: 416,
    startTimeMs: 0,
  }))
    frames.push(f.frame);
  const full = await detectAll(frames, false);
  const fitted = await detectAll(frames, true);
  const total = (r: Detection[][]) => r.reduce((n, b) => n + b.length, 0);
  const same = full.boxes.reduce((n, b, i) => n + matched(b, fitted.boxes[i]), 0);
  const larger = Math.max(total(full.boxes), total(fitted.boxes), 1);
  console.log(
    JSON.stringify({
      clip: clip.split('/').pop(),
      frame: `${frames[0].width}x${frames[0].height}`,
      frames: frames.length,
      full: { msPerFrame: full.msPerFrame, boxes: total(full.boxes) },
      fitted: { msPerFrame: fitted.msPerFrame, boxes: total(fitted.boxes) },
      sameBoxes: same,
      sameShare: Math.round((1000 * same) / larger) / 1000,
    }),
  );
}
