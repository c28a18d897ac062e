/** The alert console's API: alerts (events) with their district and acknowledgement, acks, counts. */
import { type Static, Type } from '@sinclair/typebox';
import { EventRecord } from '../events.ts';
import { CameraIdValue, NullableString, TimeRange } from './common.ts';
import { SeverityFilter, TypeFilter } from './events.ts';

export const AlertsQuery = Type.Object(
  {
    ...TimeRange,
    camera: Type.Optional(CameraIdValue),
    district: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    type: Type.Optional(TypeFilter),
    severity: Type.Optional(SeverityFilter),
    state: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('all')], {
      default: 'all',
      description: 'open: not acknowledged yet',
    }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
  },
  { additionalProperties: false },
);
export type AlertsQuery = Static<typeof AlertsQuery>;

export const Acknowledgement = Type.Object({
  at: Type.String({ format: 'date-time' }),
  by: Type.String({ description: 'the name of the API key that acknowledged' }),
  role: Type.String(),
  comment: Type.String(),
});
export type Acknowledgement = Static<typeof Acknowledgement>;

export const AlertRecord = Type.Composite([
  EventRecord,
  Type.Object({
    district: NullableString(),
    /** The latest acknowledgement (null: open). Every one is kept in `alert_acks`. */
    acknowledged: Type.Union([Acknowledgement, Type.Null()]),
  }),
]);
export type AlertRecord = Static<typeof AlertRecord>;

export const AlertsAnswer = Type.Object({ alerts: Type.Array(AlertRecord) });

export const AckParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 128, description: 'event id' }) },
  { additionalProperties: false },
);
export const AckBody = Type.Object(
  { comment: Type.String({ minLength: 1, maxLength: 1000, description: 'what was done or why' }) },
  { additionalProperties: false },
);
export type AckBody = Static<typeof AckBody>;
export const AckAnswer = Type.Object({ eventId: Type.String(), acknowledged: Acknowledgement });

export const AlertCountsQuery = Type.Object(
  {
    ...TimeRange,
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone of the days' }),
    ),
  },
  { additionalProperties: false },
);
export type AlertCountsQuery = Static<typeof AlertCountsQuery>;

export const AlertCounts = Type.Object({
  timeZone: Type.String(),
  rows: Type.Array(
    Type.Object({
      day: Type.String({ description: 'local date, YYYY-MM-DD' }),
      district: Type.String({ description: "'' for cameras without a district" }),
      info: Type.Integer(),
      warning: Type.Integer(),
      critical: Type.Integer(),
      acknowledged: Type.Integer(),
    }),
  ),
});
export type AlertCounts = Static<typeof AlertCounts>;
