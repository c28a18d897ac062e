/**
 * Accuracy of the whole analytics chain on synthetic streets: the scenario's detections (with noise)
 * through ByteTracker → SceneMeasurer → RuleEngine, as the track stage runs them, against the ground
 * truth: line counts per direction, per-minute mean speed at the line, tracker IDF1, and each expected
 * event's timing. Also the cost per frame of tracker, measurer and rule engine with ~100 objects.
 *
 *   node --import tsx benchmarks/measure/evaluate-synthetic.ts [--seeds 1,2,3] [--fps 5] [--json]
 */
import { pathToFileURL } from 'node:url';
import { SceneMeasurer } from '../../pipeline/measure/scene-measurer.ts';
import { RuleEngine } from '../../pipeline/rules/rule-engine.ts';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';
import type { EventRecord } from '../../schemas/events.ts';
import type { IntervalRow, LineCrossing } from '../../schemas/measures.ts';
import type { Rule } from '../../schemas/rules.ts';
import type { SceneConfig } from '../../schemas/scene.ts';
import { generateScenario, type Scenario, type ScenarioOptions } from '../synthetic/scene-generator.ts';
import { motMetrics } from '../tracking/metrics.ts';

export const LINE_Y = 20;
/** The rules an operator would configure for the scenario's street, each graded differently. */
export const RULES: Rule[] = [
  { id: 'jam', type: 'congestion', severity: 'warning', worsenSeverity: 'critical', cooldownS: 120 },
  { id: 'crowd', type: 'crowd', minPersons: 10, durationS: 15, severity: 'info' },
  { id: 'stopped', type: 'stopped_vehicle', durationS: 30, severity: 'critical' },
  { id: 'wrong-way', type: 'wrong_way', severity: 'critical' },
  { id: 'kerb', type: 'no_stopping', durationS: 60, severity: 'warning' },
  { id: 'pedestrian', type: 'person_in_roadway', durationS: 2, severity: 'critical' },
];
/** The tracker as the track stage configures it by default (config `tracking`). */
export const TRACKER = {
  lostTtlMs: 1500,
  lostFrames: 4,
  highThreshold: 0.4,
  newTrackThreshold: 0.4,
  minHits: 2,
};

/** The scenario's scene plus a counting line across the road at LINE_Y metres (positive = away). */
export function sceneWithLine(s: Scenario): SceneConfig {
  const roadWidth = s.scene.zones.filter((z) => z.kind === 'lane').length * 3.5;
  const from = s.homography.toImage([0, LINE_Y]) as [number, number];
  const to = s.homography.toImage([roadWidth, LINE_Y]) as [number, number];
  return {
    ...s.scene,
    lines: [{ id: 'count', from, to, positive: 'left', classes: ['car', 'truck', 'bus', 'motorcycle'] }],
  };
}

/** True crossings of y = LINE_Y on the road, with each vehicle's true speed then. */
export function truthCrossings(s: Scenario) {
  const roadWidth = s.scene.zones.filter((z) => z.kind === 'lane').length * 3.5;
  const last = new Map<number, number>();
  const out: Array<{ id: number; direction: 'positive' | 'negative'; tsMs: number; speedKmh: number }> = [];
  for (const f of s.frames) {
    for (const t of f.truth) {
      if (t.cls === 'person') continue;
      const prev = last.get(t.id);
      last.set(t.id, t.world[1]);
      if (prev === undefined || t.world[0] < 0 || t.world[0] > roadWidth) continue;
      if (prev < LINE_Y && t.world[1] >= LINE_Y)
        out.push({ id: t.id, direction: 'positive', tsMs: f.tsMs, speedKmh: t.speedKmh });
      if (prev >= LINE_Y && t.world[1] < LINE_Y)
        out.push({ id: t.id, direction: 'negative', tsMs: f.tsMs, speedKmh: t.speedKmh });
    }
  }
  return out;
}

/** Runs the chain over a scenario, timing each part. */
export function runChain(s: Scenario, scene: SceneConfig) {
  const tracker = new ByteTracker(TRACKER);
  const measurer = new SceneMeasurer(scene, { lostTtlMs: TRACKER.lostTtlMs });
  const engine = new RuleEngine('cam', scene, RULES);
  const crossings: LineCrossing[] = [];
  const intervals: IntervalRow[] = [];
  const events: EventRecord[] = [];
  const hypotheses: Array<Array<{ id: number; box: { x: number; y: number; w: number; h: number } }>> = [];
  const ms = { tracker: 0, measurer: 0, rules: 0 };
  for (const f of s.frames) {
    let t0 = performance.now();
    const tracked = tracker.update(f.detections, f.tsMs);
    let t1 = performance.now();
    ms.tracker += t1 - t0;
    t0 = t1;
    const step = measurer.update(tracked, f.tsMs, tracker.lostBufferMs);
    t1 = performance.now();
    ms.measurer += t1 - t0;
    t0 = t1;
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
    ms.rules += performance.now() - t0;
    crossings.push(...step.crossings);
    intervals.push(...step.intervals);
    hypotheses.push(tracked.map((d) => ({ id: d.trackId, box: d.box })));
  }
  intervals.push(...measurer.finish().intervals);
  const n = s.frames.length;
  return {
    crossings,
    intervals,
    events,
    hypotheses,
    msPerFrame: { tracker: ms.tracker / n, measurer: ms.measurer / n, rules: ms.rules / n },
  };
}

