import { describe, expect, test } from 'vitest';
import type { CameraConfig } from '../../schemas/config.ts';
import type { ProbedSource } from '../../schemas/jobs.ts';
import { ownStart, sceneFitsFile } from '../../workers/backfill/scene-fits-file.ts';

const probe = (width: number, height: number, par = { num: 1, den: 1 }): ProbedSource => ({
  width,
  height,
  durationMs: 10_000,
  fps: 25,
  createdAtMs: null,
  codec: 'H.264',
  par,
});
const camera = (to: [number, number], frame?: { width: number; height: number }): CameraConfig =>
  ({
    id: 'night',
    source: '/archive/night/a.mp4',
    scene: {
      lines: [{ id: 'road', from: [150, 224], to }],
      zones: [],
      inertiaFrames: 1,
      ...(frame ? { frame } : {}),
    },
  }) as CameraConfig;

describe('sceneFitsFile', () => {
  test('a line inside the picture passes; one beyond it fails, naming the camera, the key and the frame', () => {
    const plan = { file: '/archive/night/a.mp4', probe: probe(596, 308) };
    expect(() => sceneFitsFile(camera([594, 160]), plan)).not.toThrow();
    expect(() => sceneFitsFile(camera([700, 160]), plan)).toThrow(
      'camera "night": scene.lines[0].to: [700, 160] lies outside the 596×308 frame',
    );
  });

  test('a scene drawn on a frame of another size fails the file, saying both sizes', () => {
    const plan = { file: '/archive/night/b.mp4', probe: probe(1280, 720) };
    expect(() => sceneFitsFile(camera([594, 160], { width: 596, height: 308 }), plan)).toThrow(
      '/archive/night/b.mp4 is 1280×720, but camera "night" has its scene drawn on a 596×308 frame',
    );
  });

  test('no scene, or pixels that are not square, are not checked', () => {
    const plan = { file: 'x.mp4', probe: probe(596, 308, { num: 4, den: 3 }) };
    expect(() => sceneFitsFile(camera([700, 160]), plan)).not.toThrow();
    const bare = { id: 'night', source: 'x.mp4' } as CameraConfig;
    expect(() => sceneFitsFile(bare, { file: 'x.mp4', probe: probe(16, 16) })).not.toThrow();
  });
});

describe('ownStart', () => {
  const cam = {
    id: 'night',
    source: '/archive/night/a.mp4',
    startTime: '2026-03-02T18:00:00Z',
  } as CameraConfig;
  test("the camera's startTime is its own source's start, not another file's", () => {
    expect(ownStart(cam, ['/archive/night/a.mp4'])).toBe(Date.parse('2026-03-02T18:00:00Z'));
    expect(ownStart(cam, ['/archive/night/b.mp4'])).toBeUndefined();
    expect(ownStart(cam, ['/archive/night/a.mp4', '/archive/night/b.mp4'])).toBeUndefined();
    expect(ownStart({ ...cam, startTime: undefined }, ['/archive/night/a.mp4'])).toBeUndefined();
    expect(ownStart(undefined, ['/archive/night/a.mp4'])).toBeUndefined();
  });
});
