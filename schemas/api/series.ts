import { type Static, Type } from '@sinclair/typebox';
import { CameraIdValue, IntervalQuery, NullableNumber as Nullable, TimeRange } from './common.ts';

export const SeriesQuery = Type.Object(
  { camera: CameraIdValue, ...TimeRange, interval: IntervalQuery },
  { additionalProperties: false },
);
export type SeriesQuery = Static<typeof SeriesQuery>;

const NullableNumber = Nullable();

export const CountsSeries = Type.Object({
  cameraId: Type.String(),
  intervalMinutes: Type.Integer(),
  points: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      siteKind: Type.String({ description: 'line or zone' }),
      siteId: Type.String(),
      direction: Type.String({ description: 'positive / negative for lines; empty for zones' }),
      volume: Type.Integer(),
      volumeByClass: Type.Record(Type.String(), Type.Integer()),
      pcu: Type.Number(),
    }),
  ),
});

export const SpeedSeries = Type.Object({
  cameraId: Type.String(),
  intervalMinutes: Type.Integer(),
  points: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      samples: Type.Integer({ description: 'vehicles with a speed estimate' }),
      meanKmh: NullableNumber,
      p50Kmh: NullableNumber,
      p85Kmh: NullableNumber,
    }),
  ),
});

export const CrowdSeries = Type.Object({
  cameraId: Type.String(),
  intervalMinutes: Type.Integer(),
  points: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      zoneId: Type.String(),
      personsMean: Type.Number({ description: 'mean persons in the zone per analysed frame' }),
      personsMax: Type.Integer(),
    }),
  ),
});
