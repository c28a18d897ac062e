import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { STAGES } from '../../workers/queues.ts';
import { createRedis } from '../../workers/redis-client.ts';
import { QUEUE } from '../../workers/redis-keys.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { RedisCluster } from '../helpers/redis-cluster.ts';

// Redis Cluster, as operators run it: REDIS_URL=redis+cluster://…, the key prefix a hash tag; the
// rows must be exactly those of a run on a single Redis.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recent = new Date(Date.now() - 3600_000).toISOString();

async function run(name: string, redisUrl: string, queuePrefix: string) {
  const cfg = normaliseConfig(
    { dataDir: join(dir, name), host: `h-${name}`, queuePrefix, extract: { fps: 2, segmentSeconds: 5 } },
    join(dir, `${name}.yaml`),
    { REDIS_URL: redisUrl },
  );
  const node = await PipelineNode.start({ config: cfg, redisUrl, stages: STAGES });
  try {
    const src = await node.submitFile({ id: 'cam-c', source: SAMPLE, startTime: recent });
    const [state] = await node.waitFor([src.sourceId]);
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
      crossings: await count('line_crossings'),
    };
  } finally {
    await node.close();
  }
}

test('on a Redis Cluster (prefix a hash tag): the same rows as on a single Redis', async () => {
  const single = await run('single', inject('redisUrl'), `single${Date.now()}`);
  const cluster = await RedisCluster.start(join(dir, 'redis'));
  try {
    const prefix = `{cluster${Date.now()}}`;
    const onCluster = await run('cluster', cluster.url(), prefix);
    expect(single.segments).toBe(8);
    expect(onCluster).toEqual(single);
    // The work went through the Cluster: its queues' keys are there, on the slot of the hash tag.
    const client = createRedis(cluster.url());
    try {
      expect(await client.exists(`${prefix}:${QUEUE.extract}:meta`)).toBe(1);
      expect(await client.exists(`${prefix}:${QUEUE.store}:meta`)).toBe(1);
    } finally {
      client.disconnect();
    }
  } finally {
    await cluster.stop();
  }
}, 240_000);

test('a Cluster address with a prefix that is not a hash tag, or without nodes, is refused, naming it', () => {
  expect(() =>
    normaliseConfig({ queuePrefix: 'cityflow' }, join(dir, 'c.yaml'), {
      REDIS_URL: 'redis+cluster://127.0.0.1:7000',
    }),
  ).toThrow(
    /c\.yaml: queuePrefix: with a Redis Cluster \(redis\+cluster:\/\/\) the prefix must be a hash tag, e\.g\. "\{cityflow\}"/,
  );
  expect(() => createRedis('redis+cluster://')).toThrow(/REDIS_URL: not a redis\+cluster:\/\/host:port/);
});
