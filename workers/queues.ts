import type { ConnectionOptions, DefaultJobOptions } from 'bullmq';

/**
 * The job graph:
 *
 *   extract ──(frames file on this host)──▶ detect@<host> ──(results)──▶ track ──▶ store
 *
 * `live` (workers/live/) feeds live cameras into the same detect queues, segment by segment.
 * `extract` takes one job per source and cuts it into segments; each segment becomes one job on the
 * detect queue of the host that decoded it (frames never cross hosts); `store` is consumed by the
 * one process that owns ClickHouse writes. Job ids are segment keys, so adding a segment twice is a
 * no-op while the first is queued, and the store stage deduplicates beyond that.
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

export const QUEUE = {
  extract: 'extract',
  detect: (host: string) => `detect@${host}`,
  track: 'track',
  store: 'store',
  /**
   * Events and alerts (schemas/events.ts EventRecord, job id = eventId) from the rule engine and the
   * camera supervisors; the alert worker writes them to the `events` table, publishes them on Redis
   * pub/sub and delivers them to webhooks.
   */
  alerts: 'alerts',
  /**
   * One long-running job per live camera (job id `live-<cameraId>`): the worker holding its lock owns
   * the camera (workers/live/). A dead worker's lock expires and another worker takes the camera over.
   */
  live: 'live',
  /** camera_health rows from the live cameras' supervisors, written by the process that owns the store. */
  health: 'health',
} as const;

export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // Required by BullMQ workers: blocking commands must wait, not fail after N retries.
    maxRetriesPerRequest: null,
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

/** BullMQ job ids may not contain ':'; segment keys are made of ids, a file name and a number. */
export function jobId(key: string): string {
  return key.replace(/:/g, '_');
}
