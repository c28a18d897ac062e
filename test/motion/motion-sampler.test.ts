import { expect, test } from 'vitest';
import type { ExtractedFrame } from '../../pipeline/extract/frame-extractor.ts';
import { motionSteps, type SampledFrame, sampleWithMotion } from '../../pipeline/motion/motion-sampler.ts';

async function* decoder(fps: number, seconds: number): AsyncGenerator<ExtractedFrame> {
  for (let i = 0; i < fps * seconds; i++) {
    const ptsMs = Math.round((i * 1e9) / fps) / 1e6; // nanosecond grid, as GStreamer gives it
    yield {
      frame: { data: new Uint8Array(8 * 4 * 3).fill(i), width: 8, height: 4, scale: 1 },
      time: { ptsMs, tsMs: 1000 + ptsMs },
      index: i,
    };
  }
}

test('analysed frames at 2 fps out of a 10 fps decoder: the 2 fps grid, each with the grey chain since the previous one', async () => {
  const out: SampledFrame[] = [];
  for await (const f of sampleWithMotion(decoder(10, 2), 2)) out.push(f);
  expect(out.map((f) => f.time.ptsMs)).toEqual([0, 500, 1000, 1500]);
  expect(out.map((f) => f.index)).toEqual([0, 1, 2, 3]);
  expect(out[0].motion).toBeUndefined();
  expect(out[1].motion?.fromPtsMs).toBe(0);
  expect(out[1].motion?.frames).toHaveLength(6); // 0, 100, ... 500 ms
  expect(out[1].motion?.frames.map((g) => g.data[0])).toEqual([0, 1, 2, 3, 4, 5]);
  expect(out[3].motion?.frames[0].data[0]).toBe(10);
});

test('frames with release(): the dropped ones are released, the analysed ones go on without it', async () => {
  const released: number[] = [];
  async function* pooled(): AsyncGenerator<ExtractedFrame> {
    for await (const f of decoder(10, 1)) yield { ...f, release: () => released.push(f.index) };
  }
  const out: SampledFrame[] = [];
  for await (const f of sampleWithMotion(pooled(), 2)) out.push(f);
  expect(out.map((f) => f.index)).toEqual([0, 1]);
  expect(out.every((f) => !('release' in f))).toBe(true);
  expect(released).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
});

test('an irregular 30 fps decoder at 3 fps: one analysed frame per third of a second', async () => {
  const out: number[] = [];
  for await (const f of sampleWithMotion(decoder(30, 1), 3)) out.push(f.index);
  expect(out).toHaveLength(3);
});

test('motionSteps', () => {
  expect(motionSteps(2, 10)).toBe(5);
  expect(motionSteps(5, 10)).toBe(2);
  expect(motionSteps(10, 10)).toBe(1);
  expect(motionSteps(15, 10)).toBe(1);
  expect(motionSteps(5, 0)).toBe(0);
});
