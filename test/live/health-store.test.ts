import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { runSql } from '../../pipeline/store/run-sql.ts';
import type { CameraHealthRow } from '../../schemas/health.ts';
import { startHealthStore } from '../../workers/live/health-store.ts';
import { redisConnection } from '../../workers/queues.ts';
import { QUEUE } from '../../workers/redis-keys.ts';

const connection = redisConnection(inject('redisUrl'));
const prefix = `health-store-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'cityflow-health-'));
let ch: ClickHouseHandle;

beforeAll(async () => {
  ch = await openClickHouse({ path: join(dir, 'clickhouse') });
  await applyMigrations(ch.client);
});
afterAll(async () => {
  await ch.close();
  rmSync(dir, { recursive: true, force: true });
});

it('the store owner writes camera_health rows from the health queue, once per row, with duration and fps', async () => {
  const store = startHealthStore({
    connection,
    prefix,
    client: ch.client,
    logger: pino({ level: 'silent' }),
  });
  const q = new Queue<CameraHealthRow>(QUEUE.health, { connection, prefix });
  const t = Date.now() - 60_000;
  const row: CameraHealthRow = {
    cameraId: 'cam-h',
    status: 'offline',
    startedMs: t,
    endedMs: t + 7250,
    frames: 0,
    decodeErrors: 0,
    restarts: 3,
    blackFrames: 0,
    blurredFrames: 0,
    reason: 'gst-launch-1.0 exited with code 0',
    worker: 'host:1',
  };
  const online: CameraHealthRow = {
    ...row,
    status: 'online',
    startedMs: t + 7250,
    endedMs: t + 17_250,
    frames: 20,
    restarts: 0,
    reason: '',
  };
  await q.add('interval', row, { jobId: 'a' });
  await q.add('interval', online, { jobId: 'b' });
  await q.add('interval', row, { jobId: 'c' }); // the same row again (a retry): stored once
  const sql =
    "SELECT status, duration_ms, fps, restarts, reason, toUnixTimestamp64Milli(started_at) AS s FROM camera_health FINAL WHERE camera_id = 'cam-h' ORDER BY started_at";
  // Wait until the queue is drained (all three jobs done), then read.
  for (let i = 0; i < 100; i++) {
    const c = await q.getJobCounts('waiting', 'active', 'delayed');
    if (c.waiting + c.active + c.delayed === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const r = await runSql(ch.client, sql);
  expect(r.rows).toEqual([
    { status: 'offline', duration_ms: 7250, fps: 0, restarts: 3, reason: row.reason, s: t },
    { status: 'online', duration_ms: 10_000, fps: 2, restarts: 0, reason: '', s: t + 7250 },
  ]);
  await store.close();
  await q.close();
});
