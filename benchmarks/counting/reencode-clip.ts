import { join } from 'node:path';
import { runCapture } from '../../pipeline/extract/gst-process.ts';

/**
 * Decodes a clip, passes its frames through GStreamer `filters` (e.g. `['videoflip',
 * 'video-direction=horiz']`) and writes the result into `dir` as a new mp4, re-encoded with x264 at a
 * constant quantizer: the same file on every run (x264's bitrate mode varies with its threads).
 * Returns the new file's path; rejects with gst-launch-1.0's message on failure.
 *
 * @example
 *   const out = await reencodeClip(video, ['videoflip', 'video-direction=horiz'], tmpDir, 'mirrored');
 */
export async function reencodeClip(
  video: string,
  filters: string[],
  dir: string,
  prefix: string,
): Promise<string> {
  const out = join(dir, `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2)}.mp4`);
  const run = await runCapture(
    'gst-launch-1.0',
    [
      '-q',
      ...['filesrc', `location=${video}`, '!', 'decodebin', '!', 'videoconvert', '!'],
      ...filters,
      ...['!', 'videoconvert', '!', 'video/x-raw,format=I420', '!'],
      ...['x264enc', 'speed-preset=faster', 'pass=quant', 'quantizer=18', '!', 'mp4mux', '!'],
      ...['filesink', `location=${out}`],
    ],
    600_000,
  );
  if (run.code !== 0 || run.timedOut)
    throw new Error(
      `re-encoding ${video} (${prefix}) with gst-launch-1.0 failed (${run.timedOut ? 'timed out' : `exit ${run.code}`}): ${run.stderr.slice(-1000)}`,
    );
  return out;
}
