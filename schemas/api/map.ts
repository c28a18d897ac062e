/** The city map's data: every camera with its place and current state, and the corridors through them. */
import { type Static, Type } from '@sinclair/typebox';
import { NullableNumber, NullableString } from './common.ts';

export const MapQuery = Type.Object(
  {
    district: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'only this district' })),
  },
  { additionalProperties: false },
);
export type MapQuery = Static<typeof MapQuery>;

const LatLon = Type.Object({ lat: Type.Number(), lon: Type.Number() });

export const MapCamera = Type.Object({
  cameraId: Type.String(),
  name: Type.String(),
  /** null: the camera has no `location` and is listed but not drawn. */
  location: Type.Union([LatLon, Type.Null()]),
  heading: NullableNumber('compass bearing the camera looks along, degrees'),
  district: NullableString(),
  /**
   * online, offline or frozen (a live camera's latest health report of the last day); `measuring`
   * (no health report, measures in the last 15 minutes: a file or a camera without health rows);
   * `idle` (neither).
   */
  status: Type.String(),
  /** Worst level of service A-F of its zones in the latest minute with measures (null: none or uncalibrated). */
  los: NullableString(),
  /** Worst congestion state (free, slow, heavy, jam) of its zones in the latest minute (null: none). */
  congestion: NullableString(),
  /** Vehicles counted in the last 15 minutes (its lines; its zones' entries when it has no lines). */
  volume15m: Type.Union([Type.Integer(), Type.Null()]),
  /** Mean speed over the last 15 minutes, km/h (null: no speed estimates). */
  speedKmh: NullableNumber(),
  /** Start of the latest minute with measures (null: none in the last 15 minutes). */
  measuredAt: NullableString(),
  /** Open (not acknowledged) alerts, warning or critical, raised in the last hour, and the worst severity among them. */
  alerts1h: Type.Integer(),
  worstSeverity: NullableString(),
  /** The forecast for the interval ending 60 minutes after the latest refresh (null: none current). */
  nextHour: Type.Union([
    Type.Object({
      los: NullableString('level of service of the forecast density'),
      volume: NullableNumber('vehicles in that 15-minute interval'),
      speedKmh: NullableNumber(),
    }),
    Type.Null(),
  ]),
});
export type MapCamera = Static<typeof MapCamera>;

export const MapCorridorLeg = Type.Object({
  from: Type.String({ description: 'camera id' }),
  to: Type.String({ description: 'the next camera along the corridor' }),
  lengthM: NullableNumber('road distance, metres (toNextM of `from`)'),
  /** Mean of the two cameras' current speeds, km/h (null: neither has one). */
  speedKmh: NullableNumber(),
});

export const MapCorridor = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** Camera ids in corridor order (positions ascending). */
  cameras: Type.Array(Type.String()),
  legs: Type.Array(MapCorridorLeg),
});
export type MapCorridor = Static<typeof MapCorridor>;

export const MapAnswer = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  /** Base-map tiles ({z}/{x}/{y} URL template) and attribution; null: none configured (plain background). */
  tiles: Type.Union([Type.Object({ url: Type.String(), attribution: Type.String() }), Type.Null()]),
  districts: Type.Array(Type.String()),
  cameras: Type.Array(MapCamera),
  corridors: Type.Array(MapCorridor),
});
export type MapAnswer = Static<typeof MapAnswer>;
