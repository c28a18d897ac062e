import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import { createRedis } from '../../workers/redis-client.ts';
import { QUEUE } from '../../workers/redis-keys.ts';
import { RedisCluster } from '../helpers/redis-cluster.ts';
import { sampleRunRows } from '../helpers/sample-rows.ts';

// Redis Cluster, as operators run it: REDIS_URL=redis+cluster://…, the key prefix a hash tag; the
// rows must be exactly those of a run on a single Redis.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('on a Redis Cluster (prefix a hash tag): the same rows as on a single Redis', async () => {
  const single = await sampleRunRows({
    dir,
    name: 'single',
    redisUrl: inject('redisUrl'),
    env: { REDIS_URL: inject('redisUrl') },
  });
  const cluster = await RedisCluster.start(join(dir, 'redis'));
  try {
    const prefix = `{cluster${Date.now()}}`;
    const onCluster = await sampleRunRows({
      dir,
      name: 'cluster',
      redisUrl: cluster.url(),
      queuePrefix: prefix,
      env: { REDIS_URL: cluster.url() },
    });
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
