import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCapture } from '../../pipeline/extract/gst-process.ts';
import { probeSource } from '../../pipeline/extract/probe-source.ts';
import type { ClipTruth } from './eval-counts.ts';
import { i420Bytes } from './shift-clip.ts';

/**
 * An annotated clip played backwards: every vehicle drives the other way. Traffic coming towards
 * the camera becomes traffic driving away and the reverse; a vehicle that appeared from a queue
 * now vanishes into it. The tracker meets each street's other half (it grows where it shrank,
 * enters where it left), which no tuning on the forward clip has seen.
 *
 *   forward   frames 0 1 2 … N−1    crossing at t, going positive
 *   backward  frames N−1 … 2 1 0    crossing at (N − 1) / R − t, going negative
 *
 * The clip is decoded at a constant rate R (its own, or 30 for a variable-rate file) into a raw
 * file in `dir`, then its frames are encoded last to first with x264 at a constant quantizer (the
 * same file on every run). The line and the calibration stay; each crossing's direction flips.
 *
 * @example
 *   const r = await reverseClip(clip.video, clip.truth, tmpDir);
 *   await countClip(r.video, r.truth, 2, {});
 */
export async function reverseClip(
  video: string,
  truth: ClipTruth,
  dir: string,
): Promise<{ video: string; truth: ClipTruth }> {
  const info = await probeSource(video);
  const rate = info.fps && info.fps > 0 ? info.fps : 30;
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const raw = join(dir, `reversed-${tag}.i420`);
  const out = join(dir, `reversed-${tag}.mp4`);
  const caps = `framerate=${Math.round(rate * 1000)}/1000`;
  const frameBytes = i420Bytes(info.width, info.height);
  try {
    const decoded = await runCapture(
      'gst-launch-1.0',
      [
        '-q',
        ...['filesrc', `location=${video}`, '!', 'decodebin', '!', 'videoconvert', '!', 'videorate', '!'],
        ...[`video/x-raw,format=I420,${caps}`, '!', 'filesink', `location=${raw}`],
      ],
      600_000,
    );
    if (decoded.code !== 0 || decoded.timedOut)
      throw new Error(`decoding ${video} to reverse it failed: ${decoded.stderr.slice(-1000)}`);
    const size = [`width=${info.width}`, `height=${info.height}`, 'format=i420'];
    let frames = 0;
    await gst(
      [
        ...['fdsrc', 'fd=0', '!', 'rawvideoparse', ...size, caps, '!'],
        ...['x264enc', 'speed-preset=faster', 'pass=quant', 'quantizer=18', '!', 'mp4mux', '!'],
        ...['filesink', `location=${out}`],
      ],
      (child) => {
        if (child.stdin) frames = writeBackwards(raw, frameBytes, child.stdin);
      },
    );
    const end = (frames - 1) / rate;
    const flip = { positive: 'negative', negative: 'positive' } as const;
    const crossings = truth.crossings
      .map((c) => ({ ...c, t: Math.round((end - c.t) * 1000) / 1000, direction: flip[c.direction] }))
      .sort((a, b) => a.t - b.t);
    return { video: out, truth: { ...truth, video: out, crossings } };
  } finally {
    rmSync(raw, { force: true });
  }
}

/** Writes the raw file's frames, last first, to `sink` (respecting its back-pressure); returns how many. */
function writeBackwards(raw: string, frameBytes: number, sink: NodeJS.WritableStream): number {
  const fd = openSync(raw, 'r');
  const frames = Math.floor(fstatSync(fd).size / frameBytes);
  let next = frames - 1;
  const pump = () => {
    while (next >= 0) {
      const frame = Buffer.alloc(frameBytes);
      readSync(fd, frame, 0, frameBytes, next * frameBytes);
      next--;
      if (!sink.write(frame)) return void sink.once('drain', pump);
    }
    closeSync(fd);
    sink.end();
  };
  sink.on('error', () => {}); // the encoder's exit code tells
  pump();
  return frames;
}

/** An encoder gst-launch-1.0 child fed by `wire`, 10 minutes at most; rejects unless it exits 0. */
function gst(args: string[], wire: (child: ReturnType<typeof spawn>) => void): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('gst-launch-1.0', ['-q', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) done();
      else
        fail(new Error(`reversing a clip with gst-launch-1.0 failed (exit ${code}): ${stderr.slice(-1000)}`));
    });
    wire(child);
  });
}
