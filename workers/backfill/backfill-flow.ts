import { type ConnectionOptions, FlowProducer, Queue } from 'bullmq';
import { BackfillFileJob, type ExtractJob } from '../../schemas/jobs.ts';
import type { Logger } from '../logger.ts';
import { type SourceState, SourceTracker } from '../progress/source-tracker.ts';
import { jobId, QUEUE } from '../redis-keys.ts';
import { type RunningStage, startStage } from '../stages/stage.ts';

/** What a finished file's parent job returns. */
export interface BackfillFileResult {
  sourceId: string;
  segments: number;
  frames: number;
  detections: number;
}

export interface BackfillFlowOptions {
  connection: ConnectionOptions;
  prefix: string;
  tracker: SourceTracker;
  logger: Logger;
  /** How often a parent looks at its file's progress. */
  pollMs?: number;
}

export type ParentStatus =
  | { state: 'running' }
  | { state: 'completed'; result: BackfillFileResult }
  | { state: 'failed'; reason: string };

/**
 * A backfill as a BullMQ flow: one parent job per file on the `backfill` queue, whose child is the
 * file's ordinary `extract` job, so the existing stages do all the work (extract → detect@host →
 * track → store) on whichever workers serve those queues:
 *
 *   backfill: file a.mp4 ──child──▶ extract: a.mp4 ──▶ detect@host ──▶ track ──▶ store
 *   backfill: file b.mp4 ──child──▶ extract: b.mp4 ──▶ …
 *
 * BullMQ moves a parent to its queue when its child has completed; the parent's processor then
 * waits until every segment the extractor emitted is stored (or lost) and returns the file's totals.
 * A child that fails (unreadable, corrupt) fails its parent (`failParentOnFailure`), with the
 * extractor's reason in the source's progress record; the other files' flows go on.
 *
 * Job ids carry the run id: an earlier run's failed jobs (kept a week for inspection) must not make
 * BullMQ ignore this run's as duplicates.
 *
 * @example
 *   const flow = BackfillFlow.start({ connection, prefix: 'cityflow', tracker, logger });
 *   const parentId = await flow.submit({ file, sourceId }, extractJob, 'run-1');
 *   for (;;) { const s = await flow.status(parentId); if (s.state !== 'running') break; await sleep(250); }
 *   await flow.close();
 */
export class BackfillFlow {
  private constructor(
    private readonly producer: FlowProducer,
    private readonly parents: Queue<BackfillFileJob, BackfillFileResult>,
    private readonly parentStage: RunningStage,
    private readonly tracker: SourceTracker,
  ) {}

  static start(o: BackfillFlowOptions): BackfillFlow {
    const pollMs = o.pollMs ?? 200;
    const producer = new FlowProducer({ connection: o.connection, prefix: o.prefix });
    const parents = new Queue<BackfillFileJob, BackfillFileResult>(QUEUE.backfill, {
      connection: o.connection,
      prefix: o.prefix,
    });
    let closing = false;
    const stage = startStage<BackfillFileJob, BackfillFileResult>(o, {
      name: 'backfill',
      queue: QUEUE.backfill,
      schema: BackfillFileJob,
      // Parents only wait: many may wait at once without using a core.
      concurrency: 256,
      async process(file) {
        // The child (extraction) is done; its segments may still be in detect, track or store.
        let s: SourceState = await o.tracker.state(file.sourceId);
        while (!SourceTracker.finished(s)) {
          if (closing) throw new Error('backfill stopped before the file was stored');
          await new Promise((r) => setTimeout(r, pollMs));
          s = await o.tracker.state(file.sourceId);
        }
        if (s.error) throw new Error(s.error);
        if (s.lost) throw new Error(`${file.file}: ${s.lost} segment(s) lost (see the logs)`);
        return {
          sourceId: s.sourceId,
          segments: s.stored,
          frames: s.framesStored,
          detections: s.detectionsStored,
        };
      },
      describe: (file) => ({ file: file.file }),
      failedMessage: 'file not backfilled',
      stopping() {
        closing = true;
      },
    });
    return new BackfillFlow(producer, parents, stage, o.tracker);
  }

  /** Queues a file: its parent and its extract child. Returns the parent's job id. */
  async submit(file: BackfillFileJob, extract: ExtractJob, runId: string): Promise<string> {
    const id = `${jobId(file.sourceId)}@${runId}`;
    await this.tracker.queued(file.sourceId);
    await this.producer.add({
      name: 'file',
      queueName: QUEUE.backfill,
      data: file,
      opts: {
        jobId: id,
        attempts: 1,
        // Kept a while: the command reads the result after BullMQ has completed the job.
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
      children: [
        {
          name: 'extract',
          queueName: QUEUE.extract,
          data: extract,
          opts: {
            jobId: id,
            attempts: 2,
            backoff: { type: 'exponential', delay: 1000 },
            failParentOnFailure: true,
            removeOnComplete: true,
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        },
      ],
    });
    return id;
  }

  /** The parent's state: still running, completed with the file's totals, or failed with a reason. */
  async status(parentId: string): Promise<ParentStatus> {
    const job = await this.parents.getJob(parentId);
    if (!job) return { state: 'failed', reason: `backfill job ${parentId} disappeared from Redis` };
    const state = await job.getState();
    if (state === 'completed') return { state: 'completed', result: job.returnvalue };
    if (state === 'failed') return { state: 'failed', reason: job.failedReason };
    return { state: 'running' };
  }

  async close(): Promise<void> {
    await this.parentStage.close();
    await this.producer.close();
    await this.parents.close();
  }
}
