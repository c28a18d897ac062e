/**
 * Cost per frame of the analytics after detection, with about 100 objects in view: ByteTracker
 * update (the baseline, measured in the same run) and RuleEngine update (six rules: congestion on
 * every lane, crowd, stopped vehicle, wrong way, no stopping, person in roadway), on a dense synthetic
 * street (benchmarks/synthetic/scene-generator.ts: 5 lanes each way, a jam, a crowd of 60).
 * The rule engine reads AnalyticsFrames made from the scenario's truth with noise (the measurer is
 * not timed here). 5 passes; the first 50 frames of each are warm-up. Reported: the median pass and the
 * least disturbed one (the minimum: on a shared machine other work only ever adds time).
 *
 *   node --import tsx benchmarks/rules/measure-rules.ts          # prints a table and one JSON line
 */
import { pathToFileURL } from 'node:url';
import { RuleEngine } from '../../pipeline/rules/rule-engine.ts';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';
import type { Rule } from '../../schemas/rules.ts';
import { report } from '../phases/common.ts';
import { analyticsFrames } from '../synthetic/analytics-frames.ts';
import { generateScenario } from '../synthetic/scene-generator.ts';

export const BENCH_RULES: Rule[] = [
  { id: 'jam', type: 'congestion' },
  { id: 'crowd', type: 'crowd', minPersons: 20 },
  { id: 'stopped', type: 'stopped_vehicle', severity: 'critical' },
  { id: 'wrong-way', type: 'wrong_way', severity: 'critical' },
  { id: 'kerb', type: 'no_stopping' },
  { id: 'pedestrian', type: 'person_in_roadway', severity: 'critical' },
];

export interface RulesFigures {
  frames: number;
  objectsInView: number;
  detectionsPerFrame: number;
  trackerMsPerFrame: number;
  ruleEngineMsPerFrame: number;
  togetherMsPerFrame: number;
  /** The same, least disturbed pass of each. */
  trackerMinMsPerFrame: number;
  ruleEngineMinMsPerFrame: number;
  togetherMinMsPerFrame: number;
  events: number;
  snapshotBytes: number;
}

export function measureRules(seed = 1, passes = 5): RulesFigures {
  const s = generateScenario({
    seed,
    fps: 5,
    durationS: 240,
    lanesPerDirection: 5,
    arrivalsPerLanePerS: 1,
    crowd: { size: 60, gatherFromS: 10, gatherToS: 40, disperseFromS: 200, disperseToS: 230 },
  });
  const frames = analyticsFrames(s, { cameraId: 'bench' });
  const warmup = 50;
  const tracker: number[] = [];
  const engine: number[] = [];
  let events = 0;
  let snapshotBytes = 0;
  for (let p = 0; p < passes; p++) {
    const t = new ByteTracker({
      highThreshold: 0.4,
      newTrackThreshold: 0.4,
      minHits: 2,
      lostTtlMs: 1500,
      lostFrames: 4,
    });
    let ms = 0;
    for (const [i, f] of s.frames.entries()) {
      const t0 = performance.now();
      t.update(f.detections, f.tsMs);
      if (i >= warmup) ms += performance.now() - t0;
    }
    tracker.push(ms / (s.frames.length - warmup));
    const e = new RuleEngine('bench', s.scene, BENCH_RULES);
    ms = 0;
    events = 0;
    for (const [i, f] of frames.entries()) {
      const t0 = performance.now();
      events += e.update(f).length;
      if (i >= warmup) ms += performance.now() - t0;
      if (i === Math.floor(frames.length / 2)) snapshotBytes = JSON.stringify(e.snapshot()).length;
    }
    engine.push(ms / (frames.length - warmup));
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const inView = s.frames.slice(warmup).reduce((a, f) => a + f.truth.length, 0) / (s.frames.length - warmup);
  const dets = s.frames.reduce((a, f) => a + f.detections.length, 0) / s.frames.length;
  return {
    frames: s.frames.length,
    objectsInView: Math.round(inView),
    detectionsPerFrame: Math.round(dets),
    trackerMsPerFrame: r3(median(tracker)),
    ruleEngineMsPerFrame: r3(median(engine)),
    togetherMsPerFrame: r3(median(tracker) + median(engine)),
    trackerMinMsPerFrame: r3(Math.min(...tracker)),
    ruleEngineMinMsPerFrame: r3(Math.min(...engine)),
    togetherMinMsPerFrame: r3(Math.min(...tracker) + Math.min(...engine)),
    events,
    snapshotBytes,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = performance.now();
  const f = measureRules();
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(
    `rules: ${f.objectsInView} objects in view, tracker ${f.trackerMsPerFrame} ms/frame, ` +
      `rule engine ${f.ruleEngineMsPerFrame} ms/frame, together ${f.togetherMsPerFrame} (target < 1; ` +
      `least disturbed passes ${f.trackerMinMsPerFrame} + ${f.ruleEngineMinMsPerFrame} = ${f.togetherMinMsPerFrame})\n`,
  );
  report({
    phase: 'rules',
    ...f,
    seconds: Math.round(seconds * 100) / 100,
    framesPerSecond: Math.round((1000 / f.togetherMsPerFrame) * 10) / 10,
  });
}
