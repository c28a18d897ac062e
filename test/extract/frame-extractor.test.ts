import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../pipeline/errors/config-error.ts';
import { SourceError } from '../../pipeline/errors/source-error.ts';
import {
  type ExtractedFrame,
  FrameExtractor,
  type FrameExtractorOptions,
} from '../../pipeline/extract/frame-extractor.ts';
import { segmentFrames } from '../../pipeline/extract/segmenter.ts';
import { CLIP, type Clips, makeClips, SAMPLE } from '../helpers/make-clips.ts';

const START = Date.parse('2017-09-05T13:53:54Z');
const BOX = { fps: 5, maxWidth: 512, maxHeight: 512, startTimeMs: START };

let clips: Clips;
beforeAll(async () => {
  clips = await makeClips();
});
afterAll(() => clips?.cleanup());

/** Runs to the end; returns the frames and the error the iterator threw (null if none). */
async function drain(
  ex: FrameExtractor,
  onFrame?: (f: ExtractedFrame) => void,
): Promise<{ frames: ExtractedFrame[]; error: unknown }> {
  const frames: ExtractedFrame[] = [];
  try {
    for await (const f of ex) {
      frames.push(f);
      onFrame?.(f);
    }
    return { frames, error: null };
  } catch (error) {
    return { frames, error };
  } finally {
    await ex.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie (an orphan reparented to a PID 1 that does not reap stays a zombie). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
}

function channelMeans(f: ExtractedFrame): number[] {
  const s = [0, 0, 0];
  const d = f.frame.data;
  for (let i = 0; i < d.length; i += 3) {
    s[0] += d[i];
    s[1] += d[i + 1];
    s[2] += d[i + 2];
  }
  const n = d.length / 3;
  return s.map((x) => x / n);
}

function expectRegularPts(frames: ExtractedFrame[], stepMs: number): void {
  frames.forEach((f, i) => {
    expect(f.index).toBe(i);
    expect(f.time.ptsMs).toBeCloseTo(i * stepMs, 6);
    expect(f.time.tsMs).toBe(START + f.time.ptsMs);
  });
}

describe('FrameExtractor on real footage (samples/residential-street.mp4)', () => {
  test('5 fps into 512x512: 189 frames of 512x282 at scale 0.8, regular PTS, real pixels', async () => {
    const ex = new FrameExtractor({ path: SAMPLE, ...BOX });
    const info = await ex.start();
    expect(info).toMatchObject({ width: 640, height: 352, durationMs: 37688, fps: 24 });
    expect(ex.output).toEqual({ width: 512, height: 282, scale: 0.8 });
    const { frames, error } = await drain(ex);
    expect(error).toBeNull();
    // 37.688 s at 5 fps: PTS 0 … 37600.
    expect(frames.length).toBeGreaterThanOrEqual(188 - 2);
    expect(frames.length).toBeLessThanOrEqual(188 + 2);
    expect(frames.length).toBe(189);
    expectRegularPts(frames, 200);
    for (const { frame } of frames) {
      expect(frame.width).toBe(512);
      expect(frame.height).toBe(282);
      expect(frame.scale).toBe(0.8);
      expect(frame.data).toBeInstanceOf(Uint8Array);
      expect(frame.data.length).toBe(512 * 282 * 3);
    }
    // First frame: a green street scene. Means measured on a pngenc snapshot of the same frame
    // (decodebin ! videoscale ! videoconvert ! RGB 512x282 ! pngenc): R 91.5, G 93.8, B 82.1.
    const [r, g, b] = channelMeans(frames[0]);
    expect(r).toBeCloseTo(91.5, -0.5);
    expect(g).toBeCloseTo(93.8, -0.5);
    expect(b).toBeCloseTo(82.1, -0.5);
    expect(Math.abs(r - 91.5)).toBeLessThan(3);
    expect(Math.abs(g - 93.8)).toBeLessThan(3);
    expect(Math.abs(b - 82.1)).toBeLessThan(3);
    // No black border row (videoscale add-borders=false): the last row is as bright as the rest.
    const last = frames[0].frame.data.subarray(281 * 512 * 3);
    expect(last.reduce((a, v) => a + v, 0) / last.length).toBeGreaterThan(30);
    // The scene changes (cars move), so frames are distinct, and early frames were not overwritten.
    expect(Buffer.compare(frames[0].frame.data, frames[100].frame.data)).not.toBe(0);
    expect(channelMeans(frames[0])).toEqual([r, g, b]);
  });

  test('an odd frame width (row stride padding) comes out tightly packed', async () => {
    const ex = new FrameExtractor({
      path: SAMPLE,
      fps: 1,
      maxWidth: 301,
      maxHeight: 512,
      startTimeMs: START,
    });
    const seen: ExtractedFrame[] = [];
    for await (const f of ex) {
      seen.push(f);
      if (seen.length === 2) break;
    }
    expect(ex.output).toEqual({ width: 301, height: 166, scale: 301 / 640 });
    expect(seen[0].frame.data.length).toBe(301 * 166 * 3); // not 904 * 166
    expect(seen[1].time.ptsMs).toBe(1000);
  });

  test('10 s segments: 4 segments, deterministic numbering, last marked', async () => {
    const segs = [];
    const ex = new FrameExtractor({ uri: pathToFileURL(SAMPLE).href, ...BOX });
    try {
      for await (const s of segmentFrames(ex, 10_000)) {
        segs.push({ index: s.index, n: s.frames.length, first: s.frames[0].time.ptsMs, last: s.last });
      }
    } finally {
      await ex.close();
    }
    expect(segs).toEqual([
      { index: 0, n: 50, first: 0, last: false },
      { index: 1, n: 50, first: 10_000, last: false },
      { index: 2, n: 50, first: 20_000, last: false },
      { index: 3, n: 39, first: 30_000, last: true },
    ]);
  });
});

describe('container and codec formats', () => {
  test.each(['h264Mp4', 'h264Mkv', 'h264Ts', 'h265Mkv', 'h265Mp4', 'h264WithAudioMkv'] as const)(
    '%s: 3 s at 5 fps → 15 frames (16 where videorate closes with a frame at exactly 3.0 s)',
    async (key) => {
      const ex = new FrameExtractor({ path: clips[key], ...BOX });
      const { frames, error } = await drain(ex);
      expect(error).toBeNull();
      expect(frames.length).toBeGreaterThanOrEqual(CLIP.seconds * 5);
      expect(frames.length).toBeLessThanOrEqual(CLIP.seconds * 5 + 1);
      // MPEG-TS timestamps start at 0.125 s; PTS are reported from the stream's start.
      expectRegularPts(frames, 200);
      // Smaller than the box: not upscaled.
      expect(frames[0].frame).toMatchObject({ width: CLIP.width, height: CLIP.height, scale: 1 });
      expect(frames[0].frame.data.length).toBe(CLIP.width * CLIP.height * 3);
      expect(frames[0].frame.data.some((v) => v > 0)).toBe(true);
    },
  );

  test('colour bars scaled to an odd width stay vertical (no stride shear)', async () => {
    // 320x240 into 161 wide → 161x121, rows of 483 bytes in a 484-byte stride.
    const ex = new FrameExtractor({
      path: clips.barsMkv,
      fps: 5,
      maxWidth: 161,
      maxHeight: 512,
      startTimeMs: 0,
    });
    const { frames } = await drain(ex);
    const { data, width, height } = frames[0].frame;
    expect([width, height]).toEqual([161, 121]);
    const row = width * 3;
    // The SMPTE bars fill the top two thirds with vertical stripes: each row repeats row 0.
    for (let y = 1; y < 70; y++) {
      let diff = 0;
      for (let x = 0; x < row; x++) diff += Math.abs(data[y * row + x] - data[x]);
      expect(diff / row).toBeLessThan(4);
    }
    // White-ish first bar, blue last bar.
    expect(data[0]).toBeGreaterThan(150);
    expect(data[row - 1]).toBeGreaterThan(150);
    expect(data[row - 3]).toBeLessThan(60);
  });
});

describe('broken sources', () => {
  test('MP4 with its index first, cut in half: the frames before the cut, then truncated', async () => {
    const ex = new FrameExtractor({ path: clips.truncatedFaststart, ...BOX });
    const { frames, error } = await drain(ex);
    expect(frames.length).toBeGreaterThan(80);
    expect(frames.length).toBeLessThan(110);
    expectRegularPts(frames, 200);
    expect(error).toBeInstanceOf(SourceError);
    const e = error as SourceError;
    expect(e.reason).toBe('truncated');
    expect(e.source).toBe(clips.truncatedFaststart);
    expect(e.message).toContain(clips.truncatedFaststart);
    const lastPts = frames[frames.length - 1].time.ptsMs;
    expect(e.message).toContain(`decoding ended at PTS ${(lastPts / 1000).toFixed(3)} s`);
    expect(e.message).toContain('container says 37.688 s');
  });

  test('MP4 cut before its moov (the sample as recorded, first 50 %): truncated, no frames', async () => {
    const { frames, error } = await drain(new FrameExtractor({ path: clips.truncatedSample, ...BOX }));
    expect(frames).toHaveLength(0);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).reason).toBe('truncated');
    expect((error as SourceError).message).toContain(clips.truncatedSample);
  });

  test('Matroska cut in half: 3 of 6 s delivered, then truncated', async () => {
    const { frames, error } = await drain(new FrameExtractor({ path: clips.truncatedMkv, ...BOX }));
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.length).toBeLessThan(25);
    expect((error as SourceError).reason).toBe('truncated');
    expect((error as SourceError).message).toContain('container says 6.000 s');
  });

  test('random bytes → unreadable; missing file → not-found (from start() and from the iterator)', async () => {
    const rnd = new FrameExtractor({ path: clips.randomBytes, ...BOX });
    await expect(rnd.start()).rejects.toMatchObject({ reason: 'unreadable', source: clips.randomBytes });
    await rnd.close();
    const { frames, error } = await drain(new FrameExtractor({ path: clips.missing, ...BOX }));
    expect(frames).toHaveLength(0);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ reason: 'not-found', source: clips.missing });
    expect((error as Error).message).toContain(clips.missing);
  });

  test('a decoder that dies mid-stream: frames so far delivered, then decoder-exit', async () => {
    const ex = new FrameExtractor({ path: SAMPLE, ...BOX });
    const { frames, error } = await drain(ex, (f) => {
      if (f.index === 4 && ex.pid) process.kill(ex.pid, 'SIGKILL');
    });
    expect(frames.length).toBeGreaterThanOrEqual(5);
    expect(frames.length).toBeLessThan(189);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ reason: 'decoder-exit', source: SAMPLE });
    expect((error as Error).message).toMatch(/killed by SIGKILL after \d+ frames/);
  });
});