export function evaluate(options: ScenarioOptions) {
  const s = generateScenario(options);
  const r = runChain(s, sceneWithLine(s));
  const truth = truthCrossings(s);
  const counts = (['positive', 'negative'] as const).map((direction) => ({
    direction,
    truth: truth.filter((t) => t.direction === direction).length,
    counted: r.crossings.filter((c) => c.direction === direction).length,
  }));
  const speedErrors: Array<{ minute: number; direction: string; truthKmh: number; measuredKmh: number }> = [];
  for (const row of r.intervals.filter((x) => x.siteKind === 'line' && x.intervalS === 60)) {
    const inMinute = truth.filter(
      (t) => t.direction === row.direction && t.tsMs >= row.startMs && t.tsMs < row.startMs + 60_000,
    );
    if (row.speedMeanKmh === null || inMinute.length < 3 || row.speedsKmh.length < 3) continue;
    speedErrors.push({
      minute: row.startMs / 60_000,
      direction: row.direction,
      truthKmh: inMinute.reduce((a, t) => a + t.speedKmh, 0) / inMinute.length,
      measuredKmh: row.speedMeanKmh,
    });
  }
  const mot = motMetrics(
    s.frames.map((f, i) => ({
      truth: f.truth.filter((t) => t.detected).map((t) => ({ id: t.id, box: t.box })),
      hypotheses: r.hypotheses[i],
    })),
  );
  // The scenario's crowd event is timed when people start to gather; the rule (minPersons 10) is
  // judged against when the true count reached 10 and held 5 s, and fell below 7 (as in the tests).
  const crowd = crowdTruth(s, 10);
  const expected = [
    ...s.expected.filter((x) => !x.type.startsWith('crowd_')),
    { type: 'crowd_form', zoneId: 'plaza', atMs: crowd.formMs },
    { type: 'crowd_disperse', zoneId: 'plaza', atMs: crowd.disperseMs },
  ];
  const events = expected.map((x) => {
    const got = r.events.filter((e) => e.type === x.type && e.zoneId === x.zoneId);
    return {
      type: x.type,
      zone: x.zoneId,
      raised: got.length,
      startErrorS: got.length ? (got[0].startedMs - x.atMs) / 1000 : null,
      severity: got[0]?.severity ?? null,
    };
  });
  return { seed: options.seed, counts, speedErrors, idf1: mot.idf1, mota: mot.mota, events, ...r.msPerFrame };
}

/** When the plaza's true person count first reached n for 5 s, and when it then fell below 0.7 n for 5 s. */
export function crowdTruth(s: Scenario, n: number): { formMs: number; disperseMs: number } {
  const count = (i: number) =>
    s.frames[i].truth.filter((t) => t.cls === 'person' && t.zoneIds.includes('plaza')).length;
  let formMs = Number.NaN;
  let disperseMs = Number.NaN;
  let since: number | null = null;
  for (let i = 0; i < s.frames.length && Number.isNaN(disperseMs); i++) {
    const t = s.frames[i].tsMs;
    const holds = Number.isNaN(formMs) ? count(i) >= n : count(i) < 0.7 * n;
    if (!holds) {
      since = null;
      continue;
    }
    since ??= t;
    if (t - since < 5000) continue;
    if (Number.isNaN(formMs)) formMs = since;
    else disperseMs = since;
    since = null;
  }
  return { formMs, disperseMs };
}

function main() {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const seeds = arg('seeds', '1,2,3').split(',').map(Number);
  const fps = Number(arg('fps', '5'));
  const results = seeds.map((seed) => evaluate({ seed, fps, durationS: 300 }));
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(results));
    return;
  }
  for (const r of results) {
    const free = r.speedErrors
      .filter((e) => e.truthKmh >= 20)
      .map((e) => (e.measuredKmh - e.truthKmh) / e.truthKmh);
    const slow = r.speedErrors.filter((e) => e.truthKmh < 20).map((e) => e.measuredKmh - e.truthKmh);
    console.log(
      `seed ${r.seed} @ ${fps} fps: counts ${r.counts.map((c) => `${c.direction} ${c.counted}/${c.truth}`).join(', ')}; ` +
        `IDF1 ${r.idf1.toFixed(3)} MOTA ${r.mota.toFixed(3)}; ` +
        `minute speeds (>= 20 km/h) error ${(100 * Math.min(...free)).toFixed(1)} to ${(100 * Math.max(...free)).toFixed(1)} % ` +
        `over ${free.length} minutes; jam minutes ${slow.map((e) => `${e >= 0 ? '+' : ''}${e.toFixed(1)}`).join(', ')} km/h; ` +
        `ms/frame tracker ${r.tracker.toFixed(2)} measurer ${r.measurer.toFixed(2)} rules ${r.rules.toFixed(2)}`,
    );
    for (const e of r.events) {
      console.log(
        `  ${e.type.padEnd(18)} ${e.zone.padEnd(6)} raised ${e.raised} ${e.severity ?? ''} start ${e.startErrorS === null ? '-' : `${e.startErrorS >= 0 ? '+' : ''}${e.startErrorS.toFixed(1)} s`}`,
      );
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) main();
