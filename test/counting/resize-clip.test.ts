import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { annotatedClips, type ClipTruth } from '../../benchmarks/counting/eval-counts.ts';
import { resizeClip } from '../../benchmarks/counting/resize-clip.ts';
import { probeSource } from '../../pipeline/extract/probe-source.ts';

describe('a clip at another resolution (eval:counts --scaled)', () => {
  // The bundled sample street, always there.
  const sample = annotatedClips().find((c) => c.name === 'residential-street');
  if (!sample) throw new Error('the bundled sample street and its truth are missing');
  const { truth, video } = sample;

  test('the sample street at 1.5 times its size: 960 × 528, its line and calibration image scaled, nothing else', async () => {
    // (The sample street has no calibration; one is made up here to see it carried.)
    const calibrated: ClipTruth = {
      ...truth,
      calibration: {
        image: [
          [10, 20],
          [30, 40],
          [50, 60],
          [70, 80],
        ],
        world: [
          [0, 0],
          [3, 0],
          [3, 9],
          [0, 9],
        ],
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'cityflow-resize-test-'));
    try {
      const r = await resizeClip(video, calibrated, dir, 1.5);
      const [before, after] = [await probeSource(video), await probeSource(r.video)];
      expect([after.width, after.height]).toEqual([960, 528]);
      expect(Math.abs(Number(before.durationMs) - Number(after.durationMs))).toBeLessThanOrEqual(42);
      expect(r.truth.size).toEqual([960, 528]);
      expect(r.truth.video).toBe(r.video);
      expect(r.truth.line.from).toEqual([truth.line.from[0] * 1.5, truth.line.from[1] * 1.5]);
      expect(r.truth.line.to).toEqual([truth.line.to[0] * 1.5, truth.line.to[1] * 1.5]);
      expect(r.truth.crossings).toEqual(truth.crossings);
      expect(r.truth.calibration?.image[1]).toEqual([45, 60]);
      expect(r.truth.calibration?.world).toEqual(calibrated.calibration?.world);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('no size, or a factor out of range, is refused', async () => {
    await expect(resizeClip('x.mp4', { ...truth, size: undefined }, tmpdir(), 2)).rejects.toThrow(
      /has no "size"/,
    );
    await expect(resizeClip('x.mp4', truth, tmpdir(), 0)).rejects.toThrow(/factor must be in/);
    await expect(resizeClip('x.mp4', truth, tmpdir(), 5)).rejects.toThrow(/factor must be in/);
  });
});
