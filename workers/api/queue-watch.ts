import { Queue, QueueEvents } from 'bullmq';
import { Cluster } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import { bullConnection, type RedisClient } from '../redis-client.ts';
import { QUEUE, redisKeys } from '../redis-keys.ts';

export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
  'paused',
] as const;

export interface QueueStatus {
  name: string;
  counts: Record<string, number>;
  workers: number;
  /** Age of the oldest job waiting to be taken, seconds (0: none waiting): the queue's lag. */
  oldestWaitingS: number;
}

/**
 * The pipeline's BullMQ queues as the API sees them: depth per state (for /metrics and the status
 * endpoint), the workers attached, and per-stage throughput (jobs completed and failed, counted from
 * each queue's event stream while the API runs; Prometheus' rate() turns them into jobs/s).
 *
 * Queue names are discovered in Redis (`<prefix>:<name>:meta`), because the detect queues are named
 * per host (`detect@<host>`) and hosts come and go.
 */
export class QueueWatch {
  private queues = new Map<string, Queue>();
  private events = new Map<string, QueueEvents>();
  private readonly completed: Counter<'queue'>;
  private readonly failed: Counter<'queue'>;
  private lastDiscovery = 0;
  private connection: ReturnType<typeof bullConnection> | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly redisUrl: string,
    readonly prefix: string,
    registry: Registry,
  ) {
    this.completed = new Counter({
      name: 'cityflow_stage_jobs_completed_total',
      help: 'jobs completed per queue (stage) since the API started',
      labelNames: ['queue'],
      registers: [registry],
    });
    this.failed = new Counter({
      name: 'cityflow_stage_jobs_failed_total',
      help: 'job attempts failed per queue (stage) since the API started',
      labelNames: ['queue'],
      registers: [registry],
    });
    const watch = this;
    new Gauge({
      name: 'cityflow_queue_jobs',
      help: 'jobs per queue and state (queue depth: waiting + active + delayed)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        for (const q of await watch.status()) {
          for (const [state, n] of Object.entries(q.counts)) this.set({ queue: q.name, state }, n);
        }
      },
    });
    new Gauge({
      name: 'cityflow_queue_oldest_waiting_seconds',
      help: 'age of the oldest job waiting to be taken per queue (the lag of that stage; 0: none waiting)',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        for (const q of await watch.status()) this.set({ queue: q.name }, q.oldestWaitingS);
      },
    });
    new Gauge({
      name: 'cityflow_queue_workers',
      help: 'workers connected per queue',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        for (const q of await watch.status()) this.set({ queue: q.name }, q.workers);
      },
    });
  }

  /** Queue names: the fixed stages plus every queue found in Redis under the prefix. */
  async discover(): Promise<string[]> {
    if (Date.now() - this.lastDiscovery > 10_000) {
      this.lastDiscovery = Date.now();
      const found = new Set<string>([QUEUE.extract, QUEUE.track, QUEUE.store, QUEUE.alerts]);
      // A Cluster's keys are spread over its masters: each is scanned.
      const nodes = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(
            cursor,
            'MATCH',
            redisKeys(this.prefix).queueMetas,
            'COUNT',
            500,
          );
          cursor = next;
          for (const k of keys) found.add(k.slice(this.prefix.length + 1, -':meta'.length));
        } while (cursor !== '0');
      }
      for (const name of found) this.watch(name);
    }
    return [...this.queues.keys()].sort();
  }

  async status(): Promise<QueueStatus[]> {
    const names = await this.discover();
    return Promise.all(
      names.map(async (name) => {
        const q = this.queues.get(name) as Queue;
        const [counts, workers, oldest] = await Promise.all([
          q.getJobCounts(...JOB_STATES),
          q.getWorkersCount(),
          q.getJobs(['wait', 'prioritized'], 0, 0, true), // asc: the oldest first
        ]);
        const since = oldest[0]?.timestamp;
        const oldestWaitingS = since ? Math.max(0, Math.round((Date.now() - since) / 100) / 10) : 0;
        return { name, counts, workers, oldestWaitingS };
      }),
    );
  }

  /** The Queue objects (for Bull Board). */
  async all(): Promise<Queue[]> {
    await this.discover();
    return [...this.queues.values()];
  }

  private watch(name: string): void {
    if (this.queues.has(name)) return;
    // Options make a connection per Queue; a Cluster client is shared by all (and closed here).
    this.connection ??= bullConnection(this.redisUrl);
    const connection = this.connection;
    this.queues.set(name, new Queue(name, { connection, prefix: this.prefix }));
    const ev = new QueueEvents(name, { connection, prefix: this.prefix });
    ev.on('completed', () => this.completed.inc({ queue: name }));
    ev.on('failed', () => this.failed.inc({ queue: name }));
    ev.on('error', () => {}); // a Redis hiccup: QueueEvents reconnects by itself
    this.events.set(name, ev);
  }

  async close(): Promise<void> {
    await Promise.all([...this.events.values()].map((e) => e.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    if (this.connection instanceof Cluster) this.connection.disconnect();
  }
}
