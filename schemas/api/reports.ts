import { type Static, Type } from '@sinclair/typebox';
import { PRODUCT_CLASSES } from '../classes.ts';
import { CameraIdValue, IntervalQuery, NullableNumber, NullableString, TimeRange } from './common.ts';
import { TravelTimes } from './travel.ts';

export const CongestionQuery = Type.Object(
  {
    camera: Type.Optional(CameraIdValue),
    corridor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description: 'ordered, comma-separated camera ids (instead of camera)',
      }),
    ),
    ...TimeRange,
    interval: IntervalQuery,
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
    timeZone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "IANA time zone (e.g. Asia/Ho_Chi_Minh): intervals follow its local clock and times carry its offset. Default: the API's (configuration key timeZone, UTC unless set)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CongestionQuery = Static<typeof CongestionQuery>;

/** One camera × interval of the congestion report. */
export const CongestionRow = Type.Object({
  cameraId: Type.String(),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  /** Analysed frames in the interval (0: no coverage; the other values are then empty). */
  frames: Type.Integer(),
  volume: Type.Integer({ description: 'vehicles counted (line crossings; zone entries when no lines)' }),
  // Fixed keys (the product classes) rather than a record: a fixed object serialises several times faster.
  volumeByClass: Type.Object(Object.fromEntries(PRODUCT_CLASSES.map((c) => [c, Type.Integer()]))),
  pcu: Type.Number(),
  flowPcuH: Type.Number(),
  speedMeanKmh: NullableNumber(),
  speedP85Kmh: NullableNumber(),
  occupancy: NullableNumber('mean zone occupancy, 0..1'),
  densityPcuKm: NullableNumber(),
  los: NullableString('worst level of service A-F of the zones'),
  incidents: Type.Integer({ description: 'events raised in the interval' }),
});
export type CongestionRow = Static<typeof CongestionRow>;

export const IncidentRow = Type.Object({
  eventId: Type.String(),
  cameraId: Type.String(),
  ts: Type.String({ format: 'date-time' }),
  type: Type.String(),
  severity: Type.String(),
  zoneId: Type.String(),
  message: Type.String(),
});

export const CongestionReport = Type.Object({
  cameras: Type.Array(Type.String(), { description: 'the camera or the corridor, in order' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  intervalMinutes: Type.Integer(),
  timeZone: Type.String({
    description:
      'IANA time zone of the intervals and of every time in the report (written with its offset; UTC as Z)',
  }),
  rows: Type.Array(CongestionRow),
  incidents: Type.Array(IncidentRow),
  /**
   * A corridor's travel times between consecutive cameras (plate matches within 60 minutes), per
   * interval of departure; empty for one camera or cameras that read no plates.
   */
  travelTimes: Type.Array(TravelTimes),
});
export type CongestionReport = Static<typeof CongestionReport>;

export const SummaryQuery = Type.Object({ ...TimeRange }, { additionalProperties: false });
export type SummaryQuery = Static<typeof SummaryQuery>;

/** One camera's totals over the range (the city-wide summary). */
export const CameraSummaryRow = Type.Object({
  cameraId: Type.String(),
  volume: Type.Integer(),
  pcu: Type.Number(),
  speedMeanKmh: NullableNumber(),
  /** Share of the camera's 15-minute intervals (with a known LOS) at level of service E or F. */
  congestedShare: NullableNumber(),
  worstLos: NullableString(),
  /** 15-minute intervals with analysed frames. */
  coveredIntervals: Type.Integer(),
  incidents: Type.Integer(),
});

export const CitySummary = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  cameras: Type.Array(CameraSummaryRow),
});
export type CitySummary = Static<typeof CitySummary>;
