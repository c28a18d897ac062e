import { spawn } from 'node:child_process';
import { gstChildEnv } from '../../extract/gst-process.ts';
import { describeGstMessage, parseGstLaunchStderr } from '../../extract/gst-stderr.ts';
import type { RgbImage } from './draw.ts';

export type ImageFileFormat = 'jpeg' | 'png';

export interface WriteImageOptions {
  /** Default: from the file name (.png → png), else jpeg. */
  format?: ImageFileFormat;
  /** JPEG quality 0-100; default 90. */
  quality?: number;
  /** Gives up (and kills the encoder) after this long; default 30 s. */
  timeoutMs?: number;
}

/**
 * Encodes an RGB image to a JPEG or PNG file with GStreamer: the pixels go to gst-launch-1.0's stdin
 * and out through its encoder, no temporary file and no image package.
 *
 *   fdsrc fd=0 ! rawvideoparse width=W height=H format=rgb plane-strides=<3W> framerate=0/1
 *     ! videoconvert ! jpegenc quality=Q (or pngenc) ! filesink location=F
 *
 * `plane-strides` says the rows are tightly packed (rawvideoparse would otherwise expect GStreamer's
 * 4-byte row alignment and shear any image whose width is not a multiple of 4).
 */
export function writeImage(img: RgbImage, path: string, options: WriteImageOptions = {}): Promise<void> {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    return Promise.reject(new RangeError(`writeImage: bad size ${width}x${height}`));
  }
  if (data.length !== width * height * 3) {
    return Promise.reject(
      new RangeError(`writeImage: ${data.length} bytes is not a ${width}x${height} RGB image`),
    );
  }
  const format = options.format ?? (/\.png$/i.test(path) ? 'png' : 'jpeg');
  const quality = Math.round(Math.min(100, Math.max(0, options.quality ?? 90)));
  const encoder = format === 'png' ? ['pngenc'] : ['jpegenc', `quality=${quality}`];
  const args = [
    '-q',
    'fdsrc',
    'fd=0',
    '!',
    'rawvideoparse',
    `width=${width}`,
    `height=${height}`,
    'format=rgb',
    `plane-strides=<${width * 3}>`,
    'framerate=0/1',
    '!',
    'videoconvert',
    '!',
    ...encoder,
    '!',
    'filesink',
    `location=${path}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('gst-launch-1.0', args, { stdio: ['pipe', 'ignore', 'pipe'], env: gstChildEnv() });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    // EPIPE when the encoder dies early: its exit status and stderr say why.
    child.stdin.on('error', () => {});
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${path}: cannot start gst-launch-1.0: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const first = parseGstLaunchStderr(stderr).errors[0];
      const why = first ? describeGstMessage(first) : stderr.trim().split('\n').slice(-2).join(' | ');
      reject(new Error(`${path}: cannot write the ${format} image: ${signal ?? `exit ${code}`}: ${why}`));
    });
    child.stdin.end(data);
  });
}
