/**
 * The detector with and without `input.fitFrame`, in the same run: ms per frame (best of 3 passes,
 * frame by frame, 1 instance, 1 thread) and boxes found, on the sample and, when ../shared is
 * present, the night arterial (small motorbikes at the lower edge).
 *
 *   node --import tsx benchmarks/phases/fit-frame.ts
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DetectorPool } from '../../pipeline/detect/detector-pool.ts';
import { resolveModel } from '../../pipeline/detect/detector-spec.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import type { RgbFrame } from '../../schemas/frame.ts';

const clips = [
  '../../samples/residential-street.mp4',
  '../../../shared/footage/night-arterial-motorbikes.mp4',
]
  .map((p) => fileURLToPath(new URL(p, import.meta.url)))
  .filter((p) => existsSync(p));

async function measure(frames: RgbFrame[], fitFrame: boolean) {
  const base = resolveModel('yolox-nano');
  const spec = { ...base, input: { ...base.input, fitFrame } };
  const pool = await DetectorPool.create(
    { name: 'yolox-nano', spec, threads: 1 },
    { instances: 1, batchSize: 1, maxWaitMs: 0 },
  );
  let boxes = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 3; pass++) {
    const t0 = performance.now();
    for (const f of frames) {
      const { detections } = await pool.detectTimed([f]);
      if (pass === 0) boxes += detections[0].length;
    }
    best = Math.min(best, (performance.now() - t0) / frames.length);
  }
  await pool.close();
  return { msPerFrame: Math.round(best * 100) / 100, boxes };
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
  const full = await measure(frames, false);
  const fitted = await measure(frames, true);
  const size = `${frames[0].width}x${frames[0].height}`;
  console.log(
    JSON.stringify({ clip: clip.split('/').pop(), frame: size, frames: frames.length, full, fitted }),
  );
}
