import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { RgbFrame } from '../../schemas/frame.ts';
import { SourceError } from '../errors/source-error.ts';
import { fitInside, packRgb } from './frame-extractor.ts';
import { GdpReader } from './gdp-reader.ts';
import { gstChildEnv } from './gst-process.ts';
import { describeGstMessage, parseGstLaunchStderr, reasonForGstError } from './gst-stderr.ts';
import { intField } from './gst-structure.ts';

export type ImageFormat = 'jpeg' | 'png';

/** A tightly packed RGB24 picture at its own resolution. */
export interface RgbPicture {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedImage {
  format: ImageFormat;
  /** The picture at its own resolution (what boxes in source pixels refer to). */
  source: RgbPicture;
  /** The picture scaled to fit the box given to decodeImage (aspect kept, never upscaled). */
  frame: RgbFrame;
}

/**
 * JPEG or PNG from the file's first bytes (FF D8 FF; 89 'PNG' 0D 0A 1A 0A), null for anything else.
 * Throws a SourceError `not-found` when the file does not exist, `unreadable` when it is not a file.
 */
export async function sniffImage(path: string): Promise<ImageFormat | null> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(8);
      const { bytesRead } = await fh.read(head, 0, 8, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SourceError(path, 'not-found', 'no such file');
    if (code === 'EISDIR') throw new SourceError(path, 'unreadable', 'is a directory, not a file');
    throw new SourceError(path, 'unreadable', (e as Error).message, { cause: e });
  }
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length === 8 && head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  return null;
}

export interface DecodeImageOptions {
  /** The box `frame` must fit in (the detector's input), e.g. 512×512. Default: the image's own size. */
  maxWidth?: number;
  maxHeight?: number;
  /** Per GStreamer run; default 30 s. */
  timeoutMs?: number;
}

/**
 * Decodes a JPEG or PNG still image with GStreamer into RGB, at its own resolution and scaled to fit a
 * box, the way FrameExtractor prepares video frames (so a detector sees a photo as it would a frame):
 *
 *   filesrc ! decodebin ! videoconvert ! video/x-raw,format=RGB ! gdppay ! fdsink          (source)
 *   filesrc ! decodebin ! videoscale add-borders=false ! videoconvert
 *     ! video/x-raw,format=RGB,width=w,height=h ! gdppay ! fdsink                           (frame)
 *
 * The size comes from the caps in the GDP stream. EXIF orientation is not applied: pixels are read as
 * stored. Errors are SourceErrors naming the file: not-found, unreadable (not JPEG/PNG), corrupt.
 */
export async function decodeImage(path: string, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const format = await sniffImage(path);
  if (!format) throw new SourceError(path, 'unreadable', 'not a JPEG or PNG image');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const src = ['filesrc', `location=${path}`, '!', 'decodebin', '!'];
  const source = await decodeOne(
    path,
    [...src, 'videoconvert', '!', 'video/x-raw,format=RGB', '!', 'gdppay', '!', 'fdsink', 'fd=1'],
    timeoutMs,
  );
  const fit = fitInside(
    source.width,
    source.height,
    options.maxWidth ?? source.width,
    options.maxHeight ?? source.height,
  );
  if (fit.width === source.width && fit.height === source.height) {
    return { format, source, frame: { ...source, scale: 1 } };
  }
  const scaled = await decodeOne(
    path,
    [
      ...src,
      'videoscale',
      'add-borders=false',
      '!',
      'videoconvert',
      '!',
      `video/x-raw,format=RGB,width=${fit.width},height=${fit.height}`,
      '!',
      'gdppay',
      '!',
      'fdsink',
      'fd=1',
    ],
    timeoutMs,
  );
  return { format, source, frame: { ...scaled, scale: fit.scale } };
}

/** Runs gst-launch-1.0 and returns the first RGB buffer of its GDP output. */
function decodeOne(path: string, pipeline: string[], timeoutMs: number): Promise<RgbPicture> {
  return new Promise((resolve, reject) => {
    const child = spawn('gst-launch-1.0', ['-q', ...pipeline], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: gstChildEnv(),
    });
    const reader = new GdpReader();
    let caps: { width: number; height: number } | null = null;
    let picture: RgbPicture | null = null;
    let fault: Error | null = null;
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (picture || fault) return;
      try {
        for (const pkt of reader.push(chunk)) {
          if (pkt.kind === 'caps' && pkt.caps) {
            const w = intField(pkt.caps, 'width');
            const h = intField(pkt.caps, 'height');
            if (pkt.caps.name === 'video/x-raw' && w && h) caps = { width: w, height: h };
          } else if (pkt.kind === 'buffer' && caps && !picture) {
            // Copy: the payload may be a view into a chunk the reader reuses.
            const data = packRgb(pkt.payload, caps.width, caps.height).slice();
            picture = { data, width: caps.width, height: caps.height };
          }
        }
      } catch (e) {
        fault = e as Error;
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(
        new SourceError(path, 'decoder-exit', `cannot start gst-launch-1.0: ${e.message}`, { cause: e }),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const first = parseGstLaunchStderr(stderr).errors[0];
      if (first) return reject(new SourceError(path, reasonForGstError(first), describeGstMessage(first)));
      if (timedOut) return reject(new SourceError(path, 'decoder-exit', `no image after ${timeoutMs} ms`));
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-2).join(' | ');
        return reject(
          new SourceError(path, 'decoder-exit', `gst-launch-1.0 ${signal ?? `exited ${code}`}: ${tail}`),
        );
      }
      if (fault) return reject(new SourceError(path, 'corrupt', `unreadable output: ${fault.message}`));
      if (!picture) return reject(new SourceError(path, 'corrupt', 'the decoder produced no picture'));
      resolve(picture);
    });
  });
}
