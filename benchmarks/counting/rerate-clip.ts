import type { ClipTruth } from './eval-counts.ts';
import { reencodeClip } from './reencode-clip.ts';

/**
 * An annotated clip as a camera recording at another frame rate would give it: GStreamer's videorate
 * keeps, for each slot of the new rate's grid, the source frame nearest it (dropping the others, or
 * showing one twice when the new rate is higher), re-encoded (reencode-clip.ts). Street cameras and
 * recorders run anywhere from 5 to 30 frames per second, and at 6 fps a vehicle near the camera moves
 * as far between two source frames as at 2 fps between analysed ones on a 30 fps camera: fewer
 * frames for the motion step, and (with a motion rate above the source's) decoded frames that
 * repeat a picture. A check that counts hold whatever rate the camera sends.
 *
 *   source, 25 fps   |·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|·|
 *   at 6 fps         |       |       |       |       |        |            frames k / 6 s
 *
 * Every crossing keeps its time, direction and class (the truth is in seconds of the street's time).
 *
 * @example
 *   const r = await rerateClip(clip.video, clip.truth, tmpDir, 6);
 *   await countClip(r.video, r.truth, 2, {});
 */
export async function rerateClip(
  video: string,
  truth: ClipTruth,
  dir: string,
  fps: number,
): Promise<{ video: string; truth: ClipTruth }> {
  if (!(fps >= 1 && fps <= 60)) throw new RangeError(`rerateClip: fps must be in [1, 60], got ${fps}`);
  const rate = `${Math.round(fps * 1000)}/1000`;
  const out = await reencodeClip(
    video,
    ['videorate', '!', `video/x-raw,framerate=${rate}`],
    dir,
    `rate-${fps}`,
  );
  return { video: out, truth: { ...truth, video: out } };
}
