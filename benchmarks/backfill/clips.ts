import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The footage the benchmark clips are made from: real street traffic, 640x352 H.264 at 24 fps, 37.7 s. */
export const SOURCE = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));
const CACHE = fileURLToPath(new URL('../../.cache/bench-clips/', import.meta.url));

export const RESOLUTIONS = { '720p': [1280, 720], '1080p': [1920, 1080] } as const;
export type Resolution = keyof typeof RESOLUTIONS;

/**
 * An H.264 (High profile, 24 fps, a key frame every 2 s, about what an IP camera records) version of
 * SOURCE scaled to `res`, made once with GStreamer and cached under .cache/bench-clips/. x264enc gets
 * explicit `format=I420` caps: without them it encodes 4:4:4, which camera footage never is and
 * which decodes far slower.
 */
export function benchClip(res: Resolution): string {
  const [w, h] = RESOLUTIONS[res];
  const out = join(CACHE, `residential-street-${res}.mp4`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${out}.partial`;
  const bitrate = res === '720p' ? 3000 : 6000; // kbit/s
  execFileSync(
    'gst-launch-1.0',
    [
      '-q',
      'filesrc',
      `location=${SOURCE}`,
      '!',
      'qtdemux',
      'name=d',
      'd.video_0',
      '!',
      'h264parse',
      '!',
      'avdec_h264',
      '!',
      'videoconvert',
      '!',
      'videoscale',
      '!',
      `video/x-raw,format=I420,width=${w},height=${h}`,
      '!',
      'x264enc',
      'speed-preset=veryfast',
      `bitrate=${bitrate}`,
      'key-int-max=48',
      '!',
      'video/x-h264,profile=high',
      '!',
      'h264parse',
      '!',
      'mp4mux',
      '!',
      'filesink',
      `location=${tmp}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  renameSync(tmp, out);
  return out;
}
