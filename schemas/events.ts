/**
 * Events and alerts, as the rule engine raises them and as they travel: the `events` table
 * (schemas/clickhouse/migrations/0006_events.sql, snake_case columns), the Redis pub/sub channel
 * `<prefix>:events` and webhooks (this JSON shape, camelCase), and the API.
 */
import { type Static, Type } from '@sinclair/typebox';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SeveritySchema = Type.Union(SEVERITIES.map((s) => Type.Literal(s)));

export const EVENT_TYPES = [
  'jam_start',
  'jam_worsen',
  'jam_clear',
  'crowd_form',
  'crowd_disperse',
  'stopped_vehicle',
  'wrong_way',
  'no_stopping',
  'person_in_roadway',
  'threshold',
  'camera_offline',
  'camera_online',
  'camera_frozen',
  'camera_unfrozen',
  'plate_watchlist',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const EventTypeSchema = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)));

export const EventRecord = Type.Object(
  {
    eventId: Type.String({ minLength: 1 }),
    cameraId: Type.String({ minLength: 1 }),
    /** When the condition was confirmed (after its minimum duration), epoch ms. */
    tsMs: Type.Number(),
    /** When the condition began, epoch ms. */
    startedMs: Type.Number(),
    type: EventTypeSchema,
    ruleId: Type.String(),
    /** Zone or line concerned; '' for the whole camera. */
    zoneId: Type.String(),
    severity: SeveritySchema,
    /** The measure that triggered: a count, a density, seconds stopped, ... */
    value: Type.Number(),
    trackIds: Type.Array(Type.Integer({ minimum: 0 })),
    message: Type.String(),
    /** Path of the JPEG evidence (boxes drawn); '' when none was made. */
    snapshot: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    sourceId: Type.String(),
    segment: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type EventRecord = Static<typeof EventRecord>;
