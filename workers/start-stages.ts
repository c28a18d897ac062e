import { join } from 'node:path';
import type { ConnectionOptions } from 'bullmq';
import type { DetectorPool } from '../pipeline/detect/detector-pool.ts';
import { resolveModel } from '../pipeline/detect/detector-spec.ts';
import { weakBox } from '../pipeline/detect/track-threshold.ts';
import { FrameFiles } from '../pipeline/frames/frame-files.ts';
import type { ClickHouseHandle } from '../pipeline/store/open-clickhouse.ts';
import { SegmentWriter } from '../pipeline/store/segment-writer.ts';
import type { Config } from '../schemas/config.ts';
import { startAlertStage } from './alerts/alert-stage.ts';
import type { CameraRegistry } from './live/camera-registry.ts';
import { startHealthStore } from './live/health-store.ts';
import type { Logger } from './logger.ts';
import { plateHashKey } from './plates/plate-key.ts';
import { WatchlistStore } from './plates/watchlist-store.ts';
import type { SourceTracker } from './progress/source-tracker.ts';
import type { Stage } from './queues.ts';
import type { RedisClient } from './redis-client.ts';
import { startDetectStage } from './stages/detect-stage.ts';
import { startExtractStage } from './stages/extract-stage.ts';
import { startLiveStage } from './stages/live-stage.ts';
import { startPlateStage } from './stages/plate-stage.ts';
import type { RunningStage } from './stages/stage.ts';
import { startStoreStage } from './stages/store-stage.ts';
import { startTrackStage } from './stages/track-stage.ts';

/** What a node has opened that its stages run on. */
export interface NodeParts {
  config: Config;
  redisUrl: string;
  /** BullMQ's connection (options, or the node's Cluster client). */
  connection: ConnectionOptions;
  redis: RedisClient;
  host: string;
  tracker: SourceTracker;
  registry: CameraRegistry;
  clickhouse: ClickHouseHandle | null;
  detector: DetectorPool | null;
  logger: Logger;
}

/**
 * Starts the stages a node runs, each on the parts it needs (the store stages where the store is
 * open, detect where the detector is), and returns their closers, upstream first: closing in
 * that order means nothing is produced for a stage already closed.
 */
export function startStages(stages: readonly Stage[], parts: NodeParts): Array<() => Promise<void>> {
  const cfg = parts.config;
  const common: Common = {
    connection: parts.connection,
    prefix: cfg.queuePrefix,
    tracker: parts.tracker,
    logger: parts.logger,
    attempts: cfg.queues.attempts,
  };
  const frameFiles = new FrameFiles(cfg.framesDir ?? join(cfg.dataDir, 'frames', parts.host));
  // Frames are scaled to fit the configured model's input (extract and detect hosts share the config).
  const frameBox = resolveModel(cfg.detector.model, cfg.models).input;
  const started: Closable[] = [];
  if (stages.includes('store') && parts.clickhouse)
    started.push(...storeSide(parts, parts.clickhouse, common));
  if (stages.includes('track') && cfg.tracking.enabled) started.push(trackStage(parts, common, frameFiles));
  if (stages.includes('detect') && parts.detector) {
    started.push(
      startDetectStage({
        ...common,
        host: parts.host,
        detector: parts.detector,
        tracking: cfg.tracking.enabled,
        frameFiles,
        keepFramesForEvidence: cfg.alerts.snapshots && cfg.rules.length > 0,
        concurrency: cfg.queues.detectConcurrency,
      }),
    );
  }
  // The plate stage runs beside detection: the source-resolution frames lie on this host.
  if (stages.includes('detect') && cfg.tracking.enabled && cfg.cameras.some((c) => c.plates)) {
    started.push(
      startPlateStage({
        ...common,
        host: parts.host,
        frameFiles,
        hashKey: plateHashKey(cfg.dataDir),
        hashRotation: cfg.plateHashRotation,
        cropsDir: join(cfg.dataDir, 'plate-crops'),
        cropRetentionDays: cfg.plateRetentionDays,
        watchlist: new WatchlistStore(parts.redis, cfg.queuePrefix),
        watch: {
          redis: parts.redis,
          prefix: cfg.queuePrefix,
          cooldownMs: 30 * 60_000,
          snapshotsDir: cfg.alerts.snapshots
            ? (cfg.alerts.snapshotsDir ?? join(cfg.dataDir, 'evidence'))
            : null,
        },
        concurrency: 1,
      }),
    );
  }
  if (stages.includes('live')) {
    const live = { host: parts.host, redis: parts.redis, registry: parts.registry, frameFiles, frameBox };
    started.push(
      startLiveStage({ ...common, ...live, config: cfg, maxStoreBacklog: cfg.queues.maxStoreBacklog }),
    );
  }
  if (stages.includes('extract')) {
    started.push(
      startExtractStage({
        ...common,
        host: parts.host,
        frameFiles,
        frameBox,
        maxPendingSegments: cfg.queues.maxPendingSegments,
        maxStoreBacklog: cfg.queues.maxStoreBacklog,
        concurrency: cfg.queues.extractConcurrency,
      }),
    );
  }
  // Close in reverse order of start: upstream first, so nothing is produced for a closed stage.
  return started.reverse().map((s) => () => s.close());
}

/** A started stage (the alert path is two). */
type Closable = { close(): Promise<void> };

/** What every stage gets: its Redis, key prefix, progress tracker, log and attempts per job. */
interface Common {
  connection: ConnectionOptions;
  prefix: string;
  tracker: SourceTracker;
  logger: Logger;
  attempts: number;
}

/**
 * The stages that write the store, in the one process that owns it: segments, the alert path (it
 * writes the events table) and the camera health rows from the live supervisors, wherever they run.
 */
function storeSide(parts: NodeParts, clickhouse: ClickHouseHandle, common: Common): Closable[] {
  const cfg = parts.config;
  const runtime = { connection: common.connection, prefix: common.prefix, logger: common.logger };
  const store = startStoreStage({
    ...common,
    writer: new SegmentWriter(clickhouse.client),
    concurrency: cfg.queues.storeConcurrency,
  });
  const alerts = startAlertStage({
    ...runtime,
    redis: parts.redis,
    clickhouse: clickhouse.client,
    alerts: cfg.alerts,
  });
  const health = startHealthStore({ ...runtime, client: clickhouse.client });
  return [store, alerts, health];
}

function trackStage(parts: NodeParts, common: Common, frameFiles: FrameFiles): RunningStage {
  const cfg = parts.config;
  return startTrackStage({
    ...common,
    redis: parts.redis,
    weak: weakBox(resolveModel(cfg.detector.model, cfg.models)),
    trackerOptions: {
      highThreshold: cfg.tracking.highThreshold,
      newTrackThreshold: cfg.tracking.newTrackThreshold,
      minHits: cfg.tracking.minHits,
      lostTtlMs: cfg.tracking.lostTtlMs,
      lostFrames: cfg.tracking.lostFrames,
    },
    measures: cfg.measures,
    rules: cfg.rules,
    host: parts.host,
    frameFiles,
    snapshotsDir: cfg.alerts.snapshots ? (cfg.alerts.snapshotsDir ?? join(cfg.dataDir, 'evidence')) : null,
    concurrency: cfg.queues.trackConcurrency,
  });
}
