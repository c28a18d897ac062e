import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, test } from 'vitest';
import { cli, ROOT, SAMPLE } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-owner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('while `run` owns the embedded store, `query` goes through it; after it stops, query opens the store itself', async () => {
  const startTime = new Date(Date.now() - 3600_000).toISOString();
  writeFileSync(
    join(dir, 'cfg.yaml'),
    `dataDir: var\nextract: {fps: 1}\ncameras:\n  - {id: cam-o, source: ${SAMPLE}, startTime: "${startTime}"}\n`,
  );
  const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...env } = process.env;
  const run = spawn(process.execPath, [`${ROOT}bin/cityflow.mjs`, 'run', '--config', join(dir, 'cfg.yaml')], {
    env: { ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  run.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => run.on('close', r));
  const ownerFile = join(dir, 'var', 'run', 'store-owner.json');
  const countFrames = async () => {
    const q = await cli([
      'query',
      '--json',
      '--data-dir',
      join(dir, 'var'),
      "SELECT count() AS n FROM frames WHERE camera_id = 'cam-o'",
    ]);
    expect(q.code, q.stderr).toBe(0);
    return Number(JSON.parse(q.stdout)[0].n);
  };
  try {
    for (let i = 0; i < 200 && !existsSync(ownerFile); i++) await sleep(100);
    expect(existsSync(ownerFile), err).toBe(true);
    // The run process holds chDB's lock: this succeeds only through the owner. Wait for all 38 frames.
    let n = 0;
    for (let i = 0; i < 100 && n < 37; i++, await sleep(300)) n = await countFrames();
    expect(n).toBeGreaterThanOrEqual(37);
  } finally {
    run.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(existsSync(ownerFile)).toBe(false);
  expect(await countFrames()).toBeGreaterThanOrEqual(37); // now by opening the store directly
});
