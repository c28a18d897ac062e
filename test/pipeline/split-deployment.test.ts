import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { cli, ROOT, SAMPLE } from '../helpers/cli.ts';

// The job graph across processes on one shared Redis (the test run's real redis-server):
//   edge:  cityflow worker --stages extract,detect,track   (decodes, detects, tracks; frames stay in its folder)
//   core:  cityflow run --stages store               (owns ClickHouse, submits the sources, waits)
const dir = mkdtempSync(join(tmpdir(), 'cityflow-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('an extract+detect worker and a store-owning run process one source together', async () => {
  const redisUrl = inject('redisUrl');
  const prefix = `split${Date.now()}`;
  const startTime = new Date(Date.now() - 3600_000).toISOString();
  writeFileSync(
    join(dir, 'core.yaml'),
    `dataDir: core\nhost: core\nqueuePrefix: ${prefix}\nextract: {fps: 2}\ncameras:\n  - {id: cam-a, source: ${SAMPLE}, startTime: "${startTime}"}\n`,
  );
  writeFileSync(
    join(dir, 'edge.yaml'),
    `dataDir: edge\nhost: edge-a\nqueuePrefix: ${prefix}\nextract: {fps: 2}\n`,
  );

  const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...env } = process.env;
  const worker = spawn(
    process.execPath,
    [
      `${ROOT}bin/cityflow.mjs`,
      'worker',
      '--config',
      join(dir, 'edge.yaml'),
      '--stages',
      'extract,detect,track',
    ],
    {
      env: { ...env, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let workerErr = '';
  worker.stderr.on('data', (d) => (workerErr += d));
  const workerExit = new Promise<number | null>((r) => worker.on('close', r));
  try {
    const run = await cli(
      ['run', '--config', join(dir, 'core.yaml'), '--stages', 'store', '--exit-when-done'],
      { REDIS_URL: redisUrl },
    );
    expect(run.code, `${run.stderr}\nworker: ${workerErr}`).toBe(0);
    expect(run.stdout).toMatch(/frames analysed\s+(7[3-7])\b/);
    // The frames were decoded in the edge worker's folder and deleted after detection.
    expect(readdirSync(join(dir, 'edge', 'frames', 'edge-a'))).toEqual([]);
    const q = await cli([
      'query',
      '--json',
      '--data-dir',
      join(dir, 'core'),
      "SELECT count() AS n FROM detections WHERE camera_id = 'cam-a' AND class = 'car'",
    ]);
    expect(Number(JSON.parse(q.stdout)[0].n)).toBeGreaterThan(20);
  } finally {
    worker.kill('SIGTERM');
  }
  expect(await workerExit).toBe(0); // a clean shutdown on SIGTERM
});

test('run refuses stages without store, and worker refuses unknown stages, naming them', async () => {
  writeFileSync(join(dir, 'min.yaml'), 'cameras: []\n');
  const run = await cli(['run', '--config', join(dir, 'min.yaml'), '--stages', 'extract']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/must include store/);
  const worker = await cli(['worker', '--config', join(dir, 'min.yaml'), '--stages', 'extract,detekt'], {
    REDIS_URL: inject('redisUrl'),
  });
  expect(worker.code).toBe(1);
  expect(worker.stderr).toMatch(/unknown stage\(s\) "detekt"/);
});
