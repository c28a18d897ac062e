/**
 * Plates on a live camera: footage of a real car photo with a Vietnamese plate painted over its own
 * (headless Chromium, GStreamer), served by a real RTSP server, taken by `cityflow run --config` with
 * `plates: {}` on the camera. The live decoder keeps the analysed frames at source resolution, the
 * plate stage reads the tracked car's plate, and plate_reads gets it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_PLATES_DIR } from '../../benchmarks/plates/eval-plates.ts';
import { queryThroughOwner } from '../../workers/local/store-owner.ts';
import { ROOT } from '../helpers/cli.ts';
import { hasChromium, paintedCarClip } from '../helpers/render-plates.ts';
import { fileLaunch, RtspTestServer, rtspServerBuildable } from '../helpers/rtsp-server.ts';
import { until } from '../helpers/until.ts';

const unbuildable = await rtspServerBuildable();
const ready = unbuildable === null && hasChromium && existsSync(DEFAULT_PLATES_DIR);

describe.skipIf(!ready)(
  `plates on a live RTSP camera (${unbuildable ?? 'needs ../shared/plates, Debian chromium, a real RTSP server'})`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'cityflow-live-plates-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('the tracked car’s plate is read from the live stream and stored', async () => {
      const clip = join(dir, 'gate.mp4');
      await paintedCarClip(DEFAULT_PLATES_DIR, clip, { frames: 60, stepPx: 14 });
      const server = await RtspTestServer.start(fileLaunch(clip));
      const cfg = join(dir, 'cfg.yaml');
      writeFileSync(
        cfg,
        `dataDir: var\nextract: {fps: 2, segmentSeconds: 2}\ncameras:\n  - {id: gate-live, source: "${server.url}", plates: {}}\n`,
      );
      const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...env } = process.env;
      const run = spawn(process.execPath, [`${ROOT}bin/cityflow.mjs`, 'run', '--config', cfg], {
        env: { ...env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      run.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((r) => run.on('close', r));
      const plates = async () => {
        const r = await queryThroughOwner(
          join(dir, 'var'),
          "SELECT plate, display, layout, country FROM plate_reads WHERE camera_id = 'gate-live'",
        ).catch(() => null);
        return (r?.rows ?? []) as { plate: string; display: string; layout: string; country: string }[];
      };
      try {
        const rows = await until(
          'a plate read from the live camera',
          async () => {
            const r = await plates();
            return r.length > 0 && r;
          },
          90_000,
          1000,
        ).catch((e: Error) => {
          throw new Error(`${e.message}; run's stderr:\n${err}`);
        });
        expect(rows[0]).toMatchObject({
          plate: '51F67890',
          display: '51F-678.90',
          layout: 'one-line',
          country: 'VN',
        });
      } finally {
        run.kill('SIGTERM');
        await server.close();
      }
      expect(await exited).toBe(0);
    }, 180_000);
  },
);
