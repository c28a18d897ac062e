import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, inject, test } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { STAGES } from '../../workers/queues.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { PersistentRedis } from '../helpers/persistent-redis.ts';

// A Redis restart in the middle of a run, with the production configuration (infra/redis.conf):
// the workers reconnect, and the rows are exactly those of a run without the restart.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-redis-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recent = new Date(Date.now() - 3600_000).toISOString();

async function run(name: string, redisUrl: string, during?: (node: PipelineNode) => Promise<void>) {
  const cfg = normaliseConfig(
    {
      dataDir: join(dir, name),
      host: `h-${name}`,
      queuePrefix: `${name}${Date.now()}`,
      extract: { fps: 2, segmentSeconds: 5 },
    },
    join(dir, `${name}.yaml`),
    {},
  );
  const node = await PipelineNode.start({ config: cfg, redisUrl, stages: STAGES });
  try {
    const src = await node.submitFile({ id: 'cam-r', source: SAMPLE, startTime: recent });
    await during?.(node);
    const [state] = await node.waitFor([src.sourceId]);
    const ch = (node.clickhouse as ClickHouseHandle).client;
    const count = async (table: string) => {
      const rs = await ch.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
      return Number((await rs.json<{ n: string }>())[0].n);
    };
    return {
      lost: state.lost,
      segments: await count('segments'),
      frames: await count('frames'),
      detections: await count('detections'),
      tracked: await count('detections WHERE track_id > 0'),
    };
  } finally {
    await node.close();
  }
}

test('a Redis restart mid-run loses no accepted job: the same rows as a run without it', async () => {
  const clean = await run('clean', inject('redisUrl'));
  const redis = await PersistentRedis.start(join(dir, 'redis'));
  try {
    const restarted = await run('restart', redis.url, async () => {
      await sleep(1500); // segments queued, some detected
      await redis.stop();
      await sleep(3000);
      await redis.restart();
    });
    expect(clean.segments).toBe(8);
    expect(restarted).toEqual(clean);
  } finally {
    await redis.stop();
  }
}, 180_000);
