import { resolve } from 'node:path';
import { validateScene } from '../../pipeline/scene/validate-scene.ts';
import { parseIsoTime } from '../../pipeline/sources/start-time.ts';
import type { CameraConfig } from '../../schemas/config.ts';
import type { FilePlan } from './plan-files.ts';

/**
 * A camera's scene checked against the frame of a file about to be back-filled, so a line drawn
 * outside the picture, or on a picture of another size, fails the file with the reason instead of
 * counting nothing (the configuration can check its points only against a `frame` it is given).
 * Throws an Error naming the camera, the key and the frame.
 *
 * @example
 *   sceneFitsFile(camera, plan); // camera "night": scene.lines[0].to: [700, 200] lies outside the 596×308 frame
 */
export function sceneFitsFile(cam: CameraConfig, plan: Pick<FilePlan, 'file' | 'probe'>): void {
  const scene = cam.scene;
  if (!scene) return;
  const { width, height, par } = plan.probe;
  if (par.num !== par.den) return; // pixels not square: which size the points refer to is the user's to say
  const f = scene.frame;
  if (f && (f.width !== width || f.height !== height)) {
    throw new Error(
      `${plan.file} is ${width}×${height}, but camera "${cam.id}" has its scene drawn on a ${f.width}×${f.height} ` +
        'frame (scene.frame): its lines and zones would be in the wrong place',
    );
  }
  validateScene({ ...scene, frame: { width, height } }, `camera "${cam.id}"`, 'scene');
}

/**
 * A camera's configured `startTime` when the back-filled file is the camera's own `source`: the
 * wall time of that source's first frame. Other files have their own start (--start, their name or
 * their container).
 */
export function ownStart(cam: CameraConfig | undefined, files: readonly string[]): number | undefined {
  if (!cam?.startTime || files.length !== 1 || resolve(files[0]) !== resolve(cam.source)) return undefined;
  return parseIsoTime(cam.startTime, `camera "${cam.id}" startTime`);
}
