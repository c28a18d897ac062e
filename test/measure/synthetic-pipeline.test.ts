import { describe, expect, test } from 'vitest';
import { runChain, sceneWithLine, truthCrossings } from '../../benchmarks/measure/evaluate-synthetic.ts';
import { generateScenario } from '../../benchmarks/synthetic/scene-generator.ts';
import { motMetrics } from '../../benchmarks/tracking/metrics.ts';

// The whole analytics chain on synthetic street scenes at 5 fps with detector noise (10 % misses,
// 3 % box jitter, false positives, low scores): the scenario's detections go through the real
// ByteTracker, SceneMeasurer and RuleEngine, as in the track stage, and come out as counts, speeds
// and events, compared with the scenario's ground truth (the chain and the truth are those of
// `npm run -s eval:synthetic`, benchmarks/measure/evaluate-synthetic.ts).

const WARMUP_MS = 2000;
/** The grades the evaluation's RULES give each event type. */
const SEVERITY: Record<string, string> = {
  stopped_vehicle: 'critical',
  wrong_way: 'critical',
  no_stopping: 'warning',
  person_in_roadway: 'critical',
  jam_start: 'warning',
  jam_clear: 'info',
};

describe('tracker → measurer → rule engine on synthetic streets at 5 fps with noise', () => {
  test.each([1, 2, 3])(
    'seed %i: IDF1 >= 0.95, exact line counts, speeds within 5 %, events once and on time',
    (seed) => {
      const s = generateScenario({ seed, fps: 5, durationS: 300 });
      const { crossings, intervals, events, hypotheses } = runChain(s, sceneWithLine(s));

      // Tracking: IDF1 against the objects the detector reported (its misses are not the tracker's).
      const { idf1 } = motMetrics(
        s.frames.map((f, i) => ({
          truth: f.truth.filter((t) => t.detected).map((t) => ({ id: t.id, box: t.box })),
          hypotheses: hypotheses[i],
        })),
      );
      expect(idf1).toBeGreaterThanOrEqual(0.95);
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
    },
  );
});
