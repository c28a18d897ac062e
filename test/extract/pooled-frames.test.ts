import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { sampleWithMotion } from '../../pipeline/motion/motion-sampler.ts';
import { SAMPLE } from '../helpers/make-clips.ts';

const digest = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');

// The decoder reuses dropped motion frames' buffers for later frames (BufferPool). Whatever is kept,
// the analysed frames and every grey frame of their chains, must still hold the bytes it had when
// it was handed out once the whole clip has gone through.
test('frames kept from a pooled decoder are never overwritten by later frames', async () => {
  const extractor = new FrameExtractor({
    path: SAMPLE,
    fps: 10,
    maxWidth: 416,
    maxHeight: 416,
    startTimeMs: 0,
  });
  const kept: Array<{ data: Uint8Array; hash: string }> = [];
  let chained = 0;
  for await (const f of sampleWithMotion(extractor, 2)) {
    kept.push({ data: f.frame.data, hash: digest(f.frame.data) });
    for (const g of f.motion?.frames ?? []) kept.push({ data: g.data, hash: digest(g.data) });
    chained += f.motion?.frames.length ?? 0;
  }
  expect(chained).toBeGreaterThan(300); // 75 chains of 6 grey frames: the pool was busy
  const changed = kept.filter((k) => digest(k.data) !== k.hash);
  expect(changed).toHaveLength(0);
  // And the analysed frames are distinct pictures, not one reused buffer seen many times.
  const buffers = new Set(kept.slice(0, 200).map((k) => k.data.buffer));
  expect(buffers.size).toBeGreaterThan(20);
});
