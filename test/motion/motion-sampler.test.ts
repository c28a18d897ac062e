import { expect, test } from 'vitest';
import type { ExtractedFrame } from '../../pipeline/extract/frame-extractor.ts';
import { changedShare, SAME_PICTURE_MAX_DIFF } from '../../pipeline/motion/grey-frame.ts';
import {
  MotionSampler,
  motionSteps,
  type SampledFrame,
  sampleWithMotion,
} from '../../pipeline/motion/motion-sampler.ts';

/**
 * Frames of a flat picture, grey level 10 × (its picture's number) mod 256: a new picture each frame,
 * unless `picture` says which earlier one a frame repeats.
 */
async function* decoder(
  fps: number,
  seconds: number,
  picture = (i: number) => i,
): AsyncGenerator<ExtractedFrame> {
  for (let i = 0; i < fps * seconds; i++) {
    const ptsMs = Math.round((i * 1e9) / fps) / 1e6; // nanosecond grid, as GStreamer gives it
    yield {
      frame: { data: new Uint8Array(8 * 4 * 3).fill((10 * picture(i)) % 256), width: 8, height: 4, scale: 1 },
      time: { ptsMs, tsMs: 1000 + ptsMs },
      index: i,
    };
  }
}

test('analysed frames at 2 fps out of a 10 fps decoder: the 2 fps grid, each with the grey chain since the previous one', async () => {
  const out: SampledFrame[] = [];
  for await (const f of sampleWithMotion(decoder(10, 2), 2)) out.push(f);
  // 1900 ms: the source's last frame, 400 ms after the last slot (flush()).
  expect(out.map((f) => f.time.ptsMs)).toEqual([0, 500, 1000, 1500, 1900]);
  expect(out.map((f) => f.index)).toEqual([0, 1, 2, 3, 4]);
  expect(out[0].motion).toBeUndefined();
  expect(out[1].motion?.fromPtsMs).toBe(0);
  expect(out[1].motion?.frames).toHaveLength(6); // 0, 100, ... 500 ms
  expect(out[1].motion?.frames.map((g) => g.data[0])).toEqual([0, 10, 20, 30, 40, 50]);
  expect(out[3].motion?.frames[0].data[0]).toBe(100);
});

test('frames with release(): the dropped ones are released, the analysed ones go on without it', async () => {
  const released: number[] = [];
  async function* pooled(): AsyncGenerator<ExtractedFrame> {
    for await (const f of decoder(10, 1)) yield { ...f, release: () => released.push(f.index) };
  }
  const out: SampledFrame[] = [];
  for await (const f of sampleWithMotion(pooled(), 2)) out.push(f);
  expect(out.map((f) => f.time.ptsMs)).toEqual([0, 500, 900]);
  expect(out.every((f) => !('release' in f))).toBe(true);
  expect(released).toEqual([1, 2, 3, 4, 6, 7, 8]);
});

test('an irregular 30 fps decoder at 3 fps: one analysed frame per third of a second, and the last', async () => {
  const out: number[] = [];
  for await (const f of sampleWithMotion(decoder(30, 1), 3)) out.push(Math.round(f.time.ptsMs));
  expect(out).toEqual([0, 333, 667, 967]);
});

test('a stream that stalls: a repeated picture due for analysis waits for the next new picture', async () => {
  // Frames 5–7 (500–700 ms) repeat frame 4's picture; frame 8 is new (the stream jumped ahead).
  const released: number[] = [];
  async function* stalling(): AsyncGenerator<ExtractedFrame> {
    for await (const f of decoder(10, 2, (i) => (i >= 5 && i <= 7 ? 4 : i)))
      yield { ...f, release: () => released.push(f.index) };
  }
  const out: SampledFrame[] = [];
  for await (const f of sampleWithMotion(stalling(), 2)) out.push(f);
  // Each frame not analysed is released once, the held repeats (5, 6, 7) when the next one came.
  expect(released).toEqual([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 16, 17, 18]);
  expect(out.every((f) => !('release' in f))).toBe(true);
  // The slot at 1000 ms comes too soon after it (under half an interval); the grid goes on at 1500.
  expect(out.map((f) => f.time.ptsMs)).toEqual([0, 800, 1500, 1900]);
  expect(out.map((f) => f.index)).toEqual([0, 1, 2, 3]);
  // Its chain runs from the previous analysed frame through the repeats.
  expect(out[1].motion?.fromPtsMs).toBe(0);
  expect(out[1].motion?.frames.map((g) => g.data[0])).toEqual([0, 10, 20, 30, 40, 40, 40, 40, 80]);
  expect(out[2].motion?.fromPtsMs).toBe(800);
});

