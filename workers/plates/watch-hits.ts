import { drawDetections } from '../../pipeline/detect/annotate/draw.ts';
import { writeImage } from '../../pipeline/detect/annotate/write-image.ts';
import { cropResize } from '../../pipeline/plates/image-ops.ts';
import { maskPlate, matchWatchlist } from '../../pipeline/plates/watchlist.ts';
import type { EventRecord } from '../../schemas/events.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import type { StoreJob } from '../../schemas/jobs.ts';
import type { PlateRead, WatchlistEntry } from '../../schemas/plates.ts';
import { evidencePath } from '../alerts/evidence-snapshot.ts';
import type { RedisClient } from '../redis-client.ts';
import { redisKeys } from '../redis-keys.ts';

export interface WatchHitOptions {
  redis: RedisClient;
  prefix: string;
  /** One alert per watch-list entry and vehicle (plate hash) in this long, across cameras. */
  cooldownMs: number;
  /** Where evidence JPEGs go (`<dir>/<camera>/<day>/<eventId>.jpg`); null: none. */
  snapshotsDir: string | null;
}

/**
 * Watch-list hits among a segment's plate reads, as `plate_watchlist` events for the alert path.
 * A vehicle driven past several cameras raises one alert per entry while the cool-down lasts (a
 * Redis key per entry and plate hash, set with NX); a retried segment raises its own alert again
 * (same event id, so the alert path keeps one). The message shows the plate masked; the raw plate
 * is for the plates role (API), with the entry id in the details.
 */
export async function watchHits(
  o: WatchHitOptions,
  segment: Pick<StoreJob, 'segmentKey' | 'cameraId' | 'sourceId' | 'segment' | 'frames'>,
  reads: readonly PlateRead[],
  entries: readonly WatchlistEntry[],
  pictures: readonly RgbFrame[],
  offset: { x: number; y: number },
): Promise<EventRecord[]> {
  const events: EventRecord[] = [];
  for (const read of reads) {
    const hit = matchWatchlist(read.plate, entries, read.tsMs);
    if (!hit) continue;
    const key = redisKeys(o.prefix).plateWatchHit(hit.entry.id, read.plateHash);
    const set = await o.redis.set(key, segment.segmentKey, 'PX', o.cooldownMs, 'NX');
    if (set !== 'OK' && (await o.redis.get(key)) !== segment.segmentKey) continue;
    const eventId = `plate-${hit.entry.id}-${read.plateHash.slice(0, 16)}-${segment.segmentKey}`;
    const event: EventRecord = {
      eventId,
      cameraId: segment.cameraId,
      tsMs: read.tsMs,
      startedMs: read.tsMs,
      type: 'plate_watchlist',
      ruleId: `watchlist:${hit.entry.id}`,
      zoneId: '',
      severity: hit.entry.severity ?? 'warning',
      value: hit.distance,
      trackIds: [read.trackId],
      message:
        `watch-listed plate ${maskPlate(read.plate)} (${hit.entry.reason})` +
        (hit.distance ? `, read ${hit.distance} character(s) off` : ''),
      snapshot: '',
      details: {
        entryId: hit.entry.id,
        plateHash: read.plateHash,
        confidence: read.confidence,
        vehicleClass: read.vehicleClass,
      },
      sourceId: segment.sourceId,
      segment: segment.segment,
    };
    const frame = segment.frames.findIndex((f) => f.tsMs === read.tsMs);
    const picture = pictures[frame];
    events.push(
      o.snapshotsDir && picture
        ? { ...event, snapshot: await evidence(o.snapshotsDir, event, read, picture, offset) }
        : event,
    );
  }
  return events;
}

/** A JPEG of the vehicle around its plate (the plate boxed), from the source-resolution frame. */
async function evidence(
  dir: string,
  e: EventRecord,
  read: PlateRead,
  picture: RgbFrame,
  offset: { x: number; y: number },
): Promise<string> {
  const b = read.box;
  const w = Math.min(picture.width, b.w * 6);
  const h = Math.min(picture.height, b.h * 12);
  const x = Math.max(0, Math.min(picture.width - w, b.x - offset.x + b.w / 2 - w / 2));
  const y = Math.max(0, Math.min(picture.height - h, b.y - offset.y + b.h / 2 - h * 0.7));
  const img = {
    data: cropResize(picture, { x, y, w, h }, Math.round(w), Math.round(h)),
    width: Math.round(w),
    height: Math.round(h),
  };
  drawDetections(
    img,
    [
      {
        cls: 'car',
        score: read.confidence,
        box: { x: b.x - offset.x - x, y: b.y - offset.y - y, w: b.w, h: b.h },
      },
    ],
    {
      label: () => `watch list ${e.ruleId.replace('watchlist:', '')}`,
      colour: () => [255, 40, 40],
    },
  );
  const path = await evidencePath(dir, e);
  await writeImage(img, path, { format: 'jpeg', quality: 85 });
  return path;
}
