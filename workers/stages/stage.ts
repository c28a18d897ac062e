import type { TSchema } from '@sinclair/typebox';
import {
  type ConnectionOptions,
  type DefaultJobOptions,
  DelayedError,
  type Job,
  Queue,
  UnrecoverableError,
  Worker,
  type WorkerOptions,
} from 'bullmq';
import { check, type ValidationIssue } from '../../schemas/validate.ts';
import type { Logger } from '../logger.ts';
import { LogThrottle } from './log-throttle.ts';

/** Where a stage runs: the Redis holding its queues (and their key prefix) and the log it writes. */
export interface StageRuntime {
  connection: ConnectionOptions;
  prefix: string;
  logger: Logger;
}

/** A queue a stage adds jobs to, with the options its jobs get. */
export interface StageOutput {
  queue: string;
  jobOptions?: DefaultJobOptions;
}

/** What a stage's `process` gets besides the payload: the job, its lock token and the output queues. */
export interface StageContext<T, K extends string> {
  job: Job<T>;
  token: string | undefined;
  outputs: Record<K, Queue>;
}

/** One stage of the job graph: what it consumes, how a payload is checked, and what it does with it. */
export interface StageSpec<T, R, K extends string = never> {
  /** The stage's name in log lines (`stage` field). */
  name: string;
  /** The queue it consumes. */
  queue: string;
  /** Every payload is checked against this before `process` sees it (defaults filled in). */
  schema: TSchema;
  concurrency: number;
  /** The queues it adds to, by the names `process` uses for them; opened and closed with the stage. */
  outputs?: Record<K, StageOutput>;
  /** The work on one valid payload. Throw to fail the attempt (UnrecoverableError: no retries). */
  process(data: T, ctx: StageContext<T, K>): Promise<R>;
  /** Fields that name a job in log lines (e.g. its segment key); only called on a valid payload. */
  describe?(data: T): Record<string, unknown>;
  /** The log message when a job has failed for good, e.g. 'segment failed detection'. */
  failedMessage?: string;
  /**
   * After a job with a valid payload has failed for good (its last attempt, or an
   * UnrecoverableError): record the loss, release what it held. Never called for an invalid
   * payload: nothing read from Redis is trusted (a path, an id) before it has been checked.
   */
  onFailed?(data: T, err: Error): Promise<void> | void;
  /**
   * Errors that mean something the stage needs is down (the store's server): the job waits,
   * delayed and backing off up to 30 s, without using one of its attempts, so an outage longer than
   * the retries loses nothing. One warning per outage, one line when it ends.
   */
  unavailable?(err: unknown): boolean;
  /** Called first on close, before the worker waits for its jobs: stop long-running work. */
  stopping?(): Promise<void> | void;
  /** Further BullMQ worker options (lock duration, stall checks) for long-running jobs. */
  worker?: Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency' | 'autorun'>;
}

/** A started stage: its BullMQ worker, and one close for the worker and every queue it opened. */
export interface RunningStage {
  readonly name: string;
  readonly worker: Worker;
  close(): Promise<void>;
}

/** A job whose payload does not match its stage's schema: failed at once, never retried. */
export class InvalidJobError extends UnrecoverableError {
  constructor(
    readonly stage: string,
    readonly jobId: string | undefined,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`${stage} job ${jobId}: ${issues.map((i) => `${i.key || '(root)'} ${i.message}`).join('; ')}`);
    this.name = 'InvalidJobError';
  }
}

/**
 * Starts one stage: the BullMQ worker skeleton every stage shares, so a stage file holds only what
 * is its own. The skeleton
 *   - checks each payload against the stage's schema (an invalid one fails at once, unretried);
 *   - opens the stage's output queues and closes them after the worker;
 *   - logs an attempt that will be retried (warn) and a job that failed for good (error), and then
 *     calls `onFailed` with the checked payload; a job handed back with DelayedError is neither;
 *   - logs worker errors (a lost Redis connection) instead of letting them crash the process, at
 *     most one line per 30 s (with the count left out).
 *
 *   queue ──▶ check(schema) ──▶ process(data, { job, outputs }) ──▶ outputs.next.add(...)
 *                 │ invalid            │ throws, last attempt
 *                 ▼                    ▼
 *            InvalidJobError      log error, onFailed(data, err)
 *
 * @example
 *   const stage = startStage(
 *     { connection, prefix: 'cityflow', logger },
 *     {
 *       name: 'store', queue: QUEUE.store, schema: StoreJob, concurrency: 1,
 *       process: async (job) => writer.write(job),
 *       describe: (job) => ({ segment: job.segmentKey }),
 *       onFailed: (job, err) => tracker.lost(job.sourceId, job.segment, err.message),
 *     },
 *   );
 *   await stage.close();
 */
