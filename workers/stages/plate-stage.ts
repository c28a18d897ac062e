import { existsSync } from 'node:fs';
import type { ConnectionOptions } from 'bullmq';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import type { PlateFinder } from '../../pipeline/plates/plate-finder.ts';
import { PlateModels } from '../../pipeline/plates/plate-models.ts';
import { type HashRotation, plateHasher, readSegmentPlates } from '../../pipeline/plates/segment-plates.ts';
import type { EventRecord } from '../../schemas/events.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { type StoreJob, StoreJob as StoreJobSchema } from '../../schemas/jobs.ts';
import type { PlateRead } from '../../schemas/plates.ts';
import type { Logger } from '../logger.ts';
import { sweepPlateCrops, writePlateCrops } from '../plates/plate-crops.ts';
import { type WatchHitOptions, watchHits } from '../plates/watch-hits.ts';
import type { WatchlistStore } from '../plates/watchlist-store.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobOptions } from '../queues.ts';
import { jobId, QUEUE } from '../redis-keys.ts';
import { type RunningStage, startStage } from './stage.ts';

export interface PlateStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  host: string;
  frameFiles: FrameFiles;
  tracker: SourceTracker;
  /** The secret of plate hashes (workers/plates/plate-key.ts) and how often its derived key changes. */
  hashKey: string;
  hashRotation: HashRotation;
  /** The watch list and how hits become alerts (workers/plates/watch-hits.ts). */
  watchlist: WatchlistStore;
  watch: WatchHitOptions;
  /** Where plate crops go for cameras that store them, and how many days they are kept. */
  cropsDir: string;
  cropRetentionDays: number;
  concurrency: number;
  attempts: number;
  logger: Logger;
}

/**
 * Reads licence plates on a tracked segment of a camera that reads plates, then sends the segment
 * on to store with its plate reads:
 *
 *   track ──▶ plates@<host> ──▶ store          (host: where the segment's source-resolution frames are)
 *
 * Counts come first: when the plates cannot be read (the frames are gone, a model fails) the segment
 * is stored without them and the reason logged. The frames file is removed once the segment is sent.
 * The plate models load on the first segment; each camera's settings (grammar, confidence, its own
 * plate detector) apply to its segments.
 */
export function startPlateStage(o: PlateStageOptions): RunningStage {
  // The models load on the first segment, once for all cameras.
  let models: Promise<PlateModels> | null = null;
  const open = () => {
    models ??= PlateModels.open();
    return models;
  };
  const hash = plateHasher(o.hashKey, o.hashRotation);
  const sweeper = startCropSweep(o);
  const stage = startStage<StoreJob, { plates: number }, 'store'>(o, {
    name: 'plates',
    queue: QUEUE.plates(o.host),
    schema: StoreJobSchema,
    concurrency: o.concurrency,
    outputs: { store: { queue: QUEUE.store, jobOptions: jobOptions(o.attempts) } },
    async process(data, { outputs }) {
      const { plates: request, ...segment } = data;
      let plateReads: PlateRead[] = [];
      let hits: EventRecord[] = [];
      if (request) {
        try {
          const read = await readPlates(
            o,
            request,
            data,
            async () => (await open()).finderFor(request.config),
            hash,
          );
          plateReads = request.config.storeCrops
            ? await writePlateCrops(o.cropsDir, data, read.reads, read.pictures, request.offset).catch(
                (err) => {
                  o.logger.warn(
                    { stage: 'plates', segment: data.segmentKey, err },
                    'plate crops not written',
                  );
                  return read.reads;
                },
              )
            : read.reads;
          const entries = plateReads.length ? await o.watchlist.current() : [];
          hits = await watchHits(o.watch, data, plateReads, entries, read.pictures, request.offset);
        } catch (err) {
          o.logger.error(
            { stage: 'plates', segment: data.segmentKey, err },
            'plates not read; segment stored without them',
          );
        }
      }
      const events = [...(segment.events ?? []), ...hits];
      await outputs.store.add(
        'store',
        { ...segment, ...(plateReads.length ? { plateReads } : {}), ...(events.length ? { events } : {}) },
        { jobId: jobId(data.segmentKey) },
      );
      if (request && o.frameFiles.owns(request.framesFile)) await o.frameFiles.remove(request.framesFile);
      return { plates: plateReads.length };
    },
    describe: (data) => ({ segment: data.segmentKey }),
    failedMessage: 'segment failed the plate stage',
    async onFailed(data, err) {
      const file = data.plates?.framesFile;
      if (file && o.frameFiles.owns(file)) await o.frameFiles.remove(file).catch(() => {});
      await o.tracker.lost(data.sourceId, data.segment, `plates: ${err.message}`);
    },
  });
  return {
    ...stage,
    async close() {
      clearInterval(sweeper);
      await stage.close();
      if (models) await (await models).close();
    },
  };
}

async function readPlates(
  o: PlateStageOptions,
  request: NonNullable<StoreJob['plates']>,
  data: StoreJob,
  finder: () => Promise<PlateFinder>,
  hash: (plate: string, tsMs: number) => string,
): Promise<{ reads: PlateRead[]; pictures: RgbFrame[] }> {
  // A path read from a job is only read when it is a frames file of this host's folder.
  if (request.host !== o.host || !o.frameFiles.owns(request.framesFile) || !existsSync(request.framesFile)) {
    throw new Error(
      `source-resolution frames ${request.framesFile} of host ${request.host} are not here (${o.host})`,
    );
  }
  if (request.count !== data.frames.length) {
    throw new Error(`${request.count} source-resolution frames for ${data.frames.length} frames`);
  }
  const { frames: pictures } = await o.frameFiles.read(request.framesFile, {
    count: request.count,
    width: request.width,
    height: request.height,
    scale: 1,
  });
  const reads = await readSegmentPlates(await finder(), {
    frames: data.frames,
    pictures,
    offset: request.offset,
    config: request.config,
    hash,
  });
  return { reads, pictures };
}

/** Crops follow the plate reads' retention: day folders past it go, checked now and hourly. */
function startCropSweep(o: PlateStageOptions): NodeJS.Timeout {
  const sweep = () =>
    sweepPlateCrops(o.cropsDir, o.cropRetentionDays).catch((err) =>
      o.logger.warn({ stage: 'plates', err }, 'plate crop sweep failed'),
    );
  void sweep();
  const timer = setInterval(sweep, 3600_000);
  timer.unref();
  return timer;
}
