import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ClipTruth, CountRow } from '../../benchmarks/counting/eval-counts.ts';
import { formatSpread, phaseBase, phaseSpread } from '../../benchmarks/counting/phase-spread.ts';
import { i420Bytes, shiftClip } from '../../benchmarks/counting/shift-clip.ts';
import { probeSource } from '../../pipeline/extract/probe-source.ts';

/** The first n frames of a 640 × 352 video in grey, decoded by GStreamer. */
function greyFrames(video: string, n: number): Uint8Array[] {
  const args = ['-q', 'filesrc', `location=${video}`, '!', 'decodebin', '!', 'videoconvert', '!'];
  const run = spawnSync('gst-launch-1.0', [...args, 'video/x-raw,format=GRAY8', '!', 'fdsink', 'fd=1'], {
    maxBuffer: 1 << 30,
  });
  const size = 640 * 352;
  return Array.from({ length: n }, (_, i) => run.stdout.subarray(i * size, (i + 1) * size));
}

describe('a clip started later (frame phases for eval:counts)', () => {
  test('I420 frames as GStreamer lays them out: rows padded to 4 bytes', () => {
    expect(i420Bytes(640, 352)).toBe(640 * 352 * 1.5);
    // 596 × 308 (the night clip): chroma rows of 298 bytes padded to 300.
    expect(i420Bytes(596, 308)).toBe(596 * 308 + 2 * 300 * 154);
    expect(i420Bytes(7, 5)).toBe(8 * 5 + 2 * 4 * 3);
  });

  test('the sample street shifted by a quarter second: 6 frames longer at 24 fps, its truth 0.25 s later', async () => {
    const truth = JSON.parse(
      readFileSync(
        new URL('../../benchmarks/counting/residential-street.ground-truth.json', import.meta.url),
        'utf8',
      ),
    ) as ClipTruth;
    const video = new URL('../../samples/residential-street.mp4', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'cityflow-shift-test-'));
    try {
      const s = await shiftClip(video, truth, dir, 0.25);
      expect(s.shift).toBe(0.25);
      const [before, after] = [await probeSource(video), await probeSource(s.video)];
      expect([after.width, after.height, after.fps]).toEqual([before.width, before.height, 24]);
      expect(Math.abs(Number(before.durationMs) + 250 - Number(after.durationMs))).toBeLessThanOrEqual(42);
      expect(s.truth.crossings.map((c) => c.t)).toEqual(
        truth.crossings.map((c) => Math.round((c.t + 0.25) * 1000) / 1000),
      );
      expect(s.truth.video).toBe(s.video);
      // Its first 7 frames are the source's first; its eighth is the source's second (the closest
      // of the source's first 13 by mean grey difference).
      const [first, , , , , , seventh, eighth] = greyFrames(s.video, 8);
      const source = greyFrames(video, 13);
      const diffs = (f: Uint8Array) => source.map((g) => g.reduce((d, v, i) => d + Math.abs(v - f[i]), 0));
      const closest = (f: Uint8Array) => diffs(f).indexOf(Math.min(...diffs(f)));
      expect([closest(first), closest(seventh), closest(eighth)]).toEqual([0, 0, 1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a negative shift is refused', async () => {
    await expect(shiftClip('x.mp4', {} as ClipTruth, tmpdir(), -1)).rejects.toThrow(/seconds must be >= 0/);
  });
});

describe('the spread of counts over frame phases', () => {
  const row = (clip: string, counted: number, direction = 'positive'): CountRow => ({
    clip,
    fps: 2,
    direction,
    class: 'all',
    truth: 4,
    counted,
    allowed: 1,
  });

  test('a shifted copy belongs to its clip, mirrored or not', () => {
    expect(phaseBase('street-from-window +0.25 s')).toBe('street-from-window');
    expect(phaseBase('night mirrored +0.17 s')).toBe('night mirrored');
    expect(phaseBase('night mirrored')).toBe('night mirrored');
  });

  test('per clip, rate and direction: the range counted and the phases outside the target', () => {
    const rows = [
      row('w', 4),
      row('w +0.10 s', 2),
      row('w +0.20 s', 3),
      { ...row('w', 9), class: 'car', allowed: null },
      row('w', 4, 'negative'),
    ];
    expect(phaseSpread(rows)).toEqual([
      { clip: 'w', fps: 2, direction: 'positive', phases: 3, truth: [4, 4], counted: [2, 4], missed: 1 },
      { clip: 'w', fps: 2, direction: 'negative', phases: 1, truth: [4, 4], counted: [4, 4], missed: 0 },
    ]);
    expect(formatSpread(rows)).toContain(
      '| w    | 2   | positive  |      3 |     4 |     2–4 |              1 |',
    );
    expect(formatSpread(rows)).toContain('1 of 4 direction totals over all phases outside their target');
  });
});
