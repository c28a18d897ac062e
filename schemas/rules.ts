/**
 * Alert rules, the `rules:` list of the configuration file. A rule says WHAT to watch (its type and,
 * for `threshold`, the measure), WHERE (cameras, zones), WHEN it fires (threshold, duration) and how
 * loud (severity, cooldown). The rule engine (pipeline/rules/rule-engine.ts) runs every rule that
 * applies to a camera on each analysed frame; pipeline/rules/validate-rules.ts checks what the
 * schema cannot (zones exist, lanes have a direction, ...).
 *
 *   rules:
 *     - { id: jam-main, type: congestion, zones: [lane-in-1, lane-in-2], severity: warning }
 *     - { id: crowd-plaza, type: crowd, minPersons: 12, durationS: 20, severity: info }
 *     - { id: stopped, type: stopped_vehicle, durationS: 30, severity: critical, cooldownS: 120 }
 *     - { id: busy, type: threshold, measure: vehicles, above: 20, durationS: 60, zones: [box] }
 *
 * One flat object (rather than a union per type) so that a typo gets ajv's plain "unknown key" and
 * an option given to the wrong type is reported by validate-rules naming the rule.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ProductClassSchema } from './classes.ts';
import { SeveritySchema } from './events.ts';

export const RULE_TYPES = [
  'congestion',
  'crowd',
  'stopped_vehicle',
  'wrong_way',
  'no_stopping',
  'person_in_roadway',
  'threshold',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** Zone measures a `threshold` rule may watch (see ZoneSample in schemas/analytics.ts). */
export const RULE_MEASURES = ['vehicles', 'persons', 'pcu', 'density', 'occupancy', 'meanSpeed'] as const;
export type RuleMeasure = (typeof RULE_MEASURES)[number];

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const Seconds = Type.Number({ minimum: 0, maximum: 86_400 });
const Positive = Type.Number({ exclusiveMinimum: 0 });

export const RuleSchema = Type.Object(
  {
    id: Id,
    type: Type.Union(RULE_TYPES.map((t) => Type.Literal(t))),
    /** Cameras the rule applies to (default: every camera). */
    cameras: Type.Optional(Type.Array(Id, { minItems: 1, uniqueItems: true })),
    /** Zones of each camera's scene the rule watches (default: every zone of the kind the type needs). */
    zones: Type.Optional(Type.Array(Id, { minItems: 1, uniqueItems: true })),
    /** Severity of the event the rule raises (the end of a condition, e.g. jam_clear, is always 'info'). */
    severity: Type.Optional(SeveritySchema),
    /**
     * How long the condition must hold before the event is raised, s. Defaults per type:
     * congestion 20, crowd 20, stopped_vehicle 30, no_stopping 60, person_in_roadway 2, threshold 30
     * (wrong_way ignores it: it is judged on displacement).
     */
    durationS: Type.Optional(Seconds),
    /** After a condition ends, the same camera + rule + zone (+ track) stays quiet this long, s (default 60). */
    cooldownS: Type.Optional(Seconds),
    /** Incident rules: objects of these classes only (default: vehicles, or persons for person_in_roadway). */
    classes: Type.Optional(Type.Array(ProductClassSchema, { minItems: 1, uniqueItems: true })),

    // congestion
    /** Free-flow speed of the road, km/h (default 50, an urban limit): the speed bands are shares of it. */
    freeFlowKmh: Type.Optional(Positive),
    /** The lowest state that counts as a jam for jam_start / jam_clear (default 'heavy'). */
    startLevel: Type.Optional(Type.Union([Type.Literal('heavy'), Type.Literal('jam')])),
    /** Severity of jam_worsen (heavy → jam), default 'critical'. */
    worsenSeverity: Type.Optional(SeveritySchema),
    /** Rolling window the measures' median is taken over, s (defaults: congestion 20, crowd 10, threshold 5). */
    windowS: Type.Optional(Type.Number({ minimum: 0.5, maximum: 3600 })),

    // crowd
    /** A crowd: at least this many persons in the zone (default 10). */
    minPersons: Type.Optional(Type.Integer({ minimum: 1 })),
    /** ... or at least this many persons per m² (needs calibration; default: not used). */
    minPersonsPerM2: Type.Optional(Positive),

    // stopped_vehicle, no_stopping
    /** Stationary: slower than this, km/h (default 3; used when the camera is calibrated). */
    maxSpeedKmh: Type.Optional(Positive),
    /** Stationary without calibration: image speed below this, px/s (default 6). */
    maxPxPerS: Type.Optional(Positive),

    // wrong_way
    /** Net movement against the lane's direction before a track is judged wrong-way, px (default 60). */
    minDisplacementPx: Type.Optional(Positive),

    // threshold
    measure: Type.Optional(Type.Union(RULE_MEASURES.map((m) => Type.Literal(m)))),
    /** Fire when the measure is above this value ... */
    above: Type.Optional(Type.Number()),
    /** ... or below this one (exactly one of the two). */
    below: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type Rule = Static<typeof RuleSchema>;

export const RulesSchema = Type.Array(RuleSchema, { default: [] });
