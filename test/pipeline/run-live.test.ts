import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { queryThroughOwner } from '../../workers/local/store-owner.ts';
import { ROOT, SAMPLE } from '../helpers/cli.ts';
import { fileLaunch, RtspTestServer, rtspServerBuildable } from '../helpers/rtsp-server.ts';
import { until } from '../helpers/until.ts';

const unbuildable = await rtspServerBuildable();

// `cityflow run --config` with a live camera and no --stages: the live stage must run (it once did
// not: the command's default stage list left it out, and the camera's job waited with no worker).
describe.skipIf(unbuildable !== null)(
  `run --config starts live cameras (${unbuildable ?? 'a real RTSP server'})`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'cityflow-run-live-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('frames of an RTSP camera are analysed and stored by a plain `run --config`', async () => {
      const server = await RtspTestServer.start(fileLaunch(SAMPLE));
      const cfg = join(dir, 'cfg.yaml');
      writeFileSync(
        cfg,
        `dataDir: var\nextract: {fps: 2, segmentSeconds: 2}\ncameras:\n  - {id: cam-live, source: "${server.url}"}\n`,
      );
      const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...env } = process.env;
      const run = spawn(process.execPath, [`${ROOT}bin/cityflow.mjs`, 'run', '--config', cfg], {
        env: { ...env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      run.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((r) => run.on('close', r));
      // Only through the owning run process: opening the store directly would race run for its lock.
      const frames = async () => {
        const r = await queryThroughOwner(
          join(dir, 'var'),
          "SELECT count() AS n FROM frames WHERE camera_id = 'cam-live' AND analysed",
        ).catch(() => null);
        return Number(r?.rows[0]?.n ?? 0);
      };
      try {
        const n = await until(
          'live frames stored',
          async () => (await frames()) >= 4 && frames(),
          60_000,
          500,
        ).catch((e: Error) => {
          throw new Error(`${e.message}; run's stderr:\n${err}`);
        });
        expect(n).toBeGreaterThanOrEqual(4);
      } finally {
        run.kill('SIGTERM');
        await server.close();
      }
      expect(await exited).toBe(0);
    }, 120_000);
  },
);
