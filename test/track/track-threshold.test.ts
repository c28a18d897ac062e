import { describe, expect, test } from 'vitest';
import { TRACKER } from '../../benchmarks/measure/evaluate-synthetic.ts';
import { analyseSegment } from '../../pipeline/analytics/analyse-segment.ts';
import { CameraAnalytics } from '../../pipeline/analytics/camera-analytics.ts';
import { resolveModel } from '../../pipeline/detect/detector-spec.ts';
import { scoreThresholdOf, trackingSpec, weakBox } from '../../pipeline/detect/track-threshold.ts';
import type { StoreJob } from '../../schemas/jobs.ts';
import type { ModelSpec } from '../../schemas/model.ts';

const base = resolveModel('yolox-nano');

describe('trackThreshold: weak boxes for the tracker only', () => {
  test('the tracking declaration lowers every class to trackThreshold, never raises one', () => {
    expect(trackingSpec(base).scoreThreshold).toBe(0.2);
    const perClass: ModelSpec = { ...base, scoreThreshold: { default: 0.35, person: 0.5, bus: 0.1 } };
    expect(trackingSpec(perClass).scoreThreshold).toEqual({ default: 0.2, person: 0.2, bus: 0.1 });
    const none: ModelSpec = { ...base, trackThreshold: undefined };
    expect(trackingSpec(none)).toBe(none);
    expect(weakBox(none)({ cls: 'car', score: 0.01, box: { x: 0, y: 0, w: 1, h: 1 } })).toBe(false);
    expect(scoreThresholdOf(perClass, 'person')).toBe(0.5);
    expect(scoreThresholdOf(perClass, 'car')).toBe(0.35);
  });

  test('a weak box a track takes up is stored with its id; a lone weak box is dropped', () => {
    const a = new CameraAnalytics('cam', { lines: [], zones: [], inertiaFrames: 1 }, { tracker: TRACKER });
    // A car at 0.8 for three frames, then in shade at 0.25; a lone 0.25 box elsewhere each frame.
    const frames = [0.8, 0.8, 0.8, 0.25].map((score, i) => ({
      ptsMs: i * 200,
      tsMs: 1_000_000 + i * 200,
      analysed: true,
      detectorMs: 1,
      detections: [
        { cls: 'car' as const, score, box: { x: 100 + i * 6, y: 100, w: 60, h: 40 } },
        { cls: 'car' as const, score: 0.25, box: { x: 400 + (i % 2) * 150, y: 300, w: 30, h: 20 } },
      ],
    }));
    const job = {
      segmentKey: 's',
      sourceId: 's',
      cameraId: 'cam',
      segment: 0,
      detector: 'y',
      frames,
    } as StoreJob;
    const out = analyseSegment(a, job, weakBox(base));
    const last = out.frames[3].detections;
    expect(last).toHaveLength(1);
    expect(last[0].score).toBe(0.25);
    expect(last[0].trackId).toBeGreaterThan(0);
    expect(out.frames[0].detections.map((d) => d.score)).toEqual([0.8]);
    // Without the weak filter, the lone box is stored (track id 0) as before.
    const all = analyseSegment(
      new CameraAnalytics('cam', { lines: [], zones: [], inertiaFrames: 1 }, { tracker: TRACKER }),
      job,
    );
    expect(all.frames[3].detections).toHaveLength(2);
  });
});
