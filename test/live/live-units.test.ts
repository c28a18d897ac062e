import { describe, expect, it } from 'vitest';
import { CameraHealth } from '../../pipeline/live/camera-health.ts';
import { classifyPicture, FrozenDetector, pictureStats } from '../../pipeline/live/image-checks.ts';
import { liveSourceElements } from '../../pipeline/live/live-source.ts';
import { RestartBackoff } from '../../pipeline/live/restart-backoff.ts';
import { WallClockSegmenter } from '../../pipeline/live/wall-clock-segmenter.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { decodeRgbFrames } from '../helpers/gst-frames.ts';

const frame = (data: Uint8Array, width: number, height: number): RgbFrame => ({
  data,
  width,
  height,
  scale: 1,
});

describe('RestartBackoff', () => {
  it('doubles up to the ceiling with jitter in [d/2, d), and a long run resets it', () => {
    const lo = new RestartBackoff({ initialMs: 100, maxMs: 800, random: () => 0 });
    expect([1, 2, 3, 4, 5].map(() => lo.next())).toEqual([50, 100, 200, 400, 400]);
    const hi = new RestartBackoff({ initialMs: 100, maxMs: 800, random: () => 0.999 });
    for (const d of [100, 200, 400, 800, 800]) expect(hi.next()).toBeCloseTo(d, -1);
    lo.ranFor(5000);
    expect(lo.failures).toBe(5);
    lo.ranFor(10_000);
    expect(lo.next()).toBe(50);
    expect(() => new RestartBackoff({ initialMs: 100, maxMs: 50 })).toThrow(/maxMs/);
  });
});

describe('WallClockSegmenter', () => {
  const f = (tsMs: number) => ({ time: { ptsMs: tsMs, tsMs } });
  it('cuts on the wall-clock grid, flushes a silent window after its grace, drops late frames', () => {
    const s = new WallClockSegmenter(1000, 200, 4);
    expect(s.push(f(4999)).late).toBe(true); // window 4 was handed out before (takeover)
    expect(s.push(f(5100)).done).toEqual([]);
    expect(s.push(f(5600)).done).toEqual([]);
    const d = s.push(f(6100)).done;
    expect(d.map((x) => [x.index, x.frames.length])).toEqual([[5, 2]]);
    expect(s.flushDue(7100)).toBeNull();
    expect(s.flushDue(7200)?.index).toBe(6);
    expect(s.push(f(6900)).late).toBe(true);
    expect(s.lastIndex).toBe(6);
  });
});

describe('CameraHealth', () => {
  it('records the outage from the last frame to the next one, with events and intervals', () => {
    const h = new CameraHealth(0, { reportEveryMs: 60_000 });
    const ok = { frozen: false, picture: 'ok' as const };
    expect(h.frame(1000, ok)).toEqual({ intervals: [], events: [] });
    h.frame(1500, ok);
    const down = h.down(3200, 'exit 0');
    expect(down.events).toEqual([
      { type: 'camera_offline', tsMs: 3200, startedMs: 1500, value: 0, reason: 'exit 0' },
    ]);
    expect(down.intervals).toMatchObject([{ status: 'online', startedMs: 1000, endedMs: 1500, frames: 2 }]);
    h.restarted();
    expect(h.down(4000, 'refused').events).toEqual([]); // still offline: no second alert
    const up = h.frame(9500, ok);
    expect(up.events).toMatchObject([{ type: 'camera_online', startedMs: 1500, value: 8 }]);
    expect(up.intervals).toMatchObject([
      { status: 'offline', startedMs: 1500, endedMs: 9500, restarts: 1, reason: 'refused' },
    ]);
    const fz = h.frame(10_000, { frozen: true, frozenSinceMs: 9500, picture: 'black' });
    expect(fz.events).toMatchObject([{ type: 'camera_frozen', startedMs: 9500 }]);
    expect(h.snapshot(10_000)).toMatchObject({ status: 'frozen', black: true, restarts: 1 });
    expect(h.frame(11_000, ok).events).toMatchObject([{ type: 'camera_unfrozen', value: 1 }]);
  });
  it('cuts long stretches into rows', () => {
    const h = new CameraHealth(0, { reportEveryMs: 10_000 });
    for (let t = 0; t <= 25_000; t += 500) h.frame(t, { frozen: false, picture: 'ok' });
    expect(h.tick(30_000).intervals).toMatchObject([{ status: 'online', endedMs: 30_000 }]);
  });
});

describe('picture checks on real footage', async () => {
  const [a, b] = await decodeRgbFrames(SAMPLE, { width: 320, height: 176, framerate: '1/2' });
  it('the street is sharp and not black; a box-blurred copy is blurred; a dark frame is black', () => {
    expect(classifyPicture(pictureStats(frame(a, 320, 176)))).toBe('ok');
    const blurred = new Uint8Array(a.length);
    const r = 6;
    for (let y = 0; y < 176; y++)
      for (let x = 0; x < 320; x++)
        for (let c = 0; c < 3; c++) {
          let s = 0;
          let n = 0;
          for (let dy = -r; dy <= r; dy++)
            for (let dx = -r; dx <= r; dx++) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy >= 0 && yy < 176 && xx >= 0 && xx < 320) {
                s += a[(yy * 320 + xx) * 3 + c];
                n++;
              }
            }
          blurred[(y * 320 + x) * 3 + c] = s / n;
        }
    expect(classifyPicture(pictureStats(frame(blurred, 320, 176)))).toBe('blurred');
    expect(
      classifyPicture(
        pictureStats(
          frame(
            a.map((v) => v >> 5),
            320,
            176,
          ),
        ),
      ),
    ).toBe('black');
  });
  it('FrozenDetector: the same picture for frozenAfterMs is frozen; a moving street is not', () => {
    const fz = new FrozenDetector({ frozenAfterMs: 2000 });
    expect(fz.update(frame(a, 320, 176), 0).frozen).toBe(false);
    expect(fz.update(frame(a, 320, 176), 1000).frozen).toBe(false);
    expect(fz.update(frame(a, 320, 176), 2000)).toMatchObject({ frozen: true, sinceMs: 0 });
    expect(fz.update(frame(b, 320, 176), 2500).frozen).toBe(false);
    expect(() => new FrozenDetector({ frozenAfterMs: 0 })).toThrow(/frozenAfterMs/);
  });
});

describe('liveSourceElements', () => {
  it('picks the elements per scheme and refuses others', () => {
    expect(liveSourceElements('rtsp://h/s', 'udp').elements).toContain('protocols=udp');
    expect(liveSourceElements('http://h/live.m3u8').elements[0]).toBe('uridecodebin');
    expect(liveSourceElements('http://h/video.mjpg')).toMatchObject({ videorate: false });
    expect(() => liveSourceElements('file:///x.mp4')).toThrow(/live sources are/);
  });
});
