import { createHash } from 'node:crypto';
import type { AnalyticsFrame, ZoneSample } from '../../schemas/analytics.ts';
import type { EventRecord, Severity } from '../../schemas/events.ts';
import type { Rule } from '../../schemas/rules.ts';
import type { SceneConfig } from '../../schemas/scene.ts';
import { AlertGate, type AlertGateState } from './alert-gate.ts';
import type { Condition } from './condition.ts';
import { CongestionMonitor, type CongestionMonitorState } from './congestion-monitor.ts';
import { CrowdMonitor, type CrowdMonitorState } from './crowd-monitor.ts';
import { PersonInRoadwayDetector } from './person-in-roadway-detector.ts';
import { resolveRuleZones, ruleApplies, ruleOwnProblem } from './rule-zones.ts';
import { NoStoppingDetector, StoppedVehicleDetector } from './stationary-detector.ts';
import { ThresholdMonitor, type ThresholdMonitorState } from './threshold-monitor.ts';
import type { TrackConditionsState } from './track-conditions.ts';
import { WrongWayDetector, type WrongWayDetectorState } from './wrong-way-detector.ts';

/** Default durations per rule type, seconds (see schemas/rules.ts). */
export const DEFAULT_DURATION_S = {
  congestion: 20,
  crowd: 20,
  stopped_vehicle: 30,
  no_stopping: 60,
  person_in_roadway: 2,
  wrong_way: 0,
  threshold: 30,
} as const;
export const DEFAULT_COOLDOWN_S = 60;
export const DEFAULT_SEVERITY: Severity = 'warning';

type ZoneMonitor = CongestionMonitor | CrowdMonitor | ThresholdMonitor;
type ZoneMonitorState = CongestionMonitorState | CrowdMonitorState | ThresholdMonitorState;
type TrackDetector = StoppedVehicleDetector | NoStoppingDetector | PersonInRoadwayDetector | WrongWayDetector;
type TrackDetectorState = TrackConditionsState | WrongWayDetectorState;

/** One rule compiled for one camera. */
interface Compiled {
  rule: Rule;
  cooldownMs: number;
  zones: Map<string, ZoneMonitor>;
  tracks: TrackDetector | null;
}

export interface RuleEngineState {
  version: 1;
  cameraId: string;
  rules: Record<string, { zones?: Record<string, ZoneMonitorState>; tracks?: TrackDetectorState }>;
  gate: AlertGateState;
}

/** The deterministic event id: the same input re-processed gives the same ids. */
export function eventId(
  c: Pick<Condition, 'zoneId' | 'type' | 'startedMs' | 'trackId'>,
  cameraId: string,
  ruleId: string,
): string {
  return createHash('sha1')
    .update(`${cameraId}|${ruleId}|${c.zoneId}|${c.type}|${c.startedMs}|${c.trackId ?? ''}`)
    .digest('hex');
}

/**
 * The configured rules of one camera, run on its analysed frames: each rule gets a monitor per zone
 * (congestion, crowd, threshold) or one detector over its zones (incidents), and what they report
 * goes through one {@link AlertGate} (deduplication, cooldown) and comes out graded as EventRecords.
 *
 *   AnalyticsFrame ─┬─▶ rule jam:     CongestionMonitor × lane ─┐
 *                   ├─▶ rule crowd:   CrowdMonitor × crowd zone ├─▶ AlertGate ─▶ EventRecord[]
 *                   └─▶ rule stopped: StoppedVehicleDetector ───┘   (camera+rule+zone(+track))
 *
 * Severity: a start (jam_start, crowd_form, an incident, threshold) carries the rule's severity
 * (default warning), jam_worsen the rule's worsenSeverity (default critical), an end (jam_clear,
 * crowd_disperse) info. The snapshot is plain JSON and {@link RuleEngine.restore} carries on exactly,
 * so a segment boundary or a worker restart neither re-raises an open condition nor forgets it.
 * Rules not for this camera are ignored; a rule naming a zone the scene lacks throws (loadConfig
 * rejects such a file first, see validate-rules.ts).
 *
 * @example
 *   const engine = new RuleEngine('cam-1', camera.scene, config.rules);
 *   for (const frame of analyticsFrames) for (const e of engine.update(frame)) console.log(e.type, e.severity, e.message);
 *   await redis.set(key, JSON.stringify(engine.snapshot()));
 *   const resumed = RuleEngine.restore(JSON.parse(saved), 'cam-1', camera.scene, config.rules);
 */
