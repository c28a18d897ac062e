import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, expect, test } from 'vitest';
import { startLocalRedis } from '../../workers/local/local-redis.ts';
import { ROOT, SAMPLE } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-redis-lost-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `cityflow backfill` of the sample at 10 fps as a child; local mode unless `env` names a REDIS_URL. */
function backfill(cfg: string, camera: string, env: Record<string, string> = {}) {
  const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...base } = process.env;
  const start = new Date(Date.now() - 3600_000).toISOString();
  const args = ['backfill', SAMPLE, '--camera', camera, '--fps', '10', '--config', cfg, '--start', start];
  return spawn(process.execPath, [`${ROOT}bin/cityflow.mjs`, ...args], {
    env: { ...base, ...env, LOG_LEVEL: 'fatal' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

test('Redis killed during a backfill: a clear error naming Redis and an exit, not a hang', async () => {
  const redis = await startLocalRedis(join(dir, 'redis'));
  const cfg = join(dir, 'cfg.yaml');
  writeFileSync(cfg, `dataDir: ${join(dir, 'var')}\nqueues: {redisLostAfterS: 3}\n`);
  const child = backfill(cfg, 'cam-rl', { REDIS_URL: redis.url });
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

test('a SIGKILLed backfill leaves no private redis-server behind, and its Redis refused strangers', async () => {
  const data = join(dir, 'killed');
  const cfg = join(dir, 'killed.yaml');
  writeFileSync(cfg, `dataDir: ${data}\n`);
  const child = backfill(cfg, 'cam-k');
  let err = '';
  const running = new Promise<void>((resolve) =>
    child.stderr.on('data', (d: Buffer) => {
      err += d;
      if (/backfill: \d+\/\d+ frames/.test(err)) resolve();
    }),
  );
  const exited = new Promise((r) => child.on('close', r));
  await running;
  const pidfile = readdirSync(join(data, 'run', 'redis')).find((f) => f.endsWith('.pid'));
  expect(pidfile, 'the private Redis writes its pid file').toBeDefined();
  const port = Number(/redis-(\d+)\.pid/.exec(pidfile as string)?.[1]);
  // A stranger without the password may not write to it.
  const stranger = new Redis(`redis://127.0.0.1:${port}`, {
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  stranger.on('error', () => {});
  await expect(stranger.set('planted', '1')).rejects.toThrow(/NOAUTH/);
  stranger.disconnect();
  child.kill('SIGKILL');
  await exited;
  await until('the private Redis gone', async () => !(await listening(port)), 5000);
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
