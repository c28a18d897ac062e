import { CameraAnalytics } from '../../pipeline/analytics/camera-analytics.ts';
import type { LineCrossing } from '../../schemas/measures.ts';
import {
  HIGHWAY_LINE,
  type HighwayScene,
  highwayCalibration,
  highwayScene,
} from '../synthetic/highway-scene.ts';
import { allowedError, type CountRow } from './eval-counts.ts';
import { markdownTable } from './markdown-table.ts';

/** The tracker settings of the product's defaults (schemas/config.ts). */
const TRACKER = { highThreshold: 0.4, newTrackThreshold: 0.4, minHits: 2, lostTtlMs: 1500, lostFrames: 4 };

/**
 * One run of the synthetic highway (benchmarks/synthetic/highway-scene.ts: 5 lanes towards the
 * camera, or with `away` leaving it, 80-120 km/h, platoons, a fifth motorbikes filtering between
 * lanes, detector misses) through the product's analytics chain (CameraAnalytics: riders,
 * ByteTracker, SceneMeasurer's LineZone and speeds from the camera's exact ground calibration), with
 * the motion the detect stage measures simulated on each detection (or none: `motion` false). No
 * video is rendered, so the decoder, detector and block matching are not part of this figure; the
 * real clips are (eval-counts.ts).
 */
export function highwayRun(seed: number, fps: number, motion = true, away = false, calibrated = true) {
  const scene = highwayScene({ seed, fps, durationS: 60, motion, away });
  const analytics = new CameraAnalytics(
    'synthetic',
    {
      lines: [HIGHWAY_LINE],
      zones: [],
      inertiaFrames: 1,
      ...(calibrated ? { calibration: highwayCalibration() } : {}),
    },
    { tracker: TRACKER },
  );
  // In 10 s segments, as the track stage gets them (the default extract.segmentSeconds): each is
  // looked ahead at before its frames go through (analyseSegment).
  const crossings: LineCrossing[] = [];
  for (let segment = 0; segment * SEGMENT_MS <= (scene.frames.at(-1)?.tsMs ?? 0); segment++) {
    const frames = scene.frames.filter((f) => Math.floor(f.tsMs / SEGMENT_MS) === segment);
    analytics.lookAhead(frames.map((f) => f.detections));
    for (const f of frames)
      crossings.push(...analytics.update(f.detections, f.tsMs, { sourceId: 'synthetic', segment }).crossings);
  }
  // The scene ends as a file does: what waited on a vanished track counts (as in backfill).
  crossings.push(...analytics.finish().crossings);
  return { scene, crossings };
}

const SEGMENT_MS = 10_000;

const sceneName = (seed: number, motion: boolean, away: boolean, calibrated = true) =>
  `highway${away ? ' away' : ''} seed ${seed}${motion ? '' : ' (no motion)'}${calibrated ? '' : ' uncalibrated'}`;

/**
 * Line counts per direction and class on the synthetic highway (highwayRun), against the scene's
 * true crossings.
 *
 * @example
 *   const rows = syntheticCounts([1, 2, 3], [2, 5], true);
 *   const leaving = syntheticCounts([1, 2, 3], [2, 5], true, true); // traffic driving away
 *   const bare = syntheticCounts([1], [2], true, false, false); // a camera nobody calibrated
 */
export function syntheticCounts(
  seeds: number[],
  rates: number[],
  motion = true,
  away = false,
  calibrated = true,
): CountRow[] {
  const rows: CountRow[] = [];
  for (const seed of seeds) {
    for (const fps of rates) {
      const { scene, crossings } = highwayRun(seed, fps, motion, away, calibrated);
      rows.push(...countRows(sceneName(seed, motion, away, calibrated), fps, scene, crossings));
    }
  }
  return rows;
}

function countRows(clip: string, fps: number, scene: HighwayScene, crossings: LineCrossing[]): CountRow[] {
  const rows: CountRow[] = [];
  const counted = new Map<string, number>();
  for (const c of crossings) {
    const key = `${c.direction} ${c.cls}`;
    counted.set(key, (counted.get(key) ?? 0) + 1);
  }
  const truthTotal = Object.values(scene.crossings).reduce((a, b) => a + (b ?? 0), 0);
  const count = (direction: string, cls?: string) =>
    [...counted]
      .filter(([k]) => k.startsWith(`${direction} `) && (!cls || k.endsWith(` ${cls}`)))
      .reduce((a, [, n]) => a + n, 0);
  for (const direction of ['positive', 'negative']) {
    const truth = direction === scene.direction ? truthTotal : 0;
    rows.push({
      clip,
      fps,
      direction,
      class: 'all',
      truth,
      counted: count(direction),
      allowed: allowedError(truth, fps),
    });
  }
  for (const [cls, truth] of Object.entries(scene.crossings)) {
    rows.push({
      clip,
      fps,
      direction: scene.direction,
      class: cls,
      truth: truth ?? 0,
      counted: count(scene.direction, cls),
      allowed: null,
    });
  }
  return rows;
}

/** Speeds at the line for one class (or `all`): how many counted crossings have one, and their mean against the truth's. */
export interface SpeedRow {
  clip: string;
  fps: number;
  class: string;
  counted: number;
  withSpeed: number;
  meanKmh: number | null;
  trueMeanKmh: number;
}

/**
 * Ground speeds stored with the counted crossings on the synthetic highway (highwayRun), per class,
 * against the true speeds of the vehicles that crossed: what a 15-minute report's mean speed rests on.
 *
 * @example
 *   const rows = syntheticSpeeds([1, 2, 3], [2, 5], true); // traffic driving away
 */
export function syntheticSpeeds(seeds: number[], rates: number[], away = false): SpeedRow[] {
  const rows: SpeedRow[] = [];
  for (const seed of seeds) {
    for (const fps of rates) {
      const { scene, crossings } = highwayRun(seed, fps, true, away);
      const every = Object.values(scene.speedsKmh).flat();
      for (const [cls, truth] of [...Object.entries(scene.speedsKmh), ['all', every] as const]) {
        const got = crossings.filter((c) => c.cls === cls || cls === 'all');
        const speeds = got.flatMap((c) => (c.speedKmh == null ? [] : [c.speedKmh]));
        rows.push({
          clip: sceneName(seed, true, away),
          fps,
          class: cls,
          counted: got.length,
          withSpeed: speeds.length,
          meanKmh: speeds.length ? mean(speeds) : null,
          trueMeanKmh: mean(truth ?? []),
        });
      }
    }
  }
  return rows;
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

/** The speed rows as a Markdown table. */
export function formatSpeedRows(rows: SpeedRow[]): string {
  const head = ['scene', 'fps', 'class', 'counted', 'with a speed', 'mean km/h', 'true mean', 'error'];
  const body = rows.map((r) => [
    r.clip,
    String(r.fps),
    r.class,
    String(r.counted),
    String(r.withSpeed),
    r.meanKmh === null ? '—' : r.meanKmh.toFixed(1),
    r.trueMeanKmh.toFixed(1),
    r.meanKmh === null ? '—' : `${((r.meanKmh / r.trueMeanKmh - 1) * 100).toFixed(1)} %`,
  ]);
  return markdownTable(head, body, [0, 2]);
}
