import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { startLocalRedis } from '../../workers/local/local-redis.ts';
import { type ApiHarness, startHarness } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-ready-'));
let h: ApiHarness | undefined;
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('with its Redis gone, /ready answers 503 naming Redis within a second; /health stays ok', async () => {
  const redis = await startLocalRedis(dir);
  h = await startHarness(redis.url, 'ready');
  expect((await h.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
  await redis.stop();
  await new Promise((r) => setTimeout(r, 300)); // the connection notices
  const t0 = Date.now();
  const ready = await h.app.inject({ method: 'GET', url: '/ready' });
  expect(Date.now() - t0).toBeLessThan(1500);
  expect(ready.statusCode).toBe(503);
  expect(ready.json()).toMatchObject({ status: 'not ready', checks: { clickhouse: 'ok' } });
  expect(ready.json().checks.redis).toMatch(/not connected|no answer within/);
  expect((await h.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
});
