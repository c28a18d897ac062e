import { type Static, Type } from '@sinclair/typebox';
import { CameraIdValue, IntervalQuery, TimeRange } from './common.ts';

const MaxMinutes = Type.Integer({
  minimum: 1,
  maximum: 720,
  default: 60,
  description: 'a later sighting counts as the same trip only within this many minutes',
});

export const TravelTimeQuery = Type.Object(
  {
    fromCamera: CameraIdValue,
    toCamera: CameraIdValue,
    ...TimeRange,
    interval: IntervalQuery,
    maxMinutes: MaxMinutes,
  },
  { additionalProperties: false },
);
export type TravelTimeQuery = Static<typeof TravelTimeQuery>;

export const TravelTimes = Type.Object({
  fromCamera: Type.String(),
  toCamera: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  intervalMinutes: Type.Integer(),
  maxMinutes: Type.Integer(),
  /** Intervals of departure (at fromCamera) with at least one matched vehicle. */
  intervals: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      matched: Type.Integer({ description: 'vehicles seen at both cameras (by plate hash)' }),
      medianSeconds: Type.Number(),
      p85Seconds: Type.Number(),
    }),
  ),
});
export type TravelTimes = Static<typeof TravelTimes>;

export const OdMatrixQuery = Type.Object(
  {
    cameras: Type.String({ minLength: 1, maxLength: 2000, description: 'comma-separated camera ids' }),
    ...TimeRange,
    maxMinutes: MaxMinutes,
  },
  { additionalProperties: false },
);
export type OdMatrixQuery = Static<typeof OdMatrixQuery>;

export const OdMatrix = Type.Object({
  cameras: Type.Array(Type.String()),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  maxMinutes: Type.Integer(),
  /** counts[i][j]: vehicles whose next sighting after cameras[i] was at cameras[j]. */
  counts: Type.Array(Type.Array(Type.Integer())),
});
export type OdMatrix = Static<typeof OdMatrix>;