export class RuleEngine {
  readonly cameraId: string;
  private readonly compiled: Compiled[];
  private gate = new AlertGate();
  private frames = 0;

  constructor(cameraId: string, scene: SceneConfig | undefined, rules: readonly Rule[]) {
    this.cameraId = cameraId;
    const ids = new Set<string>();
    this.compiled = [];
    for (const rule of rules) {
      if (ids.has(rule.id)) throw new RangeError(`RuleEngine: duplicate rule id "${rule.id}"`);
      ids.add(rule.id);
      if (!ruleApplies(rule, cameraId)) continue;
      const own = ruleOwnProblem(rule);
      if (own) throw new RangeError(`RuleEngine: rule "${rule.id}": ${own.key}: ${own.message}`);
      const zones = resolveRuleZones(rule, scene);
      if (!Array.isArray(zones)) {
        throw new RangeError(
          `RuleEngine: rule "${rule.id}" on camera "${cameraId}": ${zones.key}: ${zones.message}`,
        );
      }
      this.compiled.push(
        compile(
          rule,
          zones.map((z) => ({ id: z.id, direction: z.direction })),
        ),
      );
    }
  }

  /** An engine that carries on from a {@link snapshot} with the same (or edited) rules. */
  static restore(
    state: RuleEngineState,
    cameraId: string,
    scene: SceneConfig | undefined,
    rules: readonly Rule[],
  ): RuleEngine {
    if (state.version !== 1)
      throw new RangeError(`RuleEngine.restore: unknown state version ${state.version}`);
    if (state.cameraId !== cameraId) {
      throw new RangeError(`RuleEngine.restore: state of camera "${state.cameraId}", not "${cameraId}"`);
    }
    const e = new RuleEngine(cameraId, scene, rules);
    e.gate = AlertGate.restore(state.gate);
    for (const c of e.compiled) {
      const saved = state.rules[c.rule.id];
      if (!saved) continue;
      for (const zoneId of c.zones.keys()) {
        const s = saved.zones?.[zoneId];
        if (s) c.zones.set(zoneId, restoreZone(zoneId, s, c.rule));
      }
      if (c.tracks && saved.tracks)
        (c.tracks as { restoreFrom(s: TrackDetectorState): unknown }).restoreFrom(saved.tracks);
    }
    return e;
  }

  snapshot(): RuleEngineState {
    const rules: RuleEngineState['rules'] = {};
    for (const c of this.compiled) {
      const zones: Record<string, ZoneMonitorState> = {};
      for (const [id, m] of c.zones) zones[id] = m.snapshot();
      rules[c.rule.id] = { zones, ...(c.tracks ? { tracks: c.tracks.snapshot() } : {}) };
    }
    return { version: 1, cameraId: this.cameraId, rules, gate: this.gate.snapshot() };
  }

  /** The current congestion level of each zone a congestion rule watches (for the measure intervals). */
  congestionLevels(): Map<string, string> {
    const levels = new Map<string, string>();
    for (const c of this.compiled) {
      for (const [zoneId, m] of c.zones) if (m instanceof CongestionMonitor) levels.set(zoneId, m.level);
    }
    return levels;
  }

  /** The rules in force on this camera. */
  get rules(): Rule[] {
    return this.compiled.map((c) => c.rule);
  }

  /** Runs every rule on one frame (frames of a camera in time order); returns the events raised. */
  update(frame: AnalyticsFrame): EventRecord[] {
    if (frame.cameraId !== this.cameraId) {
      throw new RangeError(
        `RuleEngine: frame of camera "${frame.cameraId}" given to the engine of "${this.cameraId}"`,
      );
    }
    const out: EventRecord[] = [];
    let byZone: Map<string, ZoneSample> | null = null;
    for (const c of this.compiled) {
      let conditions: Condition[];
      if (c.tracks) conditions = c.tracks.update(frame);
      else {
        byZone ??= new Map(frame.zones.map((z) => [z.zoneId, z]));
        conditions = [];
        for (const [zoneId, m] of c.zones) {
          const z = byZone.get(zoneId);
          if (z) for (const x of m.update(z, frame.tsMs)) conditions.push(x);
        }
      }
      for (const x of conditions) {
        if (this.gate.admit(`${c.rule.id}|${x.zoneId}|${x.trackId ?? ''}`, x, c.cooldownMs)) {
          out.push(this.record(c.rule, x, frame));
        }
      }
    }
    if (++this.frames % 50 === 0) {
      const cooldown = new Map(this.compiled.map((c) => [c.rule.id, c.cooldownMs]));
      this.gate.prune(frame.tsMs, (key) => cooldown.get(key.slice(0, key.indexOf('|'))) ?? 0);
    }
    return out;
  }

