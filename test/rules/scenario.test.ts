import { describe, expect, test } from 'vitest';
import { crowdTruth, RULES } from '../../benchmarks/measure/evaluate-synthetic.ts';
import { analyticsFrames } from '../../benchmarks/synthetic/analytics-frames.ts';
import { generateScenario } from '../../benchmarks/synthetic/scene-generator.ts';
import { RuleEngine } from '../../pipeline/rules/rule-engine.ts';
import type { EventRecord } from '../../schemas/events.ts';

// The rules an operator would configure for the scenario's street, each graded differently so that
// the grading is checked: the evaluation's (benchmarks/measure/evaluate-synthetic.ts).
const SEVERITY: Record<string, string> = {
  stopped_vehicle: 'critical',
  wrong_way: 'critical',
  no_stopping: 'warning',
  person_in_roadway: 'critical',
  crowd_form: 'info',
  jam_start: 'warning',
};

describe('rule engine on synthetic street scenes at 5 fps with realistic noise', () => {
  // Noise in the analytics frames: 10 % of objects missing per frame, anchors jittered by 3 % of the
  // box, speeds ±10 % ±1 km/h and unknown for a track's first 3 frames, a false track every 20 frames.
  test.each([
    ['seed 1', { seed: 1 }],
    ['seed 2', { seed: 2 }],
    ['seed 3', { seed: 3 }],
    // Dense: 5 lanes each way at 1 vehicle/s/lane, a crowd of 60 (the benchmark's scene, ~95 objects).
    [
      'dense, seed 4',
      {
        seed: 4,
        lanesPerDirection: 5,
        arrivalsPerLanePerS: 1,
        crowd: { size: 60, gatherFromS: 10, gatherToS: 40, disperseFromS: 200, disperseToS: 230 },
      },
    ],
  ])('%s: each condition raised once, on time, graded as configured', (_name, options) => {
    const s = generateScenario({ fps: 5, durationS: 300, ...options });
    const jamLanes = s.scene.zones.filter((z) => z.id.startsWith('in-')).map((z) => z.id);
    const engine = new RuleEngine('cam', s.scene, RULES);
    const events: EventRecord[] = [];
    for (const f of analyticsFrames(s, { cameraId: 'cam' })) events.push(...engine.update(f));
    const summary = events.map(
      (e) => `${(e.tsMs / 1000).toFixed(1)} ${e.type} ${e.zoneId} started ${(e.startedMs / 1000).toFixed(1)}`,
    );
    console.log(`${_name}:\n  ${summary.join('\n  ')}`);

    // Incidents: exactly one event each, for the right track and zone, near the truth.
    for (const x of s.expected.filter((e) => e.trackId !== null)) {
      const got = events.filter((e) => e.type === x.type);
      expect(got, x.type).toHaveLength(1);
      expect(got[0]).toMatchObject({ zoneId: x.zoneId, trackIds: [x.trackId], severity: SEVERITY[x.type] });
      expect(Math.abs(got[0].startedMs - x.atMs), x.type).toBeLessThanOrEqual(10_000);
    }

    // The jam: one jam_start and one jam_clear per inbound lane, within 10 s of the truth; no
    // jam_worsen (the onset goes straight to jam); nothing on the outbound lanes.
    for (const x of s.expected.filter((e) => e.type === 'jam_start' || e.type === 'jam_clear')) {
      const got = events.filter((e) => e.type === x.type && e.zoneId === x.zoneId);
      expect(got, `${x.type} ${x.zoneId}`).toHaveLength(1);
      expect(Math.abs(got[0].startedMs - x.atMs), `${x.type} ${x.zoneId}`).toBeLessThanOrEqual(10_000);
      expect(got[0].severity).toBe(x.type === 'jam_start' ? 'warning' : 'info');
    }
    expect(s.expected.filter((e) => e.type === 'jam_start')).toHaveLength(jamLanes.length);
    const jamZones = new Set(events.filter((e) => e.type.startsWith('jam_')).map((e) => e.zoneId));
    expect([...jamZones].sort()).toEqual(jamLanes);

    // The crowd: formed and dispersed once each, within 10 s of the true count crossing.
    const truth = crowdTruth(s, 10);
    const form = events.filter((e) => e.type === 'crowd_form');
    const gone = events.filter((e) => e.type === 'crowd_disperse');
    expect(form).toHaveLength(1);
    expect(gone).toHaveLength(1);
    expect(form[0].severity).toBe('info');
    expect(Math.abs(form[0].startedMs - truth.formMs)).toBeLessThanOrEqual(10_000);
    expect(Math.abs(gone[0].startedMs - truth.disperseMs)).toBeLessThanOrEqual(10_000);

    // Nothing else: 4 incidents + (jam_start, jam_clear) per jammed lane + crowd_form + crowd_disperse.
    const n = 4 + 2 * jamLanes.length + 2;
    expect(events).toHaveLength(n);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(n);
  });
});