describe('process lifecycle', () => {
  test('breaking out of the loop kills gst-launch-1.0', async () => {
    const ex = new FrameExtractor({ path: SAMPLE, ...BOX });
    let n = 0;
    for await (const _ of ex) {
      if (++n === 3) break;
    }
    const pid = ex.pid as number;
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  test('backpressure: a consumer that stops pulling stops the decoder (it blocks on the pipe)', async () => {
    const ex = new FrameExtractor({ path: SAMPLE, ...BOX });
    const it = ex[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    const pid = ex.pid as number;
    // Unthrottled, the whole file decodes in well under a second.
    await new Promise((r) => setTimeout(r, 1500));
    expect(alive(pid)).toBe(true);
    // It has written only a few frames (433 KB each) of the 82 MB the run produces, and sleeps.
    const wchar = Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);
    expect(wchar).toBeLessThan(8 * 433_152);
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0]).toBe('S');
    expect(ex.progress.frames).toBe(1);
    await it.return(undefined);
    expect(alive(pid)).toBe(false);
  });

  test('the decoder dies with its parent (setpriv --pdeathsig), even if the parent is SIGKILLed', async () => {
    const script = join(clips.dir, 'parent.mts');
    const extractor = resolve(import.meta.dirname, '../../pipeline/extract/frame-extractor.ts');
    writeFileSync(
      script,
      `import { FrameExtractor } from ${JSON.stringify(extractor)};
const ex = new FrameExtractor({ path: ${JSON.stringify(SAMPLE)}, fps: 5, maxWidth: 512, maxHeight: 512, startTimeMs: 0 });
const it = ex[Symbol.asyncIterator]();
await it.next();
console.log(ex.pid);
setInterval(() => {}, 1000);
`,
    );
    // One process (node --import tsx), not the tsx CLI, which would run the script in a grandchild.
    const parent = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const pid = Number(
        await new Promise<string>((ok) => parent.stdout.once('data', (d: Buffer) => ok(String(d)))),
      );
      expect(running(pid)).toBe(true);
      parent.kill('SIGKILL');
      const deadline = Date.now() + 5000;
      while (running(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(running(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('close() while the consumer holds a frame ends the iteration quietly', async () => {
    const ex = new FrameExtractor({ path: SAMPLE, ...BOX });
    const it = ex[Symbol.asyncIterator]();
    await it.next();
    const pid = ex.pid as number;
    // Let the pipe fill: stdout is then paused with data buffered, which must not stall close().
    await new Promise((r) => setTimeout(r, 500));
    await ex.close();
    expect(alive(pid)).toBe(false);
    expect(await it.next()).toEqual({ done: true, value: undefined });
    await ex.close(); // idempotent
  });

  test('close() before start() or iteration is harmless, and nothing is spawned', async () => {
    const ex = new FrameExtractor({ path: SAMPLE, ...BOX });
    await ex.close();
    const { frames, error } = await drain(ex);
    expect(frames).toHaveLength(0);
    expect(error).toBeNull();
    expect(ex.pid).toBeUndefined();
  });

  test('frames can be iterated only once', async () => {
    const ex = new FrameExtractor({ path: clips.h264Mp4, ...BOX });
    await drain(ex);
    await expect(ex[Symbol.asyncIterator]().next()).rejects.toThrow(/only once/);
  });
});

describe('options', () => {
  test.each([
    [{ fps: 0 }, 'fps'],
    [{ fps: Number.NaN }, 'fps'],
    [{ fps: Math.PI }, 'fps'],
    [{ maxWidth: 0 }, 'maxWidth'],
    [{ maxHeight: 12.5 }, 'maxHeight'],
    [{ startTimeMs: undefined }, 'startTimeMs'],
    [{ probeTimeoutMs: -1 }, 'probeTimeoutMs'],
    [{ truncationToleranceMs: -1 }, 'truncationToleranceMs'],
    [{ uri: 'x.mp4' }, 'path'],
    [{ path: '' }, 'path'],
  ])('%o is rejected in the constructor (key %s)', (bad, key) => {
    const opts = { path: SAMPLE, ...BOX, ...bad } as unknown as FrameExtractorOptions;
    let err: unknown;
    try {
      new FrameExtractor(opts);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe(key);
  });

  test('info and output are only available after start()', () => {
    const ex = new FrameExtractor({ path: SAMPLE, ...BOX });
    expect(() => ex.info).toThrow(/after start/);
    expect(() => ex.output).toThrow(/after start/);
  });
});
