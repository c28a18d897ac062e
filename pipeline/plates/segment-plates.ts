import { createHmac } from 'node:crypto';
import type { Box } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import type { FrameResult } from '../../schemas/jobs.ts';
import type { PlateRead, PlatesConfig } from '../../schemas/plates.ts';
import { cropResize } from './image-ops.ts';
import type { FoundPlate, PlateFinder } from './plate-finder.ts';
import { PlateVote } from './plate-vote.ts';

/** One look at a tracked vehicle worth reading: frame index in the segment, track, class, box. */
export interface PlateShot {
  frame: number;
  trackId: number;
  cls: FrameResult['detections'][number]['cls'];
  box: Box;
}

/**
 * Which vehicles to read in a segment: tracked (track id > 0) vehicles of the configured classes,
 * at least minVehicleHeight tall, the largest views of each track first, at most maxReadsPerTrack,
 * skipping a view where the vehicle has barely moved since a chosen one (a stationary repeat: the
 * same pixels read twice add cost, not evidence).
 */
export function selectPlateShots(frames: readonly FrameResult[], config: PlatesConfig): PlateShot[] {
  const byTrack = new Map<number, PlateShot[]>();
  frames.forEach((f, frame) => {
    for (const d of f.detections) {
      if (!d.trackId || !config.classes.includes(d.cls) || d.box.h < config.minVehicleHeight) continue;
      const list = byTrack.get(d.trackId) ?? [];
      list.push({ frame, trackId: d.trackId, cls: d.cls, box: d.box });
      byTrack.set(d.trackId, list);
    }
  });
  const shots: PlateShot[] = [];
  for (const list of byTrack.values()) {
    const chosen: PlateShot[] = [];
    for (const s of [...list].sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h)) {
      if (chosen.length >= config.maxReadsPerTrack) break;
      if (chosen.some((c) => moved(c.box, s.box) < 0.05)) continue;
      chosen.push(s);
    }
    shots.push(...chosen);
  }
  return shots.sort((a, b) => a.frame - b.frame || a.trackId - b.trackId);
}

/** Centre displacement relative to the box height. */
function moved(a: Box, b: Box): number {
  const dx = a.x + a.w / 2 - (b.x + b.w / 2);
  const dy = a.y + a.h / 2 - (b.y + b.h / 2);
  return Math.hypot(dx, dy) / Math.max(1, a.h);
}

/** Vehicle crops are upscaled until their long side is about this, so small plates reach the locator. */
const CROP_TARGET = 640;

export interface SegmentPlatesInput {
  frames: readonly FrameResult[];
  /** Source-resolution pictures, one per frame (same order); `offset`: where they start in the source. */
  pictures: readonly RgbFrame[];
  offset: { x: number; y: number };
  config: PlatesConfig;
  /** Keyed hash of a plate at a time, for matching without raw text (see plateHasher). */
  hash: (plate: string, tsMs: number) => string;
}

/**
 * Reads the plates of a segment's tracked vehicles: the chosen views are cut from the
 * source-resolution frames (a little wider than the vehicle's box, upscaled when small), searched
 * and read, and each track's reads are voted into one PlateRead. Boxes are in source pixels.
 */
export async function readSegmentPlates(
  finder: PlateFinder,
  input: SegmentPlatesInput,
): Promise<PlateRead[]> {
  const votes = new Map<number, { vote: PlateVote; best: FoundPlate; shot: PlateShot; tsMs: number }>();
  for (const shot of selectPlateShots(input.frames, input.config)) {
    const picture = input.pictures[shot.frame];
    if (!picture) continue;
    for (const p of await platesInShot(finder, picture, shot, input.offset)) {
      if (p.box.h < input.config.minPlateHeight) continue;
      const entry = votes.get(shot.trackId);
      // Per character, so the vote weighs each position by how sure the reader was of it.
      const charConfidence =
        p.charConfidence.length === p.text.length ? p.charConfidence : [...p.text].map(() => p.confidence);
      if (!entry) {
        const vote = new PlateVote();
        vote.add({ text: p.text, charConfidence });
        votes.set(shot.trackId, { vote, best: p, shot, tsMs: input.frames[shot.frame].tsMs });
      } else {
        entry.vote.add({ text: p.text, charConfidence });
        if (p.confidence > entry.best.confidence)
          Object.assign(entry, { best: p, shot, tsMs: input.frames[shot.frame].tsMs });
      }
    }
  }
  const out: PlateRead[] = [];
  for (const [trackId, { vote, best, shot, tsMs }] of votes) {
    const v = vote.verdict();
    if (!v) continue;
    out.push({
      trackId,
      tsMs,
      plate: v.text,
      plateHash: input.hash(v.text, tsMs),
      display: v.text === best.text ? best.display : v.text,
      confidence: v.confidence,
      reads: v.reads,
      agreeing: v.agreeing,
      layout: best.layout,
      country: best.country,
      vehicleClass: shot.cls,
      box: best.box,
    });
  }
  return out.sort((a, b) => a.trackId - b.trackId);
}

