import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { DetectorPool } from '../pipeline/detect/detector-pool.ts';
import { resolveModel } from '../pipeline/detect/detector-spec.ts';
import { trackingSpec } from '../pipeline/detect/track-threshold.ts';
import { probeSource } from '../pipeline/extract/probe-source.ts';
import { fileSourceId, fileStartTime } from '../pipeline/sources/source-identity.ts';
import type { ClickHouseHandle } from '../pipeline/store/open-clickhouse.ts';
import type { CameraConfig, Config } from '../schemas/config.ts';
import type { ExtractJob, LiveCameraJob } from '../schemas/jobs.ts';
import { RAW_RETENTION_DAYS } from '../schemas/retention.ts';
import { knownSourceId } from './backfill/store-queries.ts';
import { registerCameras } from './cameras/register-cameras.ts';
import { extractJobFor } from './extract-job.ts';
import { CameraRegistry } from './live/camera-registry.ts';
import { logger as defaultLogger, type Logger } from './logger.ts';
import { openStore, openStoreWhenReachable } from './open-store.ts';
import { type SourceState, SourceTracker } from './progress/source-tracker.ts';
import { jobOptions, type Stage } from './queues.ts';
import { bullConnection, createRedis, type RedisClient } from './redis-client.ts';
import { jobId, QUEUE } from './redis-keys.ts';
import { startStages } from './start-stages.ts';

export interface PipelineNodeOptions {
  config: Config;
  redisUrl: string;
  /** The stages this process runs. The one that runs 'store' owns ClickHouse. */
  stages: readonly Stage[];
  logger?: Logger;
  /**
   * Wait for a ClickHouse server that does not answer at start instead of failing (a worker
   * started, or restarted, during a store outage). Default: fail at once.
   */
  waitForStore?: boolean;
}

export interface SubmittedSource {
  sourceId: string;
  cameraId: string;
  uri: string;
}

/**
 * One process of the pipeline: the BullMQ workers of the stages it was asked to run, and what they
 * need (the detector for 'detect', ClickHouse for 'store'). Several nodes on several hosts share one
 * Redis; a local deployment runs every stage in one node (workers/start-stages.ts starts them).
 *
 * @example
 *   const node = await PipelineNode.start({ config, redisUrl, stages: ['extract', 'detect', 'track', 'store'] });
 *   const src = await node.submitFile({ id: 'cam-1', source: 'samples/residential-street.mp4' });
 *   const [state] = await node.waitFor([src.sourceId]);
 *   await node.close();
 */
export class PipelineNode {
  readonly host: string;
  private closers: Array<() => Promise<void>> = [];
  /** The desired live cameras (rtsp/http sources), shared by every node on this Redis. */
  readonly liveCameras: CameraRegistry;
  private readonly liveQueue: Queue<LiveCameraJob>;

  private constructor(
    readonly config: Config,
    readonly redis: RedisClient,
    readonly tracker: SourceTracker,
    readonly extractQueue: Queue<ExtractJob>,
    readonly clickhouse: ClickHouseHandle | null,
    readonly detector: DetectorPool | null,
  ) {
    this.host = config.host ?? hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    this.liveQueue = new Queue<LiveCameraJob>(QUEUE.live, {
      connection: extractQueue.opts.connection,
      prefix: config.queuePrefix,
    });
    this.liveCameras = new CameraRegistry(redis, this.liveQueue, config.queuePrefix);
  }

  /**
   * Waits (at most timeoutMs) until the alerts queue is empty: the events raised so far are in the
   * `events` table and published. For runs that end, before they report.
   */
  async drainAlerts(timeoutMs: number): Promise<void> {
    const q = new Queue(QUEUE.alerts, {
      connection: this.extractQueue.opts.connection,
      prefix: this.config.queuePrefix,
    });
    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        if (Object.values(c).every((n) => n === 0)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await q.close();
    }
  }

  static async start(o: PipelineNodeOptions): Promise<PipelineNode> {
    const cfg = o.config;
    const log = o.logger ?? defaultLogger;
    // One BullMQ connection for the node's queues and stages; with a Cluster, one Cluster client.
    const connection = bullConnection(o.redisUrl);
    const redis = createRedis(o.redisUrl);
    // ioredis reconnects by itself (BullMQ's connections too); say so once per outage, not per retry.
    let unreachable = false;
    redis.on('error', (err) => {
      if (!unreachable) log.warn({ err: err.message }, 'redis unreachable; reconnecting');
      unreachable = true;
    });
    redis.on('ready', () => {
      if (unreachable) log.warn('redis reachable again');
      unreachable = false;
    });
    const tracker = new SourceTracker(redis, cfg.queuePrefix);
    const extractQueue = new Queue<ExtractJob>(QUEUE.extract, {
      connection,
      prefix: cfg.queuePrefix,
      defaultJobOptions: jobOptions(cfg.queues.attempts),
    });

    const { clickhouse, detector } = await openStoreAndDetector(cfg, o, log).catch(async (e) => {
      // Nothing started yet holds these: close them, or their reconnecting keeps the process alive.
      await extractQueue.close().catch(() => {});
      redis.disconnect();
      if (connection instanceof Cluster) connection.disconnect();
      throw e;
    });
    const node = new PipelineNode(cfg, redis, tracker, extractQueue, clickhouse, detector);
    node.closers = startStages(o.stages, {
      config: cfg,
      redisUrl: o.redisUrl,
      connection,
      redis,
      host: node.host,
      tracker,
      registry: node.liveCameras,
      clickhouse,
      detector,
      logger: log,
    });
    return node;
  }

