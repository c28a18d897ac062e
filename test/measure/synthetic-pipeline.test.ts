import { describe, expect, test } from 'vitest';
import { generateScenario, type Scenario } from '../../benchmarks/synthetic/scene-generator.ts';
import { SceneMeasurer } from '../../pipeline/measure/scene-measurer.ts';
import { RuleEngine } from '../../pipeline/rules/rule-engine.ts';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';
import type { EventRecord } from '../../schemas/events.ts';
import type { LineCrossing } from '../../schemas/jobs.ts';
import type { IntervalRow } from '../../schemas/measures.ts';
import type { Rule } from '../../schemas/rules.ts';
import type { SceneConfig } from '../../schemas/scene.ts';

// The whole analytics chain on synthetic street scenes at 5 fps with detector noise (10 % misses,
// 3 % box jitter, false positives, low scores): the scenario's detections go through the real
// ByteTracker, SceneMeasurer and RuleEngine, as in the track stage, and come out as counts, speeds
// and events, compared with the scenario's ground truth.

const LINE_Y = 20; // metres from the near edge of the view
const WARMUP_MS = 2000;
const RULES: Rule[] = [
  { id: 'jam', type: 'congestion', severity: 'warning', worsenSeverity: 'critical', cooldownS: 120 },
  { id: 'crowd', type: 'crowd', minPersons: 10, durationS: 15, severity: 'info' },
  { id: 'stopped', type: 'stopped_vehicle', durationS: 30, severity: 'critical' },
  { id: 'wrong-way', type: 'wrong_way', severity: 'critical' },
  { id: 'kerb', type: 'no_stopping', durationS: 60, severity: 'warning' },
  { id: 'pedestrian', type: 'person_in_roadway', durationS: 2, severity: 'critical' },
];
const SEVERITY: Record<string, string> = {
  stopped_vehicle: 'critical',
  wrong_way: 'critical',
  no_stopping: 'warning',
  person_in_roadway: 'critical',
  jam_start: 'warning',
  jam_clear: 'info',
};

/** A counting line across the whole road at LINE_Y; positive = away from the camera (up the picture). */
function withLine(s: Scenario): SceneConfig {
  const road = s.scene.zones.filter((z) => z.kind === 'lane');
  const roadWidth = road.length * 3.5;
  const from = s.homography.toImage([0, LINE_Y]) as [number, number];
  const to = s.homography.toImage([roadWidth, LINE_Y]) as [number, number];
  return {
    ...s.scene,
    lines: [{ id: 'count', from, to, positive: 'left', classes: ['car', 'truck', 'bus', 'motorcycle'] }],
  };
}

/** True crossings of y = LINE_Y on the road: per direction, with each vehicle's true speed then. */
function truthCrossings(s: Scenario) {
  const last = new Map<number, { y: number; x: number }>();
  const out: Array<{ id: number; direction: 'positive' | 'negative'; tsMs: number; speedKmh: number }> = [];
  const roadWidth = s.scene.zones.filter((z) => z.kind === 'lane').length * 3.5;
  for (const f of s.frames) {
    for (const t of f.truth) {
      if (t.cls === 'person') continue;
      const prev = last.get(t.id);
      last.set(t.id, { y: t.world[1], x: t.world[0] });
      if (!prev || t.world[0] < 0 || t.world[0] > roadWidth) continue;
      if (prev.y < LINE_Y && t.world[1] >= LINE_Y)
        out.push({ id: t.id, direction: 'positive', tsMs: f.tsMs, speedKmh: t.speedKmh });
      if (prev.y >= LINE_Y && t.world[1] < LINE_Y)
        out.push({ id: t.id, direction: 'negative', tsMs: f.tsMs, speedKmh: t.speedKmh });
    }
  }
  return out;
}

