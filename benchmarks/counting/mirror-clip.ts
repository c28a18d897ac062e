import { join } from 'node:path';
import { runCapture } from '../../pipeline/extract/gst-process.ts';
import type { ClipTruth } from './eval-counts.ts';

/**
 * An annotated clip seen in a mirror: the video flipped left to right (GStreamer's videoflip,
 * re-encoded with x264 at a constant quantizer) and its truth moved with it. A mirrored street is
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
  const out = join(dir, `mirrored-${Date.now()}-${Math.random().toString(36).slice(2)}.mp4`);
  await gst([
    'filesrc',
    `location=${video}`,
    '!',
    'decodebin',
    '!',
    'videoconvert',
    '!',
    'videoflip',
    'video-direction=horiz',
    '!',
    'videoconvert',
    '!',
    'video/x-raw,format=I420',
    '!',
    'x264enc',
    'speed-preset=faster',
    // A constant quantizer: the same file on every run (x264's bitrate mode varies with its threads).
    'pass=quant',
    'quantizer=18',
    '!',
    'mp4mux',
    '!',
    'filesink',
    `location=${out}`,
  ]);
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

/** Runs a gst-launch-1.0 pipeline to its end (10 minutes at most); rejects with its message on failure. */
async function gst(args: string[]): Promise<void> {
  const run = await runCapture('gst-launch-1.0', ['-q', ...args], 600_000);
  if (run.code !== 0 || run.timedOut)
    throw new Error(
      `mirroring with gst-launch-1.0 failed (${run.timedOut ? 'timed out' : `exit ${run.code}`}): ${run.stderr.slice(-1000)}`,
    );
}
