import { describe, expect, test } from 'vitest';
import { RULES, sceneWithLine, TRACKER } from '../../benchmarks/measure/evaluate-synthetic.ts';
import { generateScenario } from '../../benchmarks/synthetic/scene-generator.ts';
import { CameraAnalytics, type CameraAnalyticsOptions } from '../../pipeline/analytics/camera-analytics.ts';

// The track stage's unit of work: a camera's analytics, carried from segment to segment as JSON.
describe('CameraAnalytics', () => {
  test('resumed from JSON at every 10 s segment boundary, it gives what an uninterrupted run gives', () => {
    const s = generateScenario({ seed: 2, fps: 5, durationS: 120 });
    const scene = sceneWithLine(s);
    const options: CameraAnalyticsOptions = { tracker: TRACKER, rules: RULES };
    const run = (splitEvery: number | null) => {
      let a = new CameraAnalytics('cam', scene, options);
      const out: unknown[] = [];
      s.frames.forEach((f, i) => {
        if (splitEvery && i > 0 && i % splitEvery === 0) {
          a = CameraAnalytics.restore(JSON.parse(JSON.stringify(a.snapshot())), 'cam', scene, options);
        }
        const step = a.update(f.detections, f.tsMs, { sourceId: 'cam/x', segment: Math.floor(i / 50) });
        out.push(step.crossings, step.visits, step.intervals, step.tracks, step.events);
        out.push(step.tracked.map((d) => d.trackId));
      });
      out.push(a.finish());
      return out;
    };
    const whole = run(null);
    expect(run(50)).toEqual(whole);
    // And the run did produce things to compare: crossings and events.
    const objects = whole.flat().filter((x): x is object => typeof x === 'object' && x !== null);
    expect(objects.some((x) => 'lineId' in x)).toBe(true);
    expect(objects.some((x) => 'eventId' in x)).toBe(true);
  });

  test('each tracked detection names its input, riders removed before tracking included', () => {
    const a = new CameraAnalytics('cam', { lines: [], zones: [], inertiaFrames: 1 }, { tracker: TRACKER });
    // A rider on a motorbike comes first, so the tracker sees a shorter list than the caller gave.
    const frame = (dx: number) => [
      { cls: 'person' as const, score: 0.9, box: { x: 102 + dx, y: 90, w: 26, h: 55 } },
      { cls: 'motorcycle' as const, score: 0.9, box: { x: 95 + dx, y: 120, w: 40, h: 40 } },
      { cls: 'car' as const, score: 0.9, box: { x: 400 - dx, y: 300, w: 120, h: 80 } },
    ];
    let tracked: ReturnType<CameraAnalytics['update']>['tracked'] = [];
    for (let i = 0; i < 5; i++)
      tracked = a.update(frame(i * 4), i * 200, { sourceId: 'cam/x', segment: 0 }).tracked;
    const byInput = new Map(tracked.map((t) => [t.input, t.detectedCls]));
    expect(byInput).toEqual(
      new Map([
        [1, 'motorcycle'],
        [2, 'car'],
      ]),
    );
    expect(tracked.map((t) => t.box)).toEqual(tracked.map((t) => frame(16)[t.input].box));
  });
});
