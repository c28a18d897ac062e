import type { ClipTruth } from './eval-counts.ts';
import { reencodeClip } from './reencode-clip.ts';

/**
 * An annotated clip seen in a mirror: the video flipped left to right (GStreamer's videoflip,
 * re-encoded: reencode-clip.ts) and its truth moved with it. A mirrored street is
 * a street the counting was never tuned on (vehicles enter from the other edge, lanes swap sides,
 * the detector sees other pixels), with the same crossings: a cheap check that what holds on a clip
 * is not a property of it.
 *
 *   original                         mirrored (width W)
 *   from ●━━━━━━▶● to                to' ●◀━━━━━━● from'     x' = W − x
 *
 * The line's ends are mirrored and swapped, so its left side stays left and every crossing keeps its
 * direction and class. A calibration's image points are mirrored (the world points stay).
 *
 * @example
 *   const m = await mirrorClip(clip.video, clip.truth, tmpDir);
 *   await countClip(m.video, m.truth, 2, {});
 */
export async function mirrorClip(
  video: string,
  truth: ClipTruth,
  dir: string,
): Promise<{ video: string; truth: ClipTruth }> {
  const width = truth.size?.[0];
  if (!width) throw new Error(`mirrorClip: the truth of ${video} has no "size" (needed to mirror it)`);
  const out = await reencodeClip(video, ['videoflip', 'video-direction=horiz'], dir, 'mirrored');
  const flip = ([x, y]: [number, number]): [number, number] => [width - x, y];
  const mirrored: ClipTruth = {
    ...truth,
    video: out,
    line: { id: truth.line.id, from: flip(truth.line.to), to: flip(truth.line.from) },
    ...(truth.calibration
      ? { calibration: { image: truth.calibration.image.map(flip), world: truth.calibration.world } }
      : {}),
  };
  return { video: out, truth: mirrored };
}
