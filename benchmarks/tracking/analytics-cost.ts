import { resolve } from 'node:path';
import { HIGHWAY_LINE, highwayScene } from '../synthetic/highway-scene.ts';

/**
 * What the analytics chain (riders, ByteTracker, SceneMeasurer with one line) costs per analysed
 * frame on the synthetic highway (seeds 1-3, 2 and 5 fps, towards the camera: 15-25 vehicles in
 * view), five passes. CITYFLOW_ROOT times another checkout's pipeline on the same scenes (before and
 * after figures; run them alternately on an idle machine).
 *
 *   node --import tsx benchmarks/tracking/analytics-cost.ts
 *   CITYFLOW_ROOT=/tmp/before node --import tsx benchmarks/tracking/analytics-cost.ts
 */
const root = resolve(process.env.CITYFLOW_ROOT ?? new URL('../..', import.meta.url).pathname);
const { CameraAnalytics } = (await import(
  `${root}/pipeline/analytics/camera-analytics.ts`
)) as typeof import('../../pipeline/analytics/camera-analytics.ts');
const TRACKER = { highThreshold: 0.4, newTrackThreshold: 0.4, minHits: 2, lostTtlMs: 1500, lostFrames: 4 };
const scenes = [1, 2, 3].flatMap((seed) => [2, 5].map((fps) => highwayScene({ seed, fps, durationS: 60 })));
let frames = 0;
let ms = 0;
for (let pass = 0; pass < 5; pass++) {
  for (const s of scenes) {
    const scene = { lines: [HIGHWAY_LINE], zones: [], inertiaFrames: 1 };
    const a = new CameraAnalytics('s', scene, { tracker: TRACKER });
    const t0 = performance.now();
    for (const f of s.frames) a.update(f.detections, f.tsMs, { sourceId: 's', segment: 0 });
    ms += performance.now() - t0;
    frames += s.frames.length;
  }
}
console.log(`${root}: ${(ms / frames).toFixed(3)} ms per analysed frame (${frames} frames)`);
