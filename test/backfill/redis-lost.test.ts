import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { startLocalRedis } from '../../workers/local/local-redis.ts';
import { ROOT, SAMPLE } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-redis-lost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('Redis killed during a backfill: a clear error naming Redis and an exit, not a hang', async () => {
  const redis = await startLocalRedis(join(dir, 'redis'));
  const cfg = join(dir, 'cfg.yaml');
  writeFileSync(cfg, `dataDir: ${join(dir, 'var')}\nqueues: {redisLostAfterS: 3}\n`);
  const { CLICKHOUSE_URL: _c, ...env } = process.env;
  const start = new Date(Date.now() - 3600_000).toISOString();
  const child = spawn(
    process.execPath,
    [
      `${ROOT}bin/cityflow.mjs`,
      'backfill',
      SAMPLE,
      '--camera',
      'cam-rl',
      '--fps',
      '10',
      '--config',
      cfg,
      '--start',
      start,
    ],
    { env: { ...env, REDIS_URL: redis.url, LOG_LEVEL: 'fatal' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  let killedAt = 0;
  child.stderr.on('data', (d: Buffer) => {
    err += d;
    // Kill Redis once frames are being stored: the backfill is mid-way.
    if (!killedAt && /backfill: [1-9]\d*\/\d+ frames/.test(err)) {
      killedAt = Date.now();
      void redis.stop();
    }
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  expect(killedAt, `Redis was never killed; stderr:\n${err}`).toBeGreaterThan(0);
  expect(code).toBe(1);
  expect(err).toMatch(
    /cityflow: Redis at redis:\/\/127\.0\.0\.1:\d+.* unreachable for \d+ s.*running the same command again resumes/,
  );
  expect(Date.now() - killedAt).toBeLessThan(60_000);
}, 120_000);
