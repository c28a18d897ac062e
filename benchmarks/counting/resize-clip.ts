import type { ClipTruth } from './eval-counts.ts';
import { reencodeClip } from './reencode-clip.ts';

/**
 * An annotated clip at another resolution: the video scaled by `factor` (GStreamer's videoscale,
 * re-encoded: reencode-clip.ts) and its truth's pixel coordinates with it. The detector and the
 * motion step see nearly the same pictures whatever the source's size (each frame is scaled to the
 * detector's input first), but the line, the calibration and every distance the tracker and the line
 * zone measure are in source pixels: a rule that holds at 640×360 should hold on the same street
 * from a 1280×720 or a 1920×1080 camera. A cheap check that no rule is tied to one resolution.
 *
 *   original (W × H)                 scaled ×2 (2W × 2H)
 *   from (500, 62) ━━▶ to             from (1000, 124) ━━▶ to      (x, y)' = factor · (x, y)
 *
 * Every crossing keeps its time, direction and class. A calibration's image points are scaled (the
 * world points stay).
 *
 * @example
 *   const r = await resizeClip(clip.video, clip.truth, tmpDir, 2);
 *   await countClip(r.video, r.truth, 2, {});
 */
export async function resizeClip(
  video: string,
  truth: ClipTruth,
  dir: string,
  factor: number,
): Promise<{ video: string; truth: ClipTruth }> {
  const size = truth.size;
  if (!size) throw new Error(`resizeClip: the truth of ${video} has no "size" (needed to scale it)`);
  if (!(factor > 0 && factor <= 4))
    throw new RangeError(`resizeClip: factor must be in (0, 4], got ${factor}`);
  // Even sizes: x264 encodes 4:2:0, whose chroma planes are half the size.
  const even = (v: number) => Math.max(2, 2 * Math.round((v * factor) / 2));
  const [width, height] = [even(size[0]), even(size[1])];
  const caps = `video/x-raw,width=${width},height=${height},pixel-aspect-ratio=1/1`;
  const out = await reencodeClip(
    video,
    ['videoscale', 'method=bilinear', '!', caps],
    dir,
    `scaled-${factor}`,
  );
  const [fx, fy] = [width / size[0], height / size[1]];
  const scale = ([x, y]: [number, number]): [number, number] => [x * fx, y * fy];
  const scaled: ClipTruth = {
    ...truth,
    video: out,
    size: [width, height],
    line: { id: truth.line.id, from: scale(truth.line.from), to: scale(truth.line.to) },
    ...(truth.calibration
      ? { calibration: { image: truth.calibration.image.map(scale), world: truth.calibration.world } }
      : {}),
  };
  return { video: out, truth: scaled };
}
