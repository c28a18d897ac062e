import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { annotatedClips } from '../../benchmarks/counting/eval-counts.ts';
import { rerateClip } from '../../benchmarks/counting/rerate-clip.ts';
import { probeSource } from '../../pipeline/extract/probe-source.ts';

describe('a clip from a camera sending fewer frames (eval:counts --source-fps)', () => {
  // The bundled sample street, always there.
  const sample = annotatedClips().find((c) => c.name === 'residential-street');
  if (!sample) throw new Error('the bundled sample street and its truth are missing');
  const { truth, video } = sample;

  test('the sample street (24 fps) at 6 frames a second: same size and length, the truth unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cityflow-rerate-test-'));
    try {
      const r = await rerateClip(video, truth, dir, 6);
      const [before, after] = [await probeSource(video), await probeSource(r.video)];
      expect(after.fps).toBeCloseTo(6, 3);
      expect([after.width, after.height]).toEqual([before.width, before.height]);
      // Within one frame of the new rate.
      expect(Math.abs(Number(before.durationMs) - Number(after.durationMs))).toBeLessThanOrEqual(167);
      expect(r.truth).toEqual({ ...truth, video: r.video });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a rate out of range is refused', async () => {
    await expect(rerateClip('x.mp4', truth, tmpdir(), 0)).rejects.toThrow(/fps must be in \[1, 60\]/);
    await expect(rerateClip('x.mp4', truth, tmpdir(), 61)).rejects.toThrow(/fps must be in \[1, 60\]/);
    await expect(rerateClip('x.mp4', truth, tmpdir(), Number.NaN)).rejects.toThrow(/fps must be in/);
  });
});
