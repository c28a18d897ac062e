import { type Static, Type } from '@sinclair/typebox';
import { EVENT_TYPES, EventRecord, SEVERITIES } from '../events.ts';
import { CameraIdValue, TimeRange } from './common.ts';

export const TypeFilter = Type.Unsafe<string>({
  type: 'string',
  enum: [...EVENT_TYPES],
  description: 'event type',
});
export const SeverityFilter = Type.Unsafe<string>({
  type: 'string',
  enum: [...SEVERITIES],
  description: 'minimum severity: info < warning < critical',
});

export const EventsQuery = Type.Object(
  {
    ...TimeRange,
    camera: Type.Optional(CameraIdValue),
    type: Type.Optional(TypeFilter),
    severity: Type.Optional(SeverityFilter),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;

export const EventsAnswer = Type.Object({ events: Type.Array(EventRecord) });

export const EventStreamQuery = Type.Object(
  {
    camera: Type.Optional(CameraIdValue),
    type: Type.Optional(TypeFilter),
    severity: Type.Optional(SeverityFilter),
  },
  { additionalProperties: false },
);
export type EventStreamQuery = Static<typeof EventStreamQuery>;
