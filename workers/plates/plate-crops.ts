import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeImage } from '../../pipeline/detect/annotate/write-image.ts';
import { cropResize } from '../../pipeline/plates/image-ops.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import type { StoreJob } from '../../schemas/jobs.ts';
import type { PlateRead } from '../../schemas/plates.ts';
import { safeName } from '../alerts/evidence-snapshot.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Plate crops, for cameras with `storeCrops: true`: the plate of each vote's best read (a little
 * wider than its box, at least 64 px tall) as a JPEG under `<dir>/<camera>/<YYYY-MM-DD>/`, named by
 * source, segment and track, so a retry writes the same file. Returns the reads with `crop` set.
 */
export async function writePlateCrops(
  dir: string,
  segment: Pick<StoreJob, 'cameraId' | 'sourceId' | 'segment' | 'frames'>,
  reads: readonly PlateRead[],
  pictures: readonly RgbFrame[],
  offset: { x: number; y: number },
): Promise<PlateRead[]> {
  const out: PlateRead[] = [];
  for (const r of reads) {
    const picture = pictures[segment.frames.findIndex((f) => f.tsMs === r.tsMs)];
    if (!picture) {
      out.push(r);
      continue;
    }
    const box = {
      x: r.box.x - offset.x - r.box.w * 0.1,
      y: r.box.y - offset.y - r.box.h * 0.2,
      w: r.box.w * 1.2,
      h: r.box.h * 1.4,
    };
    const k = Math.max(1, 64 / box.h);
    const w = Math.round(box.w * k);
    const h = Math.round(box.h * k);
    const folder = join(dir, safeName(segment.cameraId), new Date(r.tsMs).toISOString().slice(0, 10));
    await mkdir(folder, { recursive: true });
    const path = join(folder, `${safeName(segment.sourceId)}_${segment.segment}_${r.trackId}.jpg`);
    await writeImage({ data: cropResize(picture, box, w, h), width: w, height: h }, path, {
      format: 'jpeg',
      quality: 90,
    });
    out.push({ ...r, crop: path });
  }
  return out;
}

/**
 * Removes crop folders of days older than `days` (UTC) under `dir`: the crops' retention follows the
 * plate reads' TTL. Only `<dir>/<camera>/<YYYY-MM-DD>` folders are removed, nothing else.
 */
export async function sweepPlateCrops(dir: string, days: number, nowMs = Date.now()): Promise<number> {
  const cutoff = new Date(nowMs - days * 86_400_000).toISOString().slice(0, 10);
  let removed = 0;
  const cameras = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const cam of cameras) {
    if (!cam.isDirectory()) continue;
    for (const day of await readdir(join(dir, cam.name), { withFileTypes: true })) {
      if (day.isDirectory() && DAY.test(day.name) && day.name < cutoff) {
        await rm(join(dir, cam.name, day.name), { recursive: true, force: true });
        removed++;
      }
    }
  }
  return removed;
}
