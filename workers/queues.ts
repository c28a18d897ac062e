import type { DefaultJobOptions, Queue } from 'bullmq';
import type { RedisOptions } from 'ioredis';

/**
 * The stages a node can run (`--stages`); queue names and Redis keys are in redis-keys.ts.
 */
export const STAGES = ['extract', 'detect', 'track', 'store', 'live'] as const;
export type Stage = (typeof STAGES)[number];

/** Parses a `--stages extract,detect` option. */
export function parseStages(list: string): Stage[] {
  const stages = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = stages.filter((s) => !(STAGES as readonly string[]).includes(s));
  if (bad.length || !stages.length) {
    throw new Error(
      `--stages: unknown stage(s) "${bad.join(', ') || list}"; choose from ${STAGES.join(', ')}`,
    );
  }
  return stages as Stage[];
}

/**
 * Connection options (for ioredis and BullMQ) from a REDIS_URL:
 *   redis://[user:password@]host[:port][/db]         one Redis (rediss:// with TLS)
 *   redis+sentinel://[user:password@]host:port[,host:port…]/<master>[/db]
 *                                                    the master a set of Sentinels names, followed
 *                                                    across failovers (the password is the data
 *                                                    nodes' and the Sentinels')
 *
 * @example
 *   new Redis(redisConnection('redis+sentinel://s1:26379,s2:26379/cityflow'));
 */
export function redisConnection(url: string): RedisOptions {
  // Blocking commands of BullMQ workers must wait, not fail after N retries.
  const common = { maxRetriesPerRequest: null };
  const sentinel = /^redis\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)\/([^/?#]+)(?:\/(\d+))?$/.exec(
    url,
  );
  if (sentinel) {
    const [, user, pass, hosts, name, db] = sentinel;
    const password = pass ? decodeURIComponent(pass) : undefined;
    return {
      ...common,
      sentinels: hosts.split(',').map((h) => {
        const [host, port] = h.split(':');
        return { host, port: Number(port || 26379) };
      }),
      name: decodeURIComponent(name),
      username: user || undefined,
      password,
      sentinelPassword: password,
      db: db ? Number(db) : 0,
      // A demoted master answers READONLY until the client moves to the new one.
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
    };
  }
  const u = new URL(url);
  return {
    ...common,
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

export function jobOptions(attempts: number): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 1000 },
    // Finished jobs go; results live in ClickHouse. Failed ones stay a week for inspection.
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * Options for alert and webhook jobs: finished jobs are kept a day, so the same event id added
 * again (a retried segment, a supervisor restarting) is recognised and not published or delivered twice.
 */
export function alertJobOptions(attempts: number): DefaultJobOptions {
  return { ...jobOptions(attempts), removeOnComplete: { age: 24 * 3600, count: 100_000 } };
}

/** Jobs a queue holds that are not finished (waiting, delayed, …, and active when asked). */
export async function pending(queue: Queue, ...also: 'active'[]): Promise<number> {
  const c = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'paused', ...also);
  return Object.values(c).reduce((a, b) => a + b, 0);
}
