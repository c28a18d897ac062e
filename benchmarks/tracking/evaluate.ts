/**
 * Tracker accuracy and cost on synthetic scenes: MOTA, IDF1 and ID switches per seed and fps, and
 * the time of one update with about 100 objects in view. "det." columns score against the objects the
 * detector reported (see {@link TrackerScores}); the others against every visible object.
 *
 *   node --import tsx benchmarks/tracking/evaluate.ts [--seeds 1,2,3] [--fps 2,5,10] [--duration 60]
 */
import { pathToFileURL } from 'node:url';
import { ByteTracker, type ByteTrackerOptions } from '../../pipeline/track/byte-tracker.ts';
import { type MotResult, motMetrics } from './metrics.ts';
import { type SceneOptions, type SyntheticScene, syntheticScene } from './synthetic-scene.ts';

export interface TrackerScores {
  /** Against every visible object: the detector's misses count as the tracker's. */
  all: MotResult;
  /**
   * Against the objects the detector reported in each frame: what the tracker itself loses or
   * confuses (a tracker that reports only detections cannot recover a missed one).
   */
  detected: MotResult;
}

/** Runs a fresh tracker over a scene and scores it against the scene's ground truth. */
export function evaluateTracker(scene: SyntheticScene, options: ByteTrackerOptions = {}): TrackerScores {
  const tracker = new ByteTracker(options);
  const outputs = scene.frames.map((f) =>
    tracker.update(f.detections, f.tsMs).map((d) => ({ id: d.trackId, box: d.box })),
  );
  return {
    all: motMetrics(scene.frames.map((f, i) => ({ truth: f.truth, hypotheses: outputs[i] }))),
    detected: motMetrics(
      scene.frames.map((f, i) => ({ truth: f.truth.filter((t) => t.detected), hypotheses: outputs[i] })),
    ),
  };
}

/** A dense scene (4K frame, 20 lanes) with about 100 vehicles in view. */
export function denseScene(seed: number, fps: number, durationS = 20): SyntheticScene {
  return syntheticScene({
    seed,
    fps,
    durationS,
    width: 3840,
    height: 2160,
    lanes: 20,
    arrivalsPerLanePerS: 3,
    minHeadwayS: 1,
  });
}

/** Mean ms per update over a dense scene (warm-up frames excluded), and mean objects in view. */
export function timeUpdates(scene: SyntheticScene, options: ByteTrackerOptions = {}) {
  const tracker = new ByteTracker(options);
  const warmup = Math.min(10, Math.floor(scene.frames.length / 2));
  let ms = 0;
  let objects = 0;
  for (const [i, f] of scene.frames.entries()) {
    const t0 = performance.now();
    tracker.update(f.detections, f.tsMs);
    const dt = performance.now() - t0;
    if (i >= warmup) {
      ms += dt;
      objects += f.truth.length;
    }
  }
  const n = scene.frames.length - warmup;
  return { msPerUpdate: ms / n, objects: objects / n };
}

function main(): void {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const seeds = arg('seeds', '1,2,3').split(',').map(Number);
  const fpsList = arg('fps', '2,3,5,10').split(',').map(Number);
  const durationS = Number(arg('duration', '60'));
  const rows: Record<string, string | number>[] = [];
  for (const fps of fpsList) {
    for (const seed of seeds) {
      const options: SceneOptions = { seed, fps, durationS };
      const scene = syntheticScene(options);
      const { all, detected } = evaluateTracker(scene);
      rows.push({
        fps,
        seed,
        vehicles: scene.vehicles,
        MOTA: all.mota.toFixed(3),
        IDF1: all.idf1.toFixed(3),
        IDSW: all.idSwitches,
        FP: all.fp,
        FN: all.fn,
        GT: all.gt,
        'MOTA det.': detected.mota.toFixed(3),
        'IDF1 det.': detected.idf1.toFixed(3),
        'FN det.': detected.fn,
      });
    }
  }
  console.table(rows);
  const timing = fpsList.map((fps) => {
    const { msPerUpdate, objects } = timeUpdates(denseScene(seeds[0], fps));
    return { fps, 'objects in view': objects.toFixed(0), 'ms per update': msPerUpdate.toFixed(3) };
  });
  console.table(timing);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
