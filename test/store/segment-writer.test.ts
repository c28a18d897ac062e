import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyMigrations, loadMigrations } from '../../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { SegmentWriter } from '../../pipeline/store/segment-writer.ts';
import type { StoreJob } from '../../schemas/jobs.ts';

// The real embedded ClickHouse (chDB) on a temporary data directory.
let ch: ClickHouseHandle;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cityflow-store-'));
  ch = await openClickHouse({ path: join(dir, 'clickhouse') });
});
afterAll(async () => {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the embedded store's folder is for its owner only (its files bypass the API's roles)", () => {
  expect(statSync(join(dir, 'clickhouse')).mode & 0o077).toBe(0);
});

async function count(sql: string): Promise<number> {
  const rs = await ch.client.query({ query: sql, format: 'JSONEachRow' });
  const rows = await rs.json<Record<string, string>>();
  return Number(Object.values(rows[0] ?? { n: 0 })[0]);
}

function segment(sourceId: string, n: number, objects: number): StoreJob {
  // Recent times: the tables' TTL drops rows that are already expired at insert time.
  const t0 = Date.now() - 60_000 + n * 10_000;
  return {
    segmentKey: `${sourceId}#${n}`,
    sourceId,
    cameraId: 'cam-1',
    segment: n,
    detector: 'centernet',
    frames: [0, 200, 400].map((pts) => ({
      ptsMs: n * 10_000 + pts,
      tsMs: t0 + pts,
      analysed: true,
      detectorMs: 20,
      detections: Array.from({ length: objects }, (_, i) => ({
        cls: i % 2 ? ('person' as const) : ('car' as const),
        score: 0.9,
        box: { x: i, y: 2, w: 30, h: 20 },
      })),
    })),
  };
}

describe('migrations', () => {
  test('apply once, record, and are a no-op the second time', async () => {
    const first = await applyMigrations(ch.client);
    expect(first).toEqual(loadMigrations().map((m) => m.name));
    expect(await applyMigrations(ch.client)).toEqual([]);
    expect(await count('SELECT count() FROM schema_migrations')).toBe(first.length);
  });

  test('a migration edited after it was applied is refused', async () => {
    const d = mkdtempSync(join(tmpdir(), 'cityflow-mig-'));
    writeFileSync(join(d, '0001_init.sql'), 'CREATE TABLE IF NOT EXISTS m_t (a UInt8) ENGINE = Memory;');
    // version 1 is already recorded with another checksum by the real migrations above
    await expect(applyMigrations(ch.client, d)).rejects.toThrow(/0001_init was changed after it was applied/);
    rmSync(d, { recursive: true });
  });
});

describe('SegmentWriter', () => {
  test('writes frames, detections and the ledger; a second write of the same segment adds nothing', async () => {
    await applyMigrations(ch.client);
    const w = new SegmentWriter(ch.client);
    const job = segment('cam-1/a.mp4@x1', 0, 4);
    expect(await w.write(job)).toEqual({ frames: 3, detections: 12, skipped: false });
    expect(await w.write(job)).toEqual({ frames: 0, detections: 0, skipped: true });
    expect(await count("SELECT count() FROM frames WHERE source_id = 'cam-1/a.mp4@x1'")).toBe(3);
    expect(await count("SELECT count() FROM detections WHERE source_id = 'cam-1/a.mp4@x1'")).toBe(12);
    expect(
      await count("SELECT count() FROM detections WHERE source_id = 'cam-1/a.mp4@x1' AND class = 'car'"),
    ).toBe(6);
  });

  test('a retry after a crash between tables inserts each row once (deduplication tokens)', async () => {
    const w = new SegmentWriter(ch.client);
    const job = segment('cam-1/b.mp4@x2', 3, 2);
    // Simulate the crash: frames and detections went in, the ledger row did not.
    const clone = new SegmentWriter(ch.client);
    await (clone as unknown as { insert: (t: string, v: object[], k: string) => Promise<void> }).insert(
      'frames',
      job.frames.map((f) => ({
        camera_id: 'cam-1',
        ts: Math.round(f.tsMs),
        pts_ms: f.ptsMs,
        source_id: job.sourceId,
        segment: 3,
        analysed: true,
        detector: 'centernet',
        detector_ms: 20,
        object_count: 2,
      })),
      job.segmentKey,
    );
    expect(await w.write(job)).toMatchObject({ skipped: false });
    expect(await count("SELECT count() FROM frames WHERE source_id = 'cam-1/b.mp4@x2'")).toBe(3);
    expect(await count("SELECT count() FROM detections WHERE source_id = 'cam-1/b.mp4@x2'")).toBe(6);
  });

  test('values that look like SQL are stored as data', async () => {
    const w = new SegmentWriter(ch.client);
    const evil = "x'); DROP TABLE frames; --";
    await w.write({ ...segment(evil, 0, 1), cameraId: evil });
    expect(await count(`SELECT count() FROM frames WHERE camera_id = 'x\\'); DROP TABLE frames; --'`)).toBe(
      3,
    );
  });
});