  /**
   * Records the cameras in the `cameras` table (store nodes only) and returns them as the pipeline
   * must run them, with the scenes set through the API (workers/cameras/register-cameras.ts).
   */
  async registerCameras(cameras: readonly CameraConfig[]): Promise<CameraConfig[]> {
    return this.clickhouse ? registerCameras(this.clickhouse.client, cameras) : [...cameras];
  }

  /** Queues a file for extraction; returns at once. Unreadable files fail here with a SourceError. */
  async submitFile(cam: CameraConfig): Promise<SubmittedSource> {
    // A renamed or moved copy of a stored recording goes on under the id it was stored with.
    const named = await fileSourceId(cam.id, cam.source);
    const sourceId = this.clickhouse ? await knownSourceId(this.clickhouse.client, named) : named;
    // The container's creation time matters only without an explicit start time (the extract stage
    // probes the file again anyway, so this is skipped when it can be).
    const createdAtMs = cam.startTime ? null : (await probeSource(cam.source)).createdAtMs;
    const startTimeMs = await fileStartTime(cam.source, cam.startTime, createdAtMs);
    const oldest = Date.now() - RAW_RETENTION_DAYS * 86_400_000;
    if (startTimeMs < oldest) {
      const origin = cam.startTime
        ? 'its configured startTime'
        : createdAtMs
          ? "its container's creation time"
          : 'its modification time';
      throw new Error(
        `${cam.source}: starts at ${new Date(startTimeMs).toISOString()} (${origin}), older than the ${RAW_RETENTION_DAYS}-day ` +
          'retention of the raw tables, so ClickHouse would drop its rows on insert; give the camera a startTime ' +
          '(wall time of its first frame) or raise the TTL with a migration',
      );
    }
    await this.tracker.queued(sourceId);
    await this.extractQueue.add(
      'extract',
      extractJobFor(this.config, cam, { sourceId, uri: cam.source, startTimeMs }),
      { jobId: jobId(sourceId), attempts: 2 },
    );
    return { sourceId, cameraId: cam.id, uri: cam.source };
  }

  /** Resolves when every source is finished: extraction ended and each emitted segment stored or lost. */
  async waitFor(sourceIds: string[], onProgress?: (states: SourceState[]) => void): Promise<SourceState[]> {
    for (;;) {
      const states = await Promise.all(sourceIds.map((id) => this.tracker.state(id)));
      onProgress?.(states);
      if (states.every(SourceTracker.finished)) return states;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    for (const c of this.closers) await c();
    await this.extractQueue.close();
    await this.liveQueue.close();
    await this.detector?.close();
    await this.clickhouse?.close();
    this.redis.disconnect();
    // A Cluster client given to BullMQ is the node's to close (BullMQ closes only what it opened).
    const bull = this.extractQueue.opts.connection;
    if (bull instanceof Cluster) bull.disconnect();
  }
}

/**
 * The store (for 'store') and the detector (for 'detect'), opened together: the detector loads in
 * its own threads while this one opens the store and applies migrations. If one fails, the other is
 * closed before the error goes on.
 */
async function openStoreAndDetector(
  cfg: Config,
  { stages, waitForStore }: Pick<PipelineNodeOptions, 'stages' | 'waitForStore'>,
  log: Logger,
): Promise<{ clickhouse: ClickHouseHandle | null; detector: DetectorPool | null }> {
  const store = async () => {
    if (!stages.includes('store')) return null;
    const s = await (waitForStore ? openStoreWhenReachable(cfg, log) : openStore(cfg));
    if (s.applied.length) log.info({ applied: s.applied }, 'applied ClickHouse migrations');
    return s;
  };
  const detect = async () => {
    if (!stages.includes('detect')) return null;
    // In worker threads: inference blocks its thread, and this one must keep decoding and storing.
    // With tracking on, weak boxes too (trackThreshold): the track stage keeps those a track takes.
    const declared = resolveModel(cfg.detector.model, cfg.models);
    const spec = cfg.tracking.enabled ? trackingSpec(declared) : declared;
    return DetectorPool.create(
      { name: cfg.detector.model, spec, threads: cfg.detector.threads },
      {
        instances: cfg.detector.instances,
        batchSize: cfg.detector.batchSize,
        maxWaitMs: cfg.detector.maxWaitMs,
      },
    );
  };
  const [s, d] = await Promise.allSettled([store(), detect()]);
  if (s.status === 'fulfilled' && d.status === 'fulfilled') return { clickhouse: s.value, detector: d.value };
  await Promise.allSettled([
    s.status === 'fulfilled' ? s.value?.close() : undefined,
    d.status === 'fulfilled' ? d.value?.close() : undefined,
  ]);
  throw s.status === 'rejected' ? s.reason : (d as PromiseRejectedResult).reason;
}
