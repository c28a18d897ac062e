/**
 * Where a camera stands in the city: its position and heading, its district, and the corridors it
 * belongs to. Used by the city map, corridor views and forecasts; the analytics do not need it.
 *
 *   corridors:                       # in the configuration file, beside cameras:
 *     - { id: nguyen-hue, name: Nguyễn Huệ }
 *   cameras:
 *     - id: cam-07
 *       location: { lat: 10.7745, lon: 106.7036 }
 *       heading: 180                 # looks south
 *       district: "District 1"
 *       corridors: [{ id: nguyen-hue, position: 1, toNextM: 420 }]
 *
 *   corridor nguyen-hue:  cam-07 ──420 m──▶ cam-08 ──380 m──▶ cam-09
 *                         position 1        position 2        position 3 (last: no toNextM)
 */
import { type Static, Type } from '@sinclair/typebox';

/** A corridor id: names rows and URLs, so the same rule as camera ids. */
export const CORRIDOR_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

/** WGS 84 degrees. */
export const Location = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90, description: 'latitude, degrees (WGS 84)' }),
    lon: Type.Number({ minimum: -180, maximum: 180, description: 'longitude, degrees (WGS 84)' }),
  },
  { additionalProperties: false },
);
export type Location = Static<typeof Location>;

/** A camera's place in one corridor: its order along it and the road distance to the next camera. */
export const CorridorMembership = Type.Object(
  {
    id: Type.String({ pattern: CORRIDOR_ID_PATTERN, description: 'a corridor declared under corridors:' }),
    position: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      description: '1 for the first camera, in the direction of travel',
    }),
    toNextM: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1_000_000,
        description: 'road distance to the next camera, metres',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CorridorMembership = Static<typeof CorridorMembership>;

/** The place keys a camera may carry (spread into CameraConfig). */
export const CameraPlaceKeys = {
  location: Type.Optional(Location),
  /** Compass bearing the camera looks along, degrees clockwise from north. */
  heading: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 360 })),
  district: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  corridors: Type.Optional(Type.Array(CorridorMembership, { maxItems: 32 })),
};

/** A corridor: an ordered route through cameras (the order is each camera's `position`). */
export const Corridor = Type.Object(
  {
    id: Type.String({ pattern: CORRIDOR_ID_PATTERN }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type Corridor = Static<typeof Corridor>;

/** A camera's place as the API and the map give it (every key may be absent). */
export interface CameraPlace {
  location?: Location;
  heading?: number;
  district?: string;
  corridors?: CorridorMembership[];
}

/** The keys of a camera's configuration that make its place. */
export const PLACE_KEYS = ['location', 'heading', 'district', 'corridors'] as const;

/** The place keys of a camera's configuration object (those it has). */
export function placeOf(config: Record<string, unknown>): CameraPlace {
  return Object.fromEntries(PLACE_KEYS.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]));
}

/** A camera's configuration without its place keys (to put another place in). */
export function withoutPlace<T extends object>(config: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(config).filter(([k]) => !(PLACE_KEYS as readonly string[]).includes(k)),
  ) as Partial<T>;
}
