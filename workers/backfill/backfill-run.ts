import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import type { Config } from '../../schemas/config.ts';
import { resolveRedis } from '../local/local-mode.ts';
import { RedisWatchdog, withinDeadline } from '../local/redis-watchdog.ts';
import { serveStore } from '../local/store-owner.ts';
import { logger } from '../logger.ts';
import { PipelineNode } from '../pipeline-node.ts';
import { STAGES } from '../queues.ts';
import { BackfillFlow } from './backfill-flow.ts';
import { BackfillProgress } from './backfill-progress.ts';

/**
 * What a `cityflow backfill` runs on, started in order and closed in reverse: Redis (a private
 * local one unless REDIS_URL), a pipeline node with every stage, the embedded store served to
 * `cityflow query` meanwhile, the backfill flow, a watchdog on Redis and the progress view.
 *
 * Ctrl-C or a TERM stops the decoders, closes the store and the private Redis, and says how to go
 * on (without this, Node would exit at once and leave the local redis-server running). Each part
 * gets a few seconds to close: with Redis gone, closing queues would wait for it forever.
 *
 * @example
 *   const run = await BackfillRun.start(config, 'lines', 2);
 *   try { await run.flow.submit(file, extractJob, runId); } finally { await run.close(); }
 */
export class BackfillRun {
  private readonly closers: Array<() => Promise<unknown>> = [];
  private readonly onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\n${sig}: backfill stopped; run the same command again to resume\n`);
    void this.closeAll().then(() => process.exit(130));
  };
  node!: PipelineNode;
  ch!: ClickHouseHandle;
  flow!: BackfillFlow;
  progress!: BackfillProgress;
  private watchdog!: RedisWatchdog;

  private constructor() {}

  static async start(cfg: Config, view: 'bars' | 'lines', fps: number): Promise<BackfillRun> {
    const run = new BackfillRun();
    const redis = await resolveRedis(cfg);
    run.closers.push(() => redis.stop());
    // Set up first: starting (model loads, probes) takes seconds too.
    process.once('SIGINT', run.onSignal);
    process.once('SIGTERM', run.onSignal);
    try {
      await run.startParts(cfg, redis.url, view, fps);
    } catch (e) {
      await run.close();
      throw e;
    }
    return run;
  }

  /** The node, the store's owner service, the flow and the progress view, each closed by close(). */
  private async startParts(
    cfg: Config,
    redisUrl: string,
    view: 'bars' | 'lines',
    fps: number,
  ): Promise<void> {
    this.node = await PipelineNode.start({ config: cfg, redisUrl, stages: STAGES });
    this.closers.unshift(() => this.node.close());
    this.watchdog = new RedisWatchdog(this.node.redis, redisUrl, cfg.queues.redisLostAfterS * 1000);
    this.closers.unshift(async () => this.watchdog.stop());
    this.ch = this.node.clickhouse as ClickHouseHandle; // a node running 'store' has it open
    const owner = this.ch.mode === 'embedded' ? await serveStore(this.ch.client, cfg.dataDir) : null;
    if (owner) this.closers.unshift(() => owner.close());
    this.flow = BackfillFlow.start({
      connection: this.node.extractQueue.opts.connection,
      prefix: cfg.queuePrefix,
      tracker: this.node.tracker,
      logger,
    });
    this.closers.unshift(() => this.flow.close());
    this.progress = new BackfillProgress(view, fps);
    this.closers.unshift(async () => this.progress.stop());
  }

  /** Waits for p, unless Redis is lost first (then a RedisUnavailableError). */
  orLost<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.watchdog.lost]);
  }

  async close(): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    await this.closeAll();
  }

  private async closeAll(): Promise<void> {
    for (const close of this.closers) await withinDeadline(close, 3000);
  }
}