test('a repeat between analysed frames changes nothing; a still street, or a picture unchanged for over a second, is analysed on the grid', async () => {
  const between: number[] = [];
  for await (const f of sampleWithMotion(
    decoder(10, 1, (i) => (i === 3 ? 2 : i)),
    2,
  ))
    between.push(f.time.ptsMs);
  expect(between).toEqual([0, 500, 900]);
  // A still street: one picture throughout; nothing moved before it repeated, so no stall.
  const still: number[] = [];
  for await (const f of sampleWithMotion(
    decoder(10, 2, () => 0),
    2,
  ))
    still.push(f.time.ptsMs);
  expect(still).toEqual([0, 500, 1000, 1500, 1900]);
  // A stream frozen after moving: within a second of its last new picture (400 ms) it waits, then the
  // grid goes on as before.
  const frozen: number[] = [];
  for await (const f of sampleWithMotion(
    decoder(10, 3, (i) => Math.min(i, 4)),
    2,
  ))
    frozen.push(f.time.ptsMs);
  expect(frozen).toEqual([0, 1500, 2000, 2500, 2900]);
});

test('a source that ends in a stall: its last repeat due for analysis is analysed at the end, unreleased', async () => {
  const released: number[] = [];
  async function* ending(): AsyncGenerator<ExtractedFrame> {
    // 0–1000 ms at 10 fps; from 800 ms on the picture of 700 ms repeats (a file's padded end).
    for await (const f of decoder(10, 1.1, (i) => Math.min(i, 7)))
      yield { ...f, release: () => released.push(f.index) };
  }
  const out: SampledFrame[] = [];
  for await (const f of sampleWithMotion(ending(), 2)) out.push(f);
  expect(out.map((f) => f.time.ptsMs)).toEqual([0, 500, 1000]);
  expect(out.map((f) => f.index)).toEqual([0, 1, 2]);
  expect(out[2].motion?.frames).toHaveLength(6);
  expect(out.every((f) => !('release' in f))).toBe(true);
  expect(released).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
});

test('a source that ends between slots: its last frame is analysed half an interval or more after the last slot, else released', async () => {
  for (const [seconds, expected, releasedLast] of [
    [1.2, [0, 500, 1000], true], // ends at 1100 ms: 100 ms after the slot, nothing more to see
    [1.3, [0, 500, 1000], true], // 200 ms
    [1.4, [0, 500, 1000, 1300], false], // 300 ms: half an interval or more
  ] as const) {
    const released: number[] = [];
    async function* pooled(): AsyncGenerator<ExtractedFrame> {
      for await (const f of decoder(10, seconds)) yield { ...f, release: () => released.push(f.index) };
    }
    const out: SampledFrame[] = [];
    for await (const f of sampleWithMotion(pooled(), 2)) out.push(f);
    expect(out.map((f) => f.time.ptsMs)).toEqual(expected);
    expect(out.at(-1)?.motion?.fromPtsMs).toBe(expected.length === 4 ? 1000 : 500);
    expect(released.includes(Math.round(seconds * 10) - 1)).toBe(releasedLast);
  }
});

test('frames off the grid (a live camera keeps its own timestamps): one analysed per slot, none skipped', async () => {
  async function* offGrid(): AsyncGenerator<ExtractedFrame> {
    for await (const f of decoder(10, 1))
      yield { ...f, time: { ptsMs: f.time.ptsMs + 60, tsMs: f.time.tsMs + 60 } };
  }
  const out: number[] = [];
  for await (const f of sampleWithMotion(offGrid(), 10)) out.push(f.time.ptsMs);
  expect(out).toEqual([60, 160, 260, 360, 460, 560, 660, 760, 860, 960]);
});

