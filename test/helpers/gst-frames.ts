import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RawFramesOptions {
  /** Output size in pixels; the decoded video is scaled to exactly this size. */
  width: number;
  height: number;
  /** Output frame rate as a GStreamer fraction, e.g. '1/4' for one frame every 4 s; default: every frame. */
  framerate?: string;
}

/**
 * Decodes a video file to tightly packed RGB24 frames with gst-launch-1.0 (test helper, independent of
 * pipeline/extract). Frames are written to a temporary file and read back in one piece.
 */
export async function decodeRgbFrames(path: string, opts: RawFramesOptions): Promise<Uint8Array[]> {
  const { width: w, height: h } = opts;
  const dir = await mkdtemp(join(tmpdir(), 'cityflow-frames-'));
  const out = join(dir, 'frames.rgb');
  const caps = `video/x-raw,format=RGB,width=${w},height=${h}${opts.framerate ? `,framerate=${opts.framerate}` : ''}`;
  const args = [
    '-q',
    'filesrc',
    `location=${path}`,
    '!',
    'decodebin',
    '!',
    'videoconvert',
    '!',
    'videoscale',
  ];
  if (opts.framerate) args.push('!', 'videorate');
  args.push('!', caps, '!', 'filesink', `location=${out}`);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('gst-launch-1.0', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`gst-launch-1.0 exited ${code}: ${stderr.trim()}`)),
      );
    });
    const raw = await readFile(out);
    // GStreamer pads RGB rows to a multiple of 4 bytes; repack them tightly.
    const stride = (w * 3 + 3) & ~3;
    const size = stride * h;
    if (raw.length === 0 || raw.length % size !== 0) {
      throw new Error(`${path}: ${raw.length} bytes is not a whole number of ${w}x${h} RGB frames`);
    }
    const frames: Uint8Array[] = [];
    for (let off = 0; off < raw.length; off += size) {
      const f = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) f.set(raw.subarray(off + y * stride, off + y * stride + w * 3), y * w * 3);
      frames.push(f);
    }
    return frames;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
