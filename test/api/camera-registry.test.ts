import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { CameraConfig } from '../../schemas/config.ts';
import { apiScenes, registerCameras } from '../../workers/cameras/register-cameras.ts';
import { type ApiHarness, startHarness } from './fixtures.ts';

// Scenes set through the API: stored where the pipeline takes them, for file and live cameras alike.
const redisUrl = inject('redisUrl');
let h: ApiHarness;
beforeAll(async () => {
  h = await startHarness(redisUrl, 'registry');
});
afterAll(() => h?.close());

const SCENE = {
  lines: [{ id: 'north', from: [100, 400], to: [1200, 420] }],
  zones: [],
  frame: { width: 1280, height: 720 },
  inertiaFrames: 1,
} as unknown as NonNullable<CameraConfig['scene']>;

const req = (method: 'GET' | 'PUT', url: string, key: string, payload?: object) =>
  h.app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });

describe('scenes set through the API', () => {
  test('a file camera: its scene is stored but kept out of the live registry, and wins over the file at every restart', async () => {
    const file = { id: 'cam-f', source: '/srv/archive/cam-f.mp4', scene: SCENE };
    // `run` registers the file's camera (the first start).
    expect((await registerCameras(h.ch.client, [file]))[0].scene).toEqual(SCENE);
    const next = { ...SCENE, lines: [{ id: 'east', from: [50, 50], to: [60, 700] }] } as typeof SCENE;
    const put = await req('PUT', '/api/v1/cameras/cam-f/scene', h.keys.admin, next);
    expect(put.statusCode, put.body).toBe(200);
    // Not in the live registry: a live worker would take it and loop on "source is not a URI".
    const redis = new Redis(redisUrl);
    expect(await redis.hget(`${h.prefix}:cameras`, 'cam-f')).toBeNull();
    redis.disconnect();
    // Two restarts of `run` with the same file: the API's scene is what runs and what the API shows.
    for (let restart = 0; restart < 2; restart++) {
      const [cam] = await registerCameras(h.ch.client, [file]);
      expect(cam.scene?.lines.map((l) => l.id)).toEqual(['east']);
      const shown = await req('GET', '/api/v1/cameras/cam-f/scene', h.keys.analyst);
      expect(shown.json().scene.lines.map((l: { id: string }) => l.id)).toEqual(['east']);
    }
    // A camera whose scene was never set through the API keeps the file's.
    const [other] = await registerCameras(h.ch.client, [{ id: 'cam-g', source: '/srv/g.mp4', scene: next }]);
    expect(other.scene).toEqual(next);
    expect((await apiScenes(h.ch.client)).has('cam-g')).toBe(false);
  });

  test('a scene too large to store (5,000 zones, about 400 KB) is a 400 naming the key, not a 500', async () => {
    await registerCameras(h.ch.client, [{ id: 'cam-big', source: '/srv/big.mp4' } as CameraConfig]);
    const zones = Array.from({ length: 5000 }, (_, i) => ({
      id: `zone-${i}`,
      polygon: [
        [10, 10],
        [90, 10],
        [90, 90],
        [10, 90],
      ],
    }));
    const res = await req('PUT', '/api/v1/cameras/cam-big/scene', h.keys.admin, { lines: [], zones });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toMatch(/body\.zones: must NOT have more than 200 items/);
  });
});
