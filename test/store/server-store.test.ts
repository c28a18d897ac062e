import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import { SegmentWriter } from '../../pipeline/store/segment-writer.ts';
import { openStore } from '../../workers/open-store.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { STAGES } from '../../workers/queues.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { ClickHouseHttpServer } from '../helpers/clickhouse-http-server.ts';

// The production store path: @clickhouse/client over HTTP to a ClickHouse engine (chDB behind
// ClickHouse's HTTP interface), as with CLICKHOUSE_URL.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-server-store-'));
let server: ClickHouseHttpServer;
const recent = () => new Date(Date.now() - 3600_000).toISOString();
beforeAll(async () => {
  server = await ClickHouseHttpServer.start(join(dir, 'engine'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('store through a ClickHouse server (HTTP)', () => {
  test('migrations, a segment written twice, and queries with bound parameters', async () => {
    const store = await openStore({ clickhouseUrl: server.url, dataDir: join(dir, 'unused') });
    try {
      expect(store.mode).toBe('server');
      expect(store.applied.length).toBeGreaterThan(5);
      const writer = new SegmentWriter(store.client);
      const t = Date.now() - 60_000;
      const job = {
        segmentKey: 'cam-s/a.mp4@1#0',
        sourceId: 'cam-s/a.mp4@1',
        cameraId: 'cam-s',
        segment: 0,
        detector: 'yolox-nano',
        frames: [
          {
            ptsMs: 0,
            tsMs: t,
            analysed: true,
            detectorMs: 12,
            detections: [{ cls: 'car' as const, score: 0.8, box: { x: 1, y: 2, w: 30, h: 20 }, trackId: 4 }],
          },
        ],
        crossings: [
          { lineId: 'l', trackId: 4, cls: 'car' as const, direction: 'negative' as const, tsMs: t },
        ],
      };
      expect((await writer.write(job)).skipped).toBe(false);
      expect((await writer.write(job)).skipped).toBe(true);
      const rs = await store.client.query({
        query: 'SELECT count() AS n, any(track_id) AS id FROM detections WHERE camera_id = {c:String}',
        query_params: { c: 'cam-s' },
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ n: '1', id: 4 }]);
      // Direct inserts (no stdin guard on a server) with a deduplication token.
      await insertRows(store.client, 'cameras', [{ camera_id: 'cam-s', name: 'S', source: 'x' }]);
      expect(server.requests.insert).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});

describe('a store server outage during a run', () => {
  test('segments wait for the server instead of being lost, and all are stored once it is back', async () => {
    const cfg = normaliseConfig(
      {
        dataDir: join(dir, 'node'),
        host: 'h-outage',
        queuePrefix: `outage${Date.now()}`,
        clickhouseUrl: server.url,
        extract: { fps: 2, segmentSeconds: 5 },
        queues: { maxStoreBacklog: 2 },
      },
      join(dir, 'outage.yaml'),
      {},
    );
    const node = await PipelineNode.start({ config: cfg, redisUrl: inject('redisUrl'), stages: STAGES });
    try {
      const src = await node.submitFile({ id: 'cam-out', source: SAMPLE, startTime: recent() });
      await server.stop(); // down before the first segment reaches the store
      // Longer than the store's three attempts with backoff (1 + 2 + 4 s) would last.
      await sleep(12_000);
      const during = await node.tracker.state(src.sourceId);
      expect(during.lost).toBe(0);
      expect(during.stored).toBe(0);
      // Bounded: extraction paused with the store queue full, before the file's 8th segment.
      expect(during.extract).toBe('running');
      expect(during.emitted).toBeLessThan(8);
      await server.restart();
      const [state] = await node.waitFor([src.sourceId]);
      expect(state.lost).toBe(0);
      const rs = await (node.clickhouse as ClickHouseHandle).client.query({
        query: 'SELECT count() AS n FROM segments WHERE source_id = {s:String}',
        query_params: { s: src.sourceId },
        format: 'JSONEachRow',
      });
      // 37.7 s of video in 5 s segments.
      expect(Number((await rs.json<{ n: string }>())[0].n)).toBe(8);
    } finally {
      await server.restart();
      await node.close();
    }
  }, 90_000);
});

describe('a store node started while the server is down', () => {
  const cfg = () =>
    normaliseConfig(
      {
        dataDir: join(dir, 'late'),
        host: 'h-late',
        queuePrefix: `late${Date.now()}`,
        clickhouseUrl: server.url,
      },
      join(dir, 'late.yaml'),
      {},
    );

  test('fails at once by default, naming the server', async () => {
    await server.stop();
    try {
      const start = PipelineNode.start({ config: cfg(), redisUrl: inject('redisUrl'), stages: ['store'] });
      await expect(start).rejects.toThrow(
        /ClickHouse at http:\/\/127\.0\.0\.1:\d+\/ does not answer: connect ECONNREFUSED/,
      );
    } finally {
      await server.restart();
    }
  });

  test('with waitForStore (cityflow worker), waits and opens the store once the server is back', async () => {
    await server.stop();
    let node: PipelineNode | undefined;
    try {
      const start = PipelineNode.start({
        config: cfg(),
        redisUrl: inject('redisUrl'),
        stages: ['store'],
        waitForStore: true,
      }).then((n) => {
        node = n;
        return n;
      });
      await sleep(2500);
      expect(node).toBeUndefined(); // still waiting, not failed
      await server.restart();
      expect((await start).clickhouse?.mode).toBe('server');
    } finally {
      await server.restart();
      await node?.close();
    }
  }, 30_000);
});