export function startStage<T, R = unknown, K extends string = never>(
  runtime: StageRuntime,
  spec: StageSpec<T, R, K>,
): RunningStage {
  const { connection, prefix, logger } = runtime;
  const outputs = {} as Record<K, Queue>;
  for (const [key, out] of Object.entries(spec.outputs ?? {}) as [K, StageOutput][]) {
    outputs[key] = new Queue(out.queue, {
      connection,
      prefix,
      ...(out.jobOptions ? { defaultJobOptions: out.jobOptions } : {}),
    });
  }
  const outage = new Outage(runtime, spec.name);
  const worker = new Worker<T, R>(
    spec.queue,
    async (job, token) => {
      const issues = check(spec.schema, job.data);
      if (issues.length) throw new InvalidJobError(spec.name, job.id, issues);
      try {
        const result = await spec.process(job.data, { job, token, outputs });
        outage.over();
        return result;
      } catch (e) {
        if (e instanceof DelayedError || !spec.unavailable?.(e)) throw e;
        await job.moveToDelayed(Date.now() + outage.wait(e), token);
        throw new DelayedError(`${spec.name} job ${job.id} waits: ${(e as Error).message}`);
      }
    },
    { ...spec.worker, connection, prefix, concurrency: spec.concurrency },
  );
  worker.on('failed', (job, err) => {
    if (job) void failed(runtime, spec, job, err);
  });
  // A lost Redis raises the same error many times a second: one line per 30 s, with a count.
  const errors = new LogThrottle(30_000);
  worker.on('error', (err) =>
    errors.log((suppressed) =>
      logger.error({ stage: spec.name, err, ...(suppressed ? { suppressed } : {}) }, 'worker error'),
    ),
  );
  return {
    name: spec.name,
    worker,
    async close() {
      await spec.stopping?.();
      await worker.close();
      await Promise.all(Object.values<Queue>(outputs).map((q) => q.close()));
    },
  };
}

async function failed<T, R, K extends string>(
  { logger }: StageRuntime,
  spec: StageSpec<T, R, K>,
  job: Job<T>,
  err: Error,
): Promise<void> {
  if (err instanceof DelayedError) return;
  const valid = check(spec.schema, job.data).length === 0;
  const fields = {
    stage: spec.name,
    job: job.id,
    ...(valid && spec.describe ? spec.describe(job.data) : {}),
    attempt: job.attemptsMade,
    err,
  };
  const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
  if (!final) {
    logger.warn(fields, `${spec.name}: attempt failed; will retry`);
    return;
  }
  logger.error(fields, spec.failedMessage ?? `${spec.name} job failed`);
  if (!valid || !spec.onFailed) return;
  try {
    await spec.onFailed(job.data, err);
  } catch (e) {
    logger.error({ stage: spec.name, job: job.id, err: e }, 'recording the failure failed');
  }
}

/**
 * A stage's view of an outage of something it needs: how long the next job waits (1 s, doubling to
 * 30 s), and a log line when it starts and when it ends.
 */
class Outage {
  private failures = 0;

  constructor(
    private readonly runtime: StageRuntime,
    private readonly stage: string,
  ) {}

  wait(err: unknown): number {
    if (this.failures === 0) {
      this.runtime.logger.warn(
        { stage: this.stage, err },
        `${this.stage}: unavailable; jobs wait until it is back`,
      );
    }
    this.failures++;
    return outageDelayMs(this.failures);
  }

  over(): void {
    if (this.failures === 0) return;
    this.runtime.logger.warn(
      { stage: this.stage, failures: this.failures },
      `${this.stage}: available again`,
    );
    this.failures = 0;
  }
}

/** How long to wait after the n-th failure in a row to reach something needed: 1 s, doubling to 30 s. */
export function outageDelayMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(5, Math.max(0, failures - 1)));
}
