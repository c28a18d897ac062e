import { describe, expect, test } from 'vitest';
import { analyticsFrames } from '../../benchmarks/synthetic/analytics-frames.ts';
import { generateScenario } from '../../benchmarks/synthetic/scene-generator.ts';
import { motMetrics } from '../../benchmarks/tracking/metrics.ts';
import { validateScene } from '../../pipeline/scene/validate-scene.ts';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';

describe('synthetic street scenario', () => {
  const s = generateScenario({ seed: 5, fps: 5, durationS: 300 });

  test('is deterministic, and its scene is a valid configured scene', () => {
    expect(generateScenario({ seed: 5, fps: 5, durationS: 300 })).toEqual(s);
    expect(generateScenario({ seed: 6, fps: 5, durationS: 300 }).frames).not.toEqual(s.frames);
    expect(() => validateScene(s.scene, 'generated')).not.toThrow();
    expect(s.scene.zones.map((z) => [z.id, z.kind])).toEqual([
      ['out-1', 'lane'],
      ['out-2', 'lane'],
      ['in-1', 'lane'],
      ['in-2', 'lane'],
      ['road', 'roadway'],
      ['kerb', 'no-stopping'],
      ['plaza', 'crowd'],
    ]);
  });

  test('scripted objects are where the script puts them, on the ground and in the zones', () => {
    const at = (id: number | null, tsMs: number) =>
      s.frames.find((f) => f.tsMs === tsMs)?.truth.find((t) => t.id === id);
    const stop = s.expected.find((e) => e.type === 'stopped_vehicle');
    for (const t of [40_000, 60_000, 85_000]) {
      const car = at(stop?.trackId ?? null, t);
      expect(car?.speedKmh).toBe(0);
      // stoppedCar.yM = 45 is its front; its rear, nearest the camera, is a car length (4.5 m) closer.
      expect(Math.abs((car?.world[1] ?? 0) - 40.5)).toBeLessThan(1);
      expect(car?.zoneIds).toContain('out-2');
    }
    const kerb = s.expected.find((e) => e.type === 'no_stopping');
    expect(at(kerb?.trackId ?? null, 200_000)?.zoneIds).toEqual(['kerb']);
    const walker = s.expected.find((e) => e.type === 'person_in_roadway');
    const inRoad = s.frames.filter((f) =>
      f.truth.some((t) => t.id === walker?.trackId && t.zoneIds.includes('road')),
    );
    // 14 m of road at 1.3 m/s.
    expect(inRoad.length / 5).toBeGreaterThan(9);
    expect(inRoad.length / 5).toBeLessThan(12.5);
    expect(Math.abs(inRoad[0].tsMs - (walker?.atMs ?? 0))).toBeLessThan(1000);
  });

  test('the jam is in the truth: inbound lanes crawl between the expected start and clear', () => {
    const starts = s.expected.filter((e) => e.type === 'jam_start');
    expect(starts.map((e) => e.zoneId).sort()).toEqual(['in-1', 'in-2']);
    for (const e of starts) {
      expect(e.atMs).toBeGreaterThanOrEqual(60_000);
      expect(e.atMs).toBeLessThan(66_000);
      const mid = s.frames.find((f) => f.tsMs === 120_000);
      const speeds = mid?.truth.filter((t) => t.zoneIds.includes(e.zoneId)).map((t) => t.speedKmh) ?? [];
      expect(speeds.length).toBeGreaterThan(5);
      expect(Math.max(...speeds)).toBeLessThan(8);
    }
  });

  test('detections have the promised noise, and ByteTracker can follow them', () => {
    const truth = s.frames.flatMap((f) => f.truth);
    const missed = truth.filter((t) => !t.detected).length / truth.length;
    expect(missed).toBeGreaterThan(0.07);
    expect(missed).toBeLessThan(0.13);
    const tracker = new ByteTracker({
      highThreshold: 0.4,
      newTrackThreshold: 0.4,
      minHits: 2,
      lostTtlMs: 2000,
    });
    const result = motMetrics(
      s.frames.map((f) => ({
        truth: f.truth.filter((t) => t.detected),
        hypotheses: tracker.update(f.detections, f.tsMs).map((d) => ({ id: d.trackId, box: d.box })),
      })),
    );
    console.log(
      `ByteTracker on the street scenario: IDF1 ${result.idf1.toFixed(3)}, MOTA ${result.mota.toFixed(3)}`,
    );
    expect(result.idf1).toBeGreaterThan(0.8);
  });

  test('analytics frames: zone samples agree with the objects in them', () => {
    const frames = analyticsFrames(s);
    expect(frames).toHaveLength(s.frames.length);
    const f = frames[600];
    for (const z of f.zones) {
      const inside = f.objects.filter((o) => z.trackIds.includes(o.trackId));
      expect(z.vehicles + z.persons).toBe(inside.length);
    }
  });
});
