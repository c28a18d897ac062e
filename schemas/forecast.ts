/** Rows of the `forecasts` table (migration 0034) and the forecast API's answer. */
import { type Static, Type } from '@sinclair/typebox';
import { NullableNumber, NullableString } from './api/common.ts';

/** A `forecasts` row as the forecaster makes it (times in UTC ms; the store mapper formats them). */
export interface ForecastRow {
  camera_id: string;
  issued_at: number;
  horizon_min: number;
  target_start: number;
  measure: 'volume' | 'speed_kmh' | 'density_pcu_km';
  value: number;
  low: number;
  high: number;
  profile: number;
  los: string;
  model: string;
}

export const ForecastQuery = Type.Object(
  {
    camera: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'camera id' })),
    corridor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description: 'ordered, comma-separated camera ids (instead of camera)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ForecastQuery = Static<typeof ForecastQuery>;

const Horizon = Type.Object({
  horizonMin: Type.Integer({ description: '15, 30 or 60' }),
  targetStart: Type.String({ format: 'date-time', description: 'start of the 15-minute interval forecast' }),
  volume: NullableNumber('vehicles in the interval'),
  volumeLow: NullableNumber('80 % band'),
  volumeHigh: NullableNumber(),
  speedKmh: NullableNumber('mean speed'),
  speedLow: NullableNumber(),
  speedHigh: NullableNumber(),
  densityPcuKm: NullableNumber('worst zone density'),
  los: NullableString('level of service of the forecast density'),
  profileVolume: NullableNumber('what this weekly slot usually brings (the seasonal profile alone)'),
});

export const CameraForecast = Type.Object({
  cameraId: Type.String(),
  /** ok: forecast below; insufficient-history or none-yet: `reason` says why. */
  status: Type.String(),
  reason: NullableString(),
  issuedAt: NullableString('end of the latest interval the forecast used'),
  model: NullableString(),
  horizons: Type.Array(Horizon),
});
export type CameraForecast = Static<typeof CameraForecast>;

/**
 * A corridor's travel time ahead: per leg, its road length over the mean of its two cameras'
 * forecast speeds, summed. Null where a leg's length (`toNextM`) or both its speeds are unknown.
 */
export const CorridorForecast = Type.Object({
  cameras: Type.Array(Type.String()),
  lengthM: NullableNumber('road length of the whole corridor (null: a leg has no toNextM)'),
  horizons: Type.Array(
    Type.Object({
      horizonMin: Type.Integer(),
      travelTimeS: NullableNumber('forecast travel time from the first camera to the last, seconds'),
    }),
  ),
  reason: NullableString('why there is no travel time, when there is none'),
});
export type CorridorForecast = Static<typeof CorridorForecast>;

export const ForecastAnswer = Type.Object({
  cameras: Type.Array(CameraForecast),
  /** Only for `corridor=` requests. */
  corridor: Type.Optional(CorridorForecast),
});
export type ForecastAnswer = Static<typeof ForecastAnswer>;
