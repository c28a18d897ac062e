import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { probeSource } from '../../pipeline/extract/probe-source.ts';
import type { ClipTruth } from './eval-counts.ts';

/**
 * An annotated clip whose analysed frames fall elsewhere: the same street on another grid of
 * frames. At 2 fps the analysed frames are half a second apart, and a vehicle that crosses the
 * picture in a second is seen in two or three of them; which ones is chance on a real camera, so a
 * count should not depend on it. The clip is decoded at a constant rate R (its own, or 30 for a
 * variable-rate file), its first frame is shown k = round(seconds × R) frames longer (a camera
 * that starts on a still picture) and the rest follows unchanged, re-encoded with x264 at a
 * constant quantizer (the same file on every run). Every crossing happens k / R later and none is
 * lost (cutting frames instead would start the copy with a vehicle on the line and no history).
 *
 *   source frames  |0 |1 |2 |3 |4 |5 |6 |7 |8 |9 |10|11|12|…           (R = 24)
 *   2 fps grid      ▲                                   ▲              (every 12th frame)
 *   shifted by 3   |0 |0 |0 |0 |1 |2 |3 |4 |5 |6 |7 |8 |9 |10|11|12|…
 *                   ▲                                   ▲              (source frames 0, 9, 21 …)
 *
 * @example
 *   const s = await shiftClip(clip.video, clip.truth, tmpDir, 0.25);
 *   await countClip(s.video, s.truth, 2, {});   // the 2 fps grid a quarter second earlier
 */
export async function shiftClip(
  video: string,
  truth: ClipTruth,
  dir: string,
  seconds: number,
): Promise<{ video: string; truth: ClipTruth; shift: number }> {
  if (!(seconds >= 0)) throw new RangeError(`shiftClip: seconds must be >= 0, got ${seconds}`);
  const info = await probeSource(video);
  // A variable-rate file (the discoverer reports 0) is resampled at 30 fps, finer than any grid here.
  const rate = info.fps && info.fps > 0 ? info.fps : 30;
  const frames = Math.round(seconds * rate);
  const shift = frames / rate;
  const out = join(dir, `shifted-${frames}-${Date.now()}-${Math.random().toString(36).slice(2)}.mp4`);
  const caps = `framerate=${Math.round(rate * 1000)}/1000`;
  const size = [`width=${info.width}`, `height=${info.height}`, 'format=i420'];
  await pipeRaw(
    [
      ...['filesrc', `location=${video}`, '!', 'decodebin', '!', 'videoconvert', '!', 'videorate', '!'],
      ...[`video/x-raw,format=I420,${caps}`, '!', 'fdsink', 'fd=1'],
    ],
    frames,
    i420Bytes(info.width, info.height),
    [
      ...['fdsrc', 'fd=0', '!', 'rawvideoparse', ...size, caps, '!'],
      ...['x264enc', 'speed-preset=faster', 'pass=quant', 'quantizer=18', '!', 'mp4mux', '!'],
      ...['filesink', `location=${out}`],
    ],
  );
  const crossings = truth.crossings.map((c) => ({ ...c, t: Math.round((c.t + shift) * 1000) / 1000 }));
  return { video: out, truth: { ...truth, video: out, crossings }, shift };
}

/** Bytes of one I420 frame as GStreamer lays it out: each plane's rows padded to 4 bytes. */
export function i420Bytes(width: number, height: number): number {
  const pad4 = (n: number) => Math.ceil(n / 4) * 4;
  return pad4(width) * height + 2 * pad4(Math.ceil(width / 2)) * Math.ceil(height / 2);
}

/** Raw frames that pass through, the first one `repeat` more times. */
function repeatFirstFrame(repeat: number, frameBytes: number): Transform {
  let head: Buffer | null = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _encoding, next) {
      if (!head) return next(null, chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < frameBytes) return next();
      for (let i = 0; i < repeat; i++) this.push(Buffer.from(head.subarray(0, frameBytes)));
      const all = head;
      head = null;
      next(null, all);
    },
  });
}

/** decoder | (its first frame `repeat` more times) | encoder: two gst-launch-1.0 children, 10 minutes at most. */
function pipeRaw(decode: string[], repeat: number, frameBytes: number, encode: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const dec = spawn('gst-launch-1.0', ['-q', ...decode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const enc = spawn('gst-launch-1.0', ['-q', ...encode], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    dec.stderr.on('data', (d) => (stderr += d));
    enc.stderr.on('data', (d) => (stderr += d));
    enc.stdin.on('error', () => {}); // the encoder's exit code tells
    dec.stdout.pipe(repeatFirstFrame(repeat, frameBytes)).pipe(enc.stdin);
    const timer = setTimeout(() => {
      dec.kill('SIGKILL');
      enc.kill('SIGKILL');
    }, 600_000);
    const codes: Array<number | null> = [];
    const exited = (code: number | null) => {
      codes.push(code);
      if (codes.length < 2) return;
      clearTimeout(timer);
      if (codes.every((c) => c === 0)) done();
      else
        fail(
          new Error(`shifting a clip with gst-launch-1.0 failed (exits ${codes}): ${stderr.slice(-1000)}`),
        );
    };
    dec.on('close', exited);
    enc.on('close', exited);
    dec.on('error', fail);
    enc.on('error', fail);
  });
}
