import { Cluster, Redis } from 'ioredis';
import { redisConnection } from './queues.ts';

/** A connection to the deployment's Redis: one server (or a Sentinel-named master), or a Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * REDIS_URL for a Redis Cluster: any of its nodes, comma-separated; the client learns the others.
 *   redis+cluster://[user:password@]host:port[,host:port…]
 */
const CLUSTER_URL = /^redis\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/?$/;

export const isClusterUrl = (url: string) => url.startsWith('redis+cluster://');

function cluster(url: string): Cluster {
  const m = CLUSTER_URL.exec(url);
  if (!m) throw new Error(`REDIS_URL: not a redis+cluster://host:port[,host:port…] address: ${url}`);
  const [, user, pass, hosts] = m;
  const nodes = hosts.split(',').map((h) => {
    const [host, port] = h.split(':');
    return { host, port: Number(port || 6379) };
  });
  return new Cluster(nodes, {
    redisOptions: {
      username: user || undefined,
      password: pass ? decodeURIComponent(pass) : undefined,
      // Blocking commands of BullMQ workers must wait, not fail after N retries.
      maxRetriesPerRequest: null,
    },
  });
}

/**
 * A new connection for cityflow's own commands (and for BullMQ, which takes it as its connection).
 * With a Cluster, every key cityflow uses must hash to one slot: the queue prefix is then a hash
 * tag such as `{cityflow}` (checked when the configuration loads).
 *
 * @example
 *   const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 */
export function createRedis(url: string): RedisClient {
  return isClusterUrl(url) ? cluster(url) : new Redis(redisConnection(url));
}

/**
 * What BullMQ's `connection` option gets: options for one server (each Queue and Worker opens its
 * own connections from them), or a Cluster instance (BullMQ duplicates it where it needs its own).
 */
export function bullConnection(url: string): ReturnType<typeof redisConnection> | Cluster {
  return isClusterUrl(url) ? cluster(url) : redisConnection(url);
}
