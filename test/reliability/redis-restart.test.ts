import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, inject, test } from 'vitest';
import { PersistentRedis } from '../helpers/persistent-redis.ts';
import { sampleRunRows } from '../helpers/sample-rows.ts';

// A Redis restart in the middle of a run, with the production configuration (infra/redis.conf):
// the workers reconnect, and the rows are exactly those of a run without the restart.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-redis-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a Redis restart mid-run loses no accepted job: the same rows as a run without it', async () => {
  const clean = await sampleRunRows({ dir, name: 'clean', redisUrl: inject('redisUrl') });
  const redis = await PersistentRedis.start(join(dir, 'redis'));
  try {
    const restarted = await sampleRunRows({
      dir,
      name: 'restart',
      redisUrl: redis.url,
      during: async () => {
        await sleep(1500); // segments queued, some detected
        await redis.stop();
        await sleep(3000);
        await redis.restart();
      },
    });
    expect(clean.segments).toBe(8);
    expect(restarted).toEqual(clean);
  } finally {
    await redis.stop();
  }
}, 180_000);
