import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { STAGES } from '../../workers/queues.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { SentinelRedis } from '../helpers/sentinel-redis.ts';
import { until } from '../helpers/until.ts';

// Redis behind Sentinel, as operators run it: REDIS_URL=redis+sentinel://…; the rows must be exactly
// those of a run on a single Redis, also through a failover mid-run (SENTINEL FAILOVER: the replica
// is promoted, the old master demoted, and every connection follows the new master by name). An
// unplanned failover can still lose the master's last milliseconds of writes: replication is
// asynchronous, and that is not what this test shows.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-sentinel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recent = new Date(Date.now() - 3600_000).toISOString();

async function run(name: string, redisUrl: string, during?: () => Promise<void>) {
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
    const src = await node.submitFile({ id: 'cam-s', source: SAMPLE, startTime: recent });
    const meanwhile = during?.();
    const [state] = await node.waitFor([src.sourceId]);
    await meanwhile;
    const ch = (node.clickhouse as ClickHouseHandle).client;
    const count = async (table: string) => {
      const rs = await ch.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
      return Number((await rs.json<{ n: string }>())[0].n);
    };
    return {
      lost: state.lost,
      segments: await count('segments'),
      detections: await count('detections'),
      tracked: await count('detections WHERE track_id > 0'),
    };
  } finally {
    await node.close();
  }
}

test('through Sentinel (the master found by name): the same rows as on a single Redis', async () => {
  const single = await run('single', inject('redisUrl'));
  const sentinel = await SentinelRedis.start(join(dir, 'redis'));
  try {
    const viaSentinel = await run('sentinel', sentinel.url());
    expect(single.segments).toBe(8);
    expect(viaSentinel).toEqual(single);
    // Again, with a failover 3 s into the run (the sample takes about 10 s here).
    const first = await sentinel.masterPort();
    const failedOver = await run('failover', sentinel.url(), async () => {
      await new Promise((r) => setTimeout(r, 3000));
      await sentinel.failover();
      await until(
        'the replica to be the master',
        async () => (await sentinel.masterPort()) !== first,
        10_000,
        100,
      );
    });
    expect(await sentinel.masterPort()).not.toBe(first);
    expect(failedOver).toEqual(single);
  } finally {
    await sentinel.stop();
  }
}, 240_000);