function run(s: Scenario, scene: SceneConfig) {
  const tracker = new ByteTracker({ lostTtlMs: 2000, highThreshold: 0.4, newTrackThreshold: 0.4 });
  const measurer = new SceneMeasurer(scene, { lostTtlMs: 2000 });
  const engine = new RuleEngine('cam', scene, RULES);
  const crossings: LineCrossing[] = [];
  const intervals: IntervalRow[] = [];
  const events: EventRecord[] = [];
  for (const f of s.frames) {
    const step = measurer.update(tracker.update(f.detections, f.tsMs), f.tsMs);
    crossings.push(...step.crossings);
    intervals.push(...step.intervals);
    events.push(
      ...engine.update({
        cameraId: 'cam',
        sourceId: 'cam/synthetic',
        segment: 0,
        tsMs: f.tsMs,
        objects: step.objects,
        zones: step.zones,
      }),
    );
  }
  intervals.push(...measurer.finish().intervals);
  return { crossings, intervals, events };
}

describe('tracker → measurer → rule engine on synthetic streets at 5 fps with noise', () => {
  test.each([1, 2, 3])('seed %i: exact line counts, speeds within 5 %, events once and on time', (seed) => {
    const s = generateScenario({ seed, fps: 5, durationS: 300 });
    const scene = withLine(s);
    const { crossings, intervals, events } = run(s, scene);
    const truth = truthCrossings(s);

    // Counts per direction: exact, but for the tracker's warm-up: a vehicle that crosses in the first
    // 2 s, before its track can be confirmed (2 detections) and its side known, may go uncounted.
    for (const dir of ['positive', 'negative'] as const) {
      const counted = crossings.filter((c) => c.direction === dir).length;
      const all = truth.filter((t) => t.direction === dir);
      expect(counted, dir).toBeLessThanOrEqual(all.length);
      expect(counted, dir).toBeGreaterThanOrEqual(all.filter((t) => t.tsMs >= WARMUP_MS).length);
    }
    // The 1-minute rows add up to the same counts.
    const minuteVolume = intervals
      .filter((r) => r.siteKind === 'line' && r.intervalS === 60)
      .reduce((n, r) => n + r.volume, 0);
    expect(minuteVolume).toBe(crossings.length);

    // Speeds: each minute's mean speed at the line within 5 % of the true mean of the vehicles that
    // crossed in it (minutes with at least 3 measured vehicles). In the jam's minutes (true mean below
    // 20 km/h: stop-and-go at 5-15 km/h) relative errors mean little; there the mean is within 8 km/h.
    let checked = 0;
    for (const r of intervals.filter((x) => x.siteKind === 'line' && x.intervalS === 60)) {
      const inMinute = truth.filter(
        (t) => t.direction === r.direction && t.tsMs >= r.startMs && t.tsMs < r.startMs + 60_000,
      );
      if (r.speedsKmh.length < 3 || inMinute.length < 3 || r.speedMeanKmh === null) continue;
      const trueMean = inMinute.reduce((a, t) => a + t.speedKmh, 0) / inMinute.length;
      const where = `${r.direction} minute ${r.startMs / 60_000}`;
      if (trueMean >= 20) expect(Math.abs(r.speedMeanKmh - trueMean) / trueMean, where).toBeLessThan(0.05);
      else expect(Math.abs(r.speedMeanKmh - trueMean), where).toBeLessThan(8);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);

    // Incidents: each raised once, in the right zone, graded as configured, within 10 s of the truth.
    for (const x of s.expected.filter((e) => e.trackId !== null)) {
      const got = events.filter((e) => e.type === x.type);
      expect(got, x.type).toHaveLength(1);
      expect(got[0].zoneId, x.type).toBe(x.zoneId);
      expect(got[0].severity, x.type).toBe(SEVERITY[x.type]);
      expect(Math.abs(got[0].startedMs - x.atMs), x.type).toBeLessThanOrEqual(10_000);
    }
    // The jam: start and clear once per jammed lane, within 10 s of the truth.
    for (const x of s.expected.filter((e) => e.type === 'jam_start' || e.type === 'jam_clear')) {
      const got = events.filter((e) => e.type === x.type && e.zoneId === x.zoneId);
      expect(got, `${x.type} ${x.zoneId}`).toHaveLength(1);
      expect(Math.abs(got[0].startedMs - x.atMs), `${x.type} ${x.zoneId}`).toBeLessThanOrEqual(10_000);
      expect(got[0].severity).toBe(SEVERITY[x.type]);
    }
    // The jammed lanes' 15-minute congestion and LOS come out of the same run.
    expect(intervals.some((r) => r.siteKind === 'zone' && r.los !== '')).toBe(true);
  });
});