/** The vehicle's plate in one view (the most confident read of the crop), its box in source pixels. */
export async function platesInShot(
  finder: PlateFinder,
  picture: RgbFrame,
  shot: Pick<PlateShot, 'box'>,
  offset: { x: number; y: number },
): Promise<FoundPlate[]> {
  const b = shot.box;
  // Frame pixels: the box grown by 10 % each side (plates sit at the vehicle's edge), clipped.
  const x0 = Math.max(0, b.x - offset.x - 0.1 * b.w);
  const y0 = Math.max(0, b.y - offset.y - 0.1 * b.h);
  const x1 = Math.min(picture.width, b.x - offset.x + 1.1 * b.w);
  const y1 = Math.min(picture.height, b.y - offset.y + 1.1 * b.h);
  if (x1 - x0 < 8 || y1 - y0 < 8) return [];
  const k = Math.max(1, Math.min(4, CROP_TARGET / Math.max(x1 - x0, y1 - y0)));
  const w = Math.round((x1 - x0) * k);
  const h = Math.round((y1 - y0) * k);
  const crop = {
    data: cropResize(picture, { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, w, h),
    width: w,
    height: h,
  };
  const found = await finder.find(crop);
  // Only the vehicle's own plate counts: one read per view, the most confident.
  const mine = found.sort((p, q) => q.confidence - p.confidence).slice(0, 1);
  return mine.map((p) => ({
    ...p,
    box: { x: p.box.x / k + x0 + offset.x, y: p.box.y / k + y0 + offset.y, w: p.box.w / k, h: p.box.h / k },
  }));
}

/** How often the plate-hash key changes: hashes of different periods do not match. */
export type HashRotation = 'never' | 'month' | 'week' | 'day';

/**
 * The keyed hash used to match plates across cameras without raw text: HMAC-SHA256, hex. The key of
 * each rotation period is derived from the deployment's secret and the period (`2026-12`, the ISO
 * week `2026-W49`, or the day), so the same plate hashes alike on every camera within a period and
 * differently in the next: hashes alone cannot follow a vehicle for longer than a period. A trip
 * that crosses a period boundary does not match (travel times lose those few).
 *
 * @example
 *   const hash = plateHasher(process.env.CITYFLOW_PLATE_KEY!, 'month');
 *   hash('51F12345', Date.parse('2026-12-01T08:00:00Z')); // 64 hex digits, the same all December
 */
export function plateHasher(
  key: string,
  rotation: HashRotation = 'month',
): (plate: string, tsMs: number) => string {
  if (key.length < 16) throw new RangeError('the plate hash key must be at least 16 characters');
  const keys = new Map<string, Buffer>();
  return (plate, tsMs) => {
    const period = hashPeriod(tsMs, rotation);
    let k = keys.get(period);
    if (!k) {
      k = createHmac('sha256', key).update(`cityflow-plate-hash:${period}`).digest();
      keys.set(period, k);
    }
    return createHmac('sha256', k).update(plate).digest('hex');
  };
}

/** The rotation period of a time: '' (never), `YYYY-MM`, `YYYY-Www` (ISO week) or `YYYY-MM-DD`, UTC. */
export function hashPeriod(tsMs: number, rotation: HashRotation): string {
  const iso = new Date(tsMs).toISOString();
  if (rotation === 'never') return '';
  if (rotation === 'month') return iso.slice(0, 7);
  if (rotation === 'day') return iso.slice(0, 10);
  // ISO week: the week belongs to the year of its Thursday.
  const d = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
