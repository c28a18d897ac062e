import { afterEach, describe, expect, it } from 'vitest';
import type { HealthEvent } from '../../pipeline/live/camera-health.ts';
import { CameraSupervisor } from '../../pipeline/live/camera-supervisor.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { HlsTestCamera, MjpegTestCamera } from '../helpers/http-camera.ts';

async function until(what: string, ok: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now();
}

describe('CameraSupervisor on HTTP cameras (MJPEG, HLS)', () => {
  let sup: CameraSupervisor | null = null;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await sup?.stop();
    sup = null;
    for (const c of closers.splice(0)) await c();
  });
  const make = (uri: string, events: (HealthEvent & { at: number })[], frames: { n: number }) =>
    new CameraSupervisor(
      {
        cameraId: 'http-cam',
        uri,
        fps: 2,
        maxWidth: 512,
        maxHeight: 512,
        segmentMs: 2000,
        backoff: { initialMs: 200, maxMs: 1000 },
      },
      {
        segment: async (s) => {
          frames.n += s.frames.length;
        },
        health: async (u) => void events.push(...u.events.map((e) => ({ ...e, at: Date.now() }))),
      },
    );

  it('MJPEG over HTTP: frames at the sampling rate in the source aspect; a dropped server is noticed and rejoined', async () => {
    const cam = await MjpegTestCamera.start(SAMPLE);
    closers.push(() => cam.close());
    const events: (HealthEvent & { at: number })[] = [];
    const frames = { n: 0 };
    sup = make(cam.url, events, frames);
    sup.start();
    await until('online', () => (sup?.snapshot().lastFrameMs ?? 0) > 0, 10_000);
    await new Promise((r) => setTimeout(r, 2500));
    const snap = sup.snapshot();
    expect(snap.decoder).toBe('jpegdec');
    expect(snap.fps).toBeGreaterThan(1);
    expect(snap.fps).toBeLessThan(3);
    const stoppedAt = Date.now();
    await cam.server.stop();
    await until('camera_offline', () => events.some((e) => e.type === 'camera_offline'), 4000);
    expect((events.find((e) => e.type === 'camera_offline') as { at: number }).at - stoppedAt).toBeLessThan(
      2500,
    );
    const back = Date.now();
    await cam.server.start();
    await until('camera_online', () => events.some((e) => e.type === 'camera_online'), 6000);
    expect(Date.now() - back).toBeLessThan(5000);
  });

  it('HLS: a rolling live playlist is followed; its end (encoder killed) is noticed', async () => {
    const cam = await HlsTestCamera.start();
    closers.push(() => cam.close());
    const events: (HealthEvent & { at: number })[] = [];
    const frames = { n: 0 };
    sup = make(cam.url, events, frames);
    sup.start();
    await until('online', () => (sup?.snapshot().lastFrameMs ?? 0) > 0, 15_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(sup.snapshot().status).toBe('online');
    expect(sup.snapshot().decoder).toMatch(/h264/);
    await cam.close();
    await until('camera_offline', () => events.some((e) => e.type === 'camera_offline'), 15_000);
  });
});
