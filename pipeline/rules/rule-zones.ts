import type { Rule, RuleType } from '../../schemas/rules.ts';
import type { SceneConfig, SceneZone, ZoneKind } from '../../schemas/scene.ts';

/** Zone kinds a rule type watches by default, in order of preference (the first kind the scene has). */
export const DEFAULT_ZONE_KINDS: Record<RuleType, ZoneKind[] | 'all'> = {
  congestion: ['lane', 'roadway'],
  crowd: ['crowd'],
  stopped_vehicle: ['lane'],
  wrong_way: ['lane'],
  no_stopping: ['no-stopping'],
  person_in_roadway: ['roadway'],
  threshold: 'all',
};

/** Options that only make sense for some rule types. */
const OPTION_TYPES: Record<string, RuleType[]> = {
  freeFlowKmh: ['congestion'],
  startLevel: ['congestion'],
  worsenSeverity: ['congestion'],
  windowS: ['congestion', 'crowd', 'threshold'],
  minPersons: ['crowd'],
  minPersonsPerM2: ['crowd'],
  maxSpeedKmh: ['stopped_vehicle', 'no_stopping'],
  maxPxPerS: ['stopped_vehicle', 'no_stopping'],
  minDisplacementPx: ['wrong_way'],
  measure: ['threshold'],
  classes: ['stopped_vehicle', 'no_stopping', 'wrong_way', 'person_in_roadway'],
  above: ['threshold'],
  below: ['threshold'],
};

/** A problem with a rule: the key under the rule (e.g. 'zones[1]') and the reason. */
export interface RuleProblem {
  key: string;
  message: string;
}

/** Whether a rule applies to a camera. */
export function ruleApplies(rule: Rule, cameraId: string): boolean {
  return !rule.cameras || rule.cameras.includes(cameraId);
}

/** The first problem of a rule on its own (options of other types, threshold without a measure, ...). */
export function ruleOwnProblem(rule: Rule): RuleProblem | null {
  for (const [option, types] of Object.entries(OPTION_TYPES)) {
    if (option in rule && !types.includes(rule.type)) {
      return { key: option, message: `applies to ${types.join(', ')} rules, not ${rule.type}` };
    }
  }
  if (rule.type === 'threshold') {
    if (!rule.measure) return { key: 'measure', message: 'is required for a threshold rule' };
    if ((rule.above === undefined) === (rule.below === undefined)) {
      return { key: 'above', message: 'give exactly one of above and below' };
    }
  }
  return null;
}

/**
 * The zones of a scene a rule watches on a camera, or the first problem: a listed zone the scene
 * lacks, a wrong-way lane without a direction, a zone of a kind the rule type cannot use, a measure
 * that needs a calibration the camera lacks.
 */
export function resolveRuleZones(rule: Rule, scene: SceneConfig | undefined): SceneZone[] | RuleProblem {
  const all = scene?.zones ?? [];
  let zones: SceneZone[];
  if (rule.zones) {
    zones = [];
    for (const [i, id] of rule.zones.entries()) {
      const z = all.find((s) => s.id === id);
      if (!z) {
        const known = all.map((s) => s.id).join(', ') || 'none';
        return { key: `zones[${i}]`, message: `unknown zone "${id}" (the scene's zones: ${known})` };
      }
      zones.push(z);
    }
  } else {
    const kinds = DEFAULT_ZONE_KINDS[rule.type];
    if (kinds === 'all') zones = all;
    else {
      const kind = kinds.find((k) => all.some((z) => (z.kind ?? 'area') === k));
      zones = kind ? all.filter((z) => (z.kind ?? 'area') === kind) : [];
    }
  }
  for (const [i, z] of zones.entries()) {
    const key = rule.zones ? `zones[${i}]` : 'zones';
    const kind = z.kind ?? 'area';
    if (rule.type === 'wrong_way') {
      if (kind !== 'lane') return { key, message: `zone "${z.id}" is a ${kind}, wrong_way needs lanes` };
      if (!z.direction) return { key, message: `lane "${z.id}" has no direction (wrong_way needs one)` };
    }
    if (rule.type === 'no_stopping' && kind !== 'no-stopping' && kind !== 'area') {
      return { key, message: `zone "${z.id}" is a ${kind}, no_stopping needs a no-stopping zone` };
    }
    if (rule.type === 'stopped_vehicle' && kind !== 'lane' && kind !== 'roadway') {
      return { key, message: `zone "${z.id}" is a ${kind}, stopped_vehicle needs a lane or roadway` };
    }
    if (rule.type === 'person_in_roadway' && kind !== 'roadway' && kind !== 'lane') {
      return { key, message: `zone "${z.id}" is a ${kind}, person_in_roadway needs a roadway or lane` };
    }
  }
  const needsCalibration =
    (rule.type === 'crowd' && rule.minPersonsPerM2 !== undefined) ||
    (rule.type === 'threshold' && (rule.measure === 'density' || rule.measure === 'meanSpeed'));
  if (needsCalibration && !scene?.calibration) {
    return {
      key: rule.type === 'crowd' ? 'minPersonsPerM2' : 'measure',
      message: "needs the camera's scene.calibration (metres on the ground), which it lacks",
    };
  }
  return zones;
}