test('a live camera (push, frames off the grid) that stalls waits for the new picture as a file does; flush() at its end', async () => {
  // 60 ms off the grid; frames 5–7 (560–760 ms) repeat frame 4's picture, and from 15 on 14's.
  const picture = (i: number) => (i >= 5 && i <= 7 ? 4 : Math.min(i, 14));
  const sampler = new MotionSampler(2);
  const out: number[] = [];
  for await (const f of decoder(10, 2, picture)) {
    const time = { ptsMs: f.time.ptsMs + 60, tsMs: f.time.tsMs + 60 };
    for (const a of sampler.push({ frame: f.frame, time })) out.push(a.time.ptsMs);
  }
  expect(out).toEqual([60, 860]);
  // The connection ends in the second stall: its latest repeat is analysed, with the whole chain.
  const last = sampler.flush();
  expect(last?.time.ptsMs).toBe(1960);
  expect(last?.motion?.fromPtsMs).toBe(860);
  expect(last?.motion?.frames).toHaveLength(12);
  expect(sampler.flush()).toBeNull();
  // The same without stalls: every slot, and nothing left to flush.
  const plain = new MotionSampler(2);
  const all: number[] = [];
  for await (const f of decoder(10, 2)) {
    const time = { ptsMs: f.time.ptsMs + 60, tsMs: f.time.tsMs + 60 };
    for (const a of plain.push({ frame: f.frame, time })) all.push(a.time.ptsMs);
  }
  expect(all).toEqual([60, 560, 1060, 1560]);
  // Its last frame, 400 ms after the last slot, is analysed when the connection ends.
  expect(plain.flush()?.time.ptsMs).toBe(1960);
  expect(plain.flush()).toBeNull();
});

test('a lone repeat in its slot (a frame shown twice, then a new picture) is no stall: analysed in its slot', async () => {
  // Frame 5 (500 ms) shows frame 4's picture; frame 6 is new.
  const out: SampledFrame[] = [];
  for await (const f of sampleWithMotion(
    decoder(10, 1.2, (i) => (i === 5 ? 4 : i)),
    2,
  ))
    out.push(f);
  expect(out.map((f) => f.time.ptsMs)).toEqual([0, 500, 1000]);
  expect(out[1].motion?.frames.map((g) => g.data[0])).toEqual([0, 10, 20, 30, 40, 40]);
  expect(out[2].motion?.fromPtsMs).toBe(500);
  // A camera sending 5 frames a second, decoded at 10: every other frame repeats the one before,
  // each alone; the grid is kept.
  const half: number[] = [];
  for await (const f of sampleWithMotion(
    decoder(10, 2, (i) => i - (i % 2)),
    2,
  ))
    half.push(f.time.ptsMs);
  expect(half).toEqual([0, 500, 1000, 1500, 1900]);
  // Every frame analysed (10 fps): the lone repeat comes out with the frame after it, in order.
  const all: number[] = [];
  for await (const f of sampleWithMotion(
    decoder(10, 1, (i) => (i === 5 ? 4 : i)),
    10,
  ))
    all.push(f.time.ptsMs);
  expect(all).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
});

test('motionSteps', () => {
  expect(motionSteps(2, 10)).toBe(5);
  expect(motionSteps(5, 10)).toBe(2);
  expect(motionSteps(10, 10)).toBe(1);
  expect(motionSteps(15, 10)).toBe(1);
  expect(motionSteps(5, 0)).toBe(0);
});

test('changedShare: the share of pixels beyond SAME_PICTURE_MAX_DIFF grey levels; another size is all changed', () => {
  const grey = (values: number[], width = values.length) => ({
    data: Uint8Array.from(values),
    width,
    height: values.length / width,
  });
  const a = grey([10, 200, 30, 40]);
  expect(changedShare(a, grey([10 + SAME_PICTURE_MAX_DIFF, 200 - SAME_PICTURE_MAX_DIFF, 30, 40]))).toBe(0);
  expect(changedShare(a, grey([10, 200, 30 + SAME_PICTURE_MAX_DIFF + 1, 0]))).toBe(0.5);
  expect(changedShare(a, grey([10, 200, 30, 40], 2))).toBe(1);
});
