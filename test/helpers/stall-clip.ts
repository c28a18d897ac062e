import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** What {@link makeStallClip} writes. */
export interface StallClip {
  path: string;
  fps: number;
  /** The stalled stretch, s: from `stallFrom` the picture of that moment repeats until `stallTo`. */
  stallFrom: number;
  stallTo: number;
}

/**
 * A camera stream that stalls, as an H.264 MP4 (320×240, 20 fps, 5 s): a picture of moving stripes
 * (every pixel changes between frames, as on a busy street), whose picture at 2.5 s repeats
 * until 3.1 s, when the stream jumps ahead to the picture of that moment (the frames between are
 * lost, as when a camera or recorder stalls). Repeats encode as skipped blocks, so they decode to
 * exactly the same picture.
 *
 *   picture shown   … 2.40 2.45 2.50 2.50 2.50 … 2.50 3.10 3.15 …
 *   frame time      … 2.40 2.45 2.50 2.55 2.60 … 3.05 3.10 3.15 …
 *
 * @example
 *   const clip = await makeStallClip(tmpDir);
 *   const cam = await RtspTestServer.start(fileLaunch(clip.path), 0, { once: true });
 */
export async function makeStallClip(dir: string): Promise<StallClip> {
  const fps = 20;
  const [w, h, seconds, stallFrom, stallTo] = [320, 240, 5, 2.5, 3.1];
  const path = join(dir, 'stalling-camera.mp4');
  const enc = spawn(
    'gst-launch-1.0',
    [
      ...['-q', 'fdsrc', 'fd=0', '!', 'rawvideoparse', `width=${w}`, `height=${h}`, 'format=i420'],
      ...[`framerate=${fps}/1`, '!', 'x264enc', 'speed-preset=ultrafast', 'pass=quant', 'quantizer=18'],
      ...[`key-int-max=${fps}`, '!', 'mp4mux', '!', 'filesink', `location=${path}`],
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  enc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    enc.on('close', resolve);
    enc.on('error', reject);
  });
  for (let i = 0; i < fps * seconds; i++) {
    const t = i / fps;
    const shown = t >= stallFrom && t < stallTo - 1e-9 ? stallFrom : t;
    enc.stdin.write(stripes(w, h, shown));
  }
  enc.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`makeStallClip: gst-launch-1.0 exited ${code}: ${stderr.slice(-500)}`);
  return { path, fps, stallFrom, stallTo };
}

/** One I420 frame of diagonal stripes 32 px apart, moved 120 px per second at `t`. */
function stripes(w: number, h: number, t: number): Buffer {
  const frame = Buffer.alloc((w * h * 3) / 2, 128);
  const shift = t * 120;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      frame[y * w + x] = Math.round(128 + 100 * Math.sin((2 * Math.PI * (x + y / 2 - shift)) / 32));
  return frame;
}
