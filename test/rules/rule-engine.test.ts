import { describe, expect, test } from 'vitest';
import { RuleEngine } from '../../pipeline/rules/rule-engine.ts';
import { EventRecord } from '../../schemas/events.ts';
import type { Rule } from '../../schemas/rules.ts';
import type { SceneConfig } from '../../schemas/scene.ts';
import { check } from '../../schemas/validate.ts';
import { frame, obj, times, zone } from './helpers.ts';

const square = (x: number): [number, number][] => [
  [x, 0],
  [x + 100, 0],
  [x + 100, 100],
  [x, 100],
];
const SCENE: SceneConfig = {
  lines: [],
  inertiaFrames: 1,
  zones: [
    { id: 'lane', kind: 'lane', polygon: square(0), direction: [0, -1] },
    { id: 'kerb', kind: 'no-stopping', polygon: square(200) },
    { id: 'plaza', kind: 'crowd', polygon: square(400) },
  ],
};

/** A car stopped in the lane during [stops], moving otherwise; frames at 5 fps. */
function stops(spans: [number, number][], endS: number, cameraId = 'cam') {
  return times(0, endS).map((t) => {
    const s = t / 1000;
    const stopped = spans.some(([a, b]) => s >= a && s < b);
    return frame(t, [obj(1, [50, 50], { speedKmh: stopped ? 0 : 30 })], 'lane', cameraId);
  });
}

describe('RuleEngine', () => {
  test('events are graded as configured, valid EventRecords, with deterministic ids', () => {
    const rules: Rule[] = [{ id: 'stop', type: 'stopped_vehicle', durationS: 10, severity: 'critical' }];
    const engine = new RuleEngine('cam', SCENE, rules);
    const events = stops([[5, 40]], 60).flatMap((f) => engine.update(f));
    expect(events).toHaveLength(1);
    const [e] = events;
    expect(check(EventRecord, e)).toEqual([]);
    expect(e).toMatchObject({
      cameraId: 'cam',
      type: 'stopped_vehicle',
      ruleId: 'stop',
      zoneId: 'lane',
      severity: 'critical',
      startedMs: 5000,
      tsMs: 15_000,
      trackIds: [1],
      snapshot: '',
      sourceId: 'src',
      segment: 1,
    });
    expect(e.eventId).toMatch(/^[0-9a-f]{40}$/);
    // Re-processing the same input gives the same events and ids.
    const again = new RuleEngine('cam', SCENE, rules);
    expect(stops([[5, 40]], 60).flatMap((f) => again.update(f))).toEqual(events);
  });

  test('cooldown per camera + rule + zone + track: a second stop soon after the first is not raised', () => {
    const rules: Rule[] = [{ id: 'stop', type: 'stopped_vehicle', durationS: 10, cooldownS: 60 }];
    const engine = new RuleEngine('cam', SCENE, rules);
    // Stops at 5-25 s, 40-60 s (ended 15 s earlier: cooldown), 120-140 s (after the cooldown).
    const events = stops(
      [
        [5, 25],
        [40, 60],
        [120, 140],
      ],
      160,
    ).flatMap((f) => engine.update(f));
    expect(events.map((e) => [e.type, e.startedMs / 1000, e.severity])).toEqual([
      ['stopped_vehicle', 5, 'warning'],
      ['stopped_vehicle', 120, 'warning'],
    ]);
  });

  test('snapshot/restore at every segment boundary gives exactly the events of an uninterrupted run', () => {
    const rules: Rule[] = [
      { id: 'stop', type: 'stopped_vehicle', durationS: 10, cooldownS: 30 },
      { id: 'busy', type: 'threshold', measure: 'vehicles', above: 0, durationS: 20, zones: ['lane'] },
      { id: 'jam', type: 'congestion', durationS: 10, windowS: 10 },
    ];
    const frames = stops(
      [
        [5, 25],
        [40, 60],
        [90, 140],
      ],
      200,
    );
    const whole = new RuleEngine('cam', SCENE, rules);
    const expected = frames.flatMap((f) => whole.update(f));
    expect(expected.map((e) => e.ruleId)).toContain('busy');
    let engine = new RuleEngine('cam', SCENE, rules);
    const got = [];
    for (const [i, f] of frames.entries()) {
      if (i % 50 === 0)
        engine = RuleEngine.restore(JSON.parse(JSON.stringify(engine.snapshot())), 'cam', SCENE, rules);
      got.push(...engine.update(f));
    }
    expect(got).toEqual(expected);
  });

  test('crowd rule: form and disperse once each; disperse is info', () => {
    const engine = new RuleEngine('cam', SCENE, [
      { id: 'crowd', type: 'crowd', minPersons: 5, durationS: 10, severity: 'warning' },
    ]);
    const events = times(0, 120).flatMap((t) => {
      const n = t >= 20_000 && t < 70_000 ? 8 : 0;
      return engine.update({ ...frame(t, []), zones: [zone('plaza', { kind: 'crowd', persons: n })] });
    });
    expect(events.map((e) => [e.type, e.zoneId, e.severity])).toEqual([
      ['crowd_form', 'plaza', 'warning'],
      ['crowd_disperse', 'plaza', 'info'],
    ]);
  });

  test('rules for other cameras are ignored; default zones by kind; bad rules and frames throw', () => {
    const rules: Rule[] = [
      { id: 'a', type: 'crowd', cameras: ['other'] },
      { id: 'b', type: 'no_stopping' },
      { id: 'c', type: 'wrong_way' },
    ];
    const engine = new RuleEngine('cam', SCENE, rules);
    expect(engine.rules.map((r) => r.id)).toEqual(['b', 'c']);
    expect(engine.snapshot().rules.b).toBeDefined();
    expect(() => new RuleEngine('cam', SCENE, [{ id: 'x', type: 'crowd', zones: ['nowhere'] }])).toThrow(
      /rule "x".*zones\[0\].*unknown zone "nowhere"/,
    );
    expect(
      () =>
        new RuleEngine('cam', SCENE, [
          { id: 'x', type: 'crowd' },
          { id: 'x', type: 'crowd' },
        ]),
    ).toThrow(/duplicate/);
    expect(() => engine.update(frame(0, [], 'lane', 'cam-2'))).toThrow(/cam-2/);
    expect(() => RuleEngine.restore(engine.snapshot(), 'cam-2', SCENE, rules)).toThrow(/camera/);
  });
});