  private record(rule: Rule, c: Condition, frame: AnalyticsFrame): EventRecord {
    const severity: Severity =
      c.phase === 'end'
        ? 'info'
        : c.phase === 'worsen'
          ? (rule.worsenSeverity ?? 'critical')
          : (rule.severity ?? DEFAULT_SEVERITY);
    return {
      eventId: eventId(c, this.cameraId, rule.id),
      cameraId: this.cameraId,
      tsMs: c.tsMs,
      startedMs: c.startedMs,
      type: c.type,
      ruleId: rule.id,
      zoneId: c.zoneId,
      severity,
      value: c.value,
      trackIds: c.trackIds,
      message: c.message,
      snapshot: '',
      details: c.details,
      sourceId: frame.sourceId,
      segment: frame.segment,
    };
  }
}

function compile(rule: Rule, zones: { id: string; direction?: [number, number] }[]): Compiled {
  const durationMs = (rule.durationS ?? DEFAULT_DURATION_S[rule.type]) * 1000;
  const out: Compiled = {
    rule,
    cooldownMs: (rule.cooldownS ?? DEFAULT_COOLDOWN_S) * 1000,
    zones: new Map(),
    tracks: null,
  };
  const zoneIds = zones.map((z) => z.id);
  switch (rule.type) {
    case 'stopped_vehicle':
    case 'no_stopping': {
      if (!zoneIds.length) break;
      const o = {
        zoneIds,
        minDurationMs: durationMs,
        maxSpeedKmh: rule.maxSpeedKmh,
        maxPxPerS: rule.maxPxPerS,
        classes: rule.classes,
      };
      // Options left undefined take the detector's defaults.
      const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as typeof o;
      out.tracks =
        rule.type === 'stopped_vehicle'
          ? new StoppedVehicleDetector(defined)
          : new NoStoppingDetector(defined);
      break;
    }
    case 'person_in_roadway':
      if (zoneIds.length) {
        out.tracks = new PersonInRoadwayDetector({
          zoneIds,
          minDurationMs: durationMs,
          ...(rule.classes ? { classes: rule.classes } : {}),
        });
      }
      break;
    case 'wrong_way':
      if (zoneIds.length) {
        out.tracks = new WrongWayDetector({
          lanes: zones.map((z) => ({ zoneId: z.id, direction: z.direction ?? [0, 0] })),
          ...(rule.minDisplacementPx ? { minDisplacementPx: rule.minDisplacementPx } : {}),
          ...(rule.classes ? { classes: rule.classes } : {}),
        });
      }
      break;
    default:
      for (const id of zoneIds) out.zones.set(id, newZoneMonitor(rule, id));
  }
  return out;
}

function zoneOptions(rule: Rule) {
  const durationMs = (rule.durationS ?? DEFAULT_DURATION_S[rule.type]) * 1000;
  const windowMs = rule.windowS !== undefined ? rule.windowS * 1000 : undefined;
  const w = windowMs !== undefined ? { windowMs } : {};
  return { durationMs, w };
}

function newZoneMonitor(rule: Rule, zoneId: string): ZoneMonitor {
  const { durationMs, w } = zoneOptions(rule);
  if (rule.type === 'congestion') {
    return new CongestionMonitor(zoneId, {
      minDurationMs: durationMs,
      ...w,
      ...(rule.freeFlowKmh ? { freeFlowKmh: rule.freeFlowKmh } : {}),
      ...(rule.startLevel ? { startLevel: rule.startLevel } : {}),
    });
  }
  if (rule.type === 'crowd') {
    return new CrowdMonitor(zoneId, {
      minDurationMs: durationMs,
      ...w,
      ...(rule.minPersons ? { minPersons: rule.minPersons } : {}),
      ...(rule.minPersonsPerM2 ? { minPersonsPerM2: rule.minPersonsPerM2 } : {}),
    });
  }
  return new ThresholdMonitor(zoneId, {
    measure: rule.measure ?? 'vehicles',
    above: rule.above,
    below: rule.below,
    minDurationMs: durationMs,
    ...w,
  });
}

function restoreZone(zoneId: string, state: ZoneMonitorState, rule: Rule): ZoneMonitor {
  const m = newZoneMonitor(rule, zoneId);
  return (m as { restoreFrom(s: ZoneMonitorState): ZoneMonitor }).restoreFrom(state);
}
