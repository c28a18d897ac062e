/**
 * The plate stage end to end: footage of a real car photo with a Vietnamese plate painted over its
 * own, driving across the frame (made in headless Chromium, encoded with GStreamer), backfilled for a
 * camera with `plates:`, as a user would; then plate_reads holds one vote for the vehicle's track,
 * with the keyed hash of the deployment's key, and no source-resolution frames are left behind. And
 * plate reads expire by their TTL, which the configuration sets.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { DEFAULT_PLATES_DIR } from '../../benchmarks/plates/eval-plates.ts';
import { decodeImage } from '../../pipeline/extract/image-source.ts';
import { plateHasher } from '../../pipeline/plates/segment-plates.ts';
import { openStore } from '../../workers/open-store.ts';
import { sweepPlateCrops } from '../../workers/plates/plate-crops.ts';
import { WatchlistStore } from '../../workers/plates/watchlist-store.ts';
import { cli, lastJson } from '../helpers/cli.ts';
import { hasChromium, paintedCarClip } from '../helpers/render-plates.ts';

const ready = existsSync(DEFAULT_PLATES_DIR) && hasChromium;
const tmp = mkdtempSync(join(tmpdir(), 'cityflow-plate-stage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const clip = join(tmp, 'gate.mp4');

beforeAll(async () => {
  if (!ready) return;
  await paintedCarClip(DEFAULT_PLATES_DIR, clip, { frames: 40, stepPx: 20 });
}, 120_000);

interface PlateRow {
  camera_id: string;
  track_id: number;
  plate: string;
  display: string;
  plate_hash: string;
  layout: string;
  country: string;
  vehicle_class: string;
  reads: number;
  agreeing: number;
  confidence: number;
}

describe.skipIf(!ready)('plate stage on footage (needs ../shared/plates and Debian chromium)', () => {
  const config = join(tmp, 'cityflow.yaml');
  const dataDir = join(tmp, 'var');

  beforeAll(() => {
    writeFileSync(
      config,
      `dataDir: ${dataDir}\ncameras:\n  - id: gate\n    source: ${clip}\n    fps: 2\n    plates: { storeCrops: true }\n`,
    );
  }, 120_000);

  test('backfill stores one plate read per track, hashed with the deployment key', {
    timeout: 180_000,
  }, async () => {
    const r = await cli([
      'backfill',
      clip,
      '--camera',
      'gate',
      '--config',
      config,
      '--start',
      '2026-12-01T08:00:00Z',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson<{ rowsByTable: Record<string, number> }>(r).rowsByTable.plate_reads).toBe(1);
    const q = await cli(['query', '--json', '--config', config, 'SELECT * FROM plate_reads']);
    expect(q.code, q.stderr).toBe(0);
    const rows = JSON.parse(q.stdout.trim().split('\n').pop() ?? '[]') as PlateRow[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      camera_id: 'gate',
      plate: '51F67890',
      display: '51F-678.90',
      layout: 'one-line',
      country: 'VN',
    });
    expect(rows[0].reads).toBeGreaterThanOrEqual(2);
    expect(rows[0].agreeing).toBe(rows[0].reads);
    const key = readFileSync(join(dataDir, 'plate-hash.key'), 'utf8').trim();
    expect(rows[0].plate_hash).toBe(
      plateHasher(key, 'month')('51F67890', Date.parse('2026-12-01T08:00:00Z')),
    );
    // The crop of the plate, where the row says, under the day of the read.
    const crop = (rows[0] as PlateRow & { crop: string }).crop;
    expect(crop).toBe(
      join(
        dataDir,
        'plate-crops',
        'gate',
        '2026-12-01',
        `${(rows[0] as unknown as { source_id: string }).source_id.replace(/[^A-Za-z0-9_.-]/g, '_')}_0_${rows[0].track_id}.jpg`,
      ),
    );
    const picture = (await decodeImage(crop)).source;
    expect(picture.height).toBeGreaterThanOrEqual(64);
    // The source-resolution frames were removed once read.
    const frames = join(dataDir, 'frames');
    const left = existsSync(frames)
      ? readdirSync(frames, { recursive: true }).filter((f) => String(f).endsWith('.rgb'))
      : [];
    expect(left).toEqual([]);

    // The same file again: nothing new (the segment is already stored).
    const again = await cli(['backfill', clip, '--camera', 'gate', '--config', config, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const n = await cli(['query', '--json', '--config', config, 'SELECT count() AS n FROM plate_reads']);
    expect(JSON.parse(n.stdout.trim().split('\n').pop() ?? '[]')[0].n).toBe(1);
  });
});

describe.skipIf(!ready)('watch list across two cameras (needs ../shared/plates and Debian chromium)', () => {
  test('a watch-listed plate (one character off, fuzzy entry) driven past two cameras raises one alert', {
    timeout: 180_000,
  }, async () => {
    const prefix = `wl-${process.pid}`;
    const dataDir = join(tmp, 'var-wl');
    const config = join(tmp, 'watch.yaml');
    const cam = (id: string) => `  - id: ${id}\n    source: ${clip}\n    fps: 2\n    plates: {}\n`;
    writeFileSync(
      config,
      `queuePrefix: ${prefix}\ndataDir: ${dataDir}\ncameras:\n${cam('gate-a')}${cam('gate-b')}`,
    );
    const redis = new Redis(inject('redisUrl'));
    try {
      await new WatchlistStore(redis, prefix).put({
        id: 'w1',
        plate: '51F67891', // the car's plate is 51F67890
        reason: 'stolen',
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        maxDistance: 1,
      });
      for (const [camera, start] of [
        ['gate-a', '08:00'],
        ['gate-b', '08:06'],
      ]) {
        const r = await cli(
          [
            'backfill',
            clip,
            '--camera',
            camera,
            '--config',
            config,
            '--start',
            `2026-12-01T${start}:00Z`,
            '--json',
          ],
          { REDIS_URL: inject('redisUrl') },
        );
        expect(r.code, r.stderr).toBe(0);
      }
    } finally {
      redis.disconnect();
    }
    const q = await cli([
      'query',
      '--json',
      '--config',
      config,
      "SELECT camera_id, type, message, snapshot FROM events WHERE type = 'plate_watchlist'",
    ]);
    const events = JSON.parse(q.stdout.trim().split('\n').pop() ?? '[]') as {
      camera_id: string;
      message: string;
      snapshot: string;
    }[];
    expect(events).toHaveLength(1);
    expect(events[0].camera_id).toBe('gate-a');
    // The plate is masked in the alert; the raw plate is for the plates role only.
    expect(events[0].message).toMatch(/51F\*\*\*90 \(stolen\), read 1 character\(s\) off/);
    expect(events[0].message).not.toMatch(/51F67890/);
    const n = await cli(['query', '--json', '--config', config, 'SELECT count() AS n FROM plate_reads']);
    expect(JSON.parse(n.stdout.trim().split('\n').pop() ?? '[]')[0].n).toBe(2);
  });
});

describe('plate crop retention', () => {
  test('day folders older than the retention are removed, nothing else', async () => {
    const dir = join(tmp, 'crops');
    for (const d of ['cam/2026-10-01', 'cam/2026-11-20', 'cam/not-a-day', 'other/2026-09-30']) {
      mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, d, 'x.jpg'), 'x');
    }
    writeFileSync(join(dir, 'cam', '2026-01-01'), 'a file, not a folder');
    const removed = await sweepPlateCrops(dir, 30, Date.parse('2026-12-02T12:00:00Z'));
    expect(removed).toBe(2);
    expect(readdirSync(join(dir, 'cam')).sort()).toEqual(['2026-01-01', '2026-11-20', 'not-a-day']);
    expect(readdirSync(join(dir, 'other'))).toEqual([]);
    expect(await sweepPlateCrops(join(tmp, 'no-such-dir'), 30)).toBe(0);
  });
});

describe('plate read retention', () => {
  test('reads expire by the TTL that plateRetentionDays sets', { timeout: 60_000 }, async () => {
    const dataDir = join(tmp, 'ttl');
    const row = (daysAgo: number, plate: string) => ({
      camera_id: 'c',
      source_id: 's',
      segment: daysAgo,
      track_id: 1,
      ts: Date.now() - daysAgo * 86_400_000,
      plate,
      plate_hash: 'h',
      display: plate,
      confidence: 0.9,
      reads: 1,
      agreeing: 1,
      layout: 'one-line',
      country: 'VN',
      vehicle_class: 'car',
      box: { x: 0, y: 0, w: 10, h: 5 },
    });
    const count = async (s: Awaited<ReturnType<typeof openStore>>) => {
      const rs = await s.client.query({
        query: 'SELECT plate FROM plate_reads ORDER BY plate',
        format: 'JSONEachRow',
      });
      return (await rs.json<{ plate: string }>()).map((r) => r.plate);
    };
    let store = await openStore({ dataDir, plateRetentionDays: 30 });
    try {
      await store.client.insert({
        table: 'plate_reads',
        values: [row(10, '51F10000'), row(40, '51F40000')],
        format: 'JSONEachRow',
      });
      await store.client.command({ query: 'OPTIMIZE TABLE plate_reads FINAL' });
      // 40 days is past the default 30-day TTL: dropped; 10 days is kept.
      expect(await count(store)).toEqual(['51F10000']);
    } finally {
      await store.close();
    }
    store = await openStore({ dataDir, plateRetentionDays: 7 });
    try {
      await store.client.command({ query: 'OPTIMIZE TABLE plate_reads FINAL' });
      expect(await count(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
