/**
 * Traffic-measure settings (config key `measures`) and the rows the pipeline writes to the
 * `traffic_measures` and `tracks` tables (schemas/clickhouse/migrations/0004, 0005).
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { type ProductClass, ProductClassSchema } from './classes.ts';

/**
 * Passenger-car-unit factors for motorcycle-heavy traffic. Defaults: the Vietnamese road design
 * standard TCVN 4054:2005 ("Highway - Specifications for design", table 2, plain terrain): bicycle
 * 0.2, motorcycle 0.3, car 1.0, truck (2 axles) and small bus 2.0, large bus 2.5. Persons are not
 * traffic volume. Cities with other fleets set their own.
 */
export const DEFAULT_PCU: Readonly<Record<ProductClass, number>> = {
  car: 1,
  motorcycle: 0.3,
  bicycle: 0.2,
  truck: 2,
  bus: 2.5,
  person: 0,
};

/**
 * Level of service A-E upper bounds on density, pcu per km per lane (above the last: F). Defaults:
 * the Highway Capacity Manual (6th ed., exhibit 12-15, basic freeway segments) bands 11 / 18 / 26 /
 * 35 / 45 pc/mi/ln converted to km (÷ 1.609). Urban arterials are judged on speed in the HCM; density
 * bands are what a camera measures directly, so they are the default here and configurable.
 */
export const DEFAULT_LOS_DENSITY: readonly [number, number, number, number, number] = [7, 11, 16, 22, 28];

const Pcu = Type.Object(
  {
    car: Type.Number({ minimum: 0, default: DEFAULT_PCU.car }),
    motorcycle: Type.Number({ minimum: 0, default: DEFAULT_PCU.motorcycle }),
    bicycle: Type.Number({ minimum: 0, default: DEFAULT_PCU.bicycle }),
    truck: Type.Number({ minimum: 0, default: DEFAULT_PCU.truck }),
    bus: Type.Number({ minimum: 0, default: DEFAULT_PCU.bus }),
    person: Type.Number({ minimum: 0, default: DEFAULT_PCU.person }),
  },
  { additionalProperties: false, default: {} },
);

export const MeasuresConfig = Type.Object(
  {
    /** Passenger-car units per class. */
    pcu: Pcu,
    /** Density upper bounds (pcu/km/lane) of LOS A, B, C, D, E; increasing. */
    losDensity: Type.Array(Type.Number({ minimum: 0 }), {
      minItems: 5,
      maxItems: 5,
      default: [...DEFAULT_LOS_DENSITY],
    }),
    speed: Type.Object(
      {
        /** Speeds come from a least-squares fit over this window of ground positions, ms. */
        windowMs: Type.Integer({ minimum: 200, default: 2000 }),
        /** No speed before the window spans this long, ms. */
        minHistoryMs: Type.Integer({ minimum: 0, default: 800 }),
        /** Faster than this is an identity switch, not motion. */
        maxSpeedKmh: Type.Number({ exclusiveMinimum: 0, default: 200 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type MeasuresConfig = Static<typeof MeasuresConfig>;

export type LevelOfService = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const ClassCounts = Type.Partial(Type.Record(ProductClassSchema, Type.Integer({ minimum: 0 })));

/** One row of `traffic_measures` (camelCase; SegmentWriter maps it to columns). */
export const IntervalRowSchema = Type.Object(
  {
    siteKind: Type.Union([Type.Literal('line'), Type.Literal('zone')]),
    siteId: Type.String(),
    /** Lines: 'positive' | 'negative'; zones: ''. */
    direction: Type.String(),
    intervalS: Type.Union([Type.Literal(60), Type.Literal(900)]),
    /** Interval start, epoch ms (aligned to the grid). */
    startMs: Type.Number(),
    frames: Type.Integer({ minimum: 0 }),
    volume: Type.Integer({ minimum: 0 }),
    volumeByClass: ClassCounts,
    pcu: Type.Number(),
    flowPcuH: Type.Number(),
    speedsKmh: Type.Array(Type.Number()),
    speedMeanKmh: Nullable(Type.Number()),
    speedP85Kmh: Nullable(Type.Number()),
    occupancy: Type.Number(),
    meanCount: Type.Number(),
    densityPcuKm: Nullable(Type.Number()),
    los: Type.Union(['A', 'B', 'C', 'D', 'E', 'F', ''].map((l) => Type.Literal(l))),
    phf: Nullable(Type.Number()),
    personsMean: Type.Number(),
    personsMax: Type.Integer({ minimum: 0 }),
    congestion: Type.String(),
  },
  { additionalProperties: false },
);
export type IntervalRow = Static<typeof IntervalRowSchema> & { los: LevelOfService | '' };

/** One row of `tracks`. */
export const TrackRowSchema = Type.Object(
  {
    trackId: Type.Integer({ minimum: 1 }),
    cls: ProductClassSchema,
    firstSeenMs: Type.Number(),
    lastSeenMs: Type.Number(),
    hits: Type.Integer({ minimum: 0 }),
    path: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
    distanceM: Nullable(Type.Number()),
    meanSpeedKmh: Nullable(Type.Number()),
  },
  { additionalProperties: false },
);
export type TrackRow = Static<typeof TrackRowSchema>;

/** A track that crossed a counting line, and which way (from the camera's LineZone). */
export const LineCrossing = Type.Object(
  {
    lineId: Type.String(),
    trackId: Type.Integer({ minimum: 1 }),
    cls: ProductClassSchema,
    direction: Type.Union([Type.Literal('positive'), Type.Literal('negative')]),
    tsMs: Type.Number(),
    /** The vehicle's ground speed as it crossed, km/h (null or absent: unknown). */
    speedKmh: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  },
  { additionalProperties: false },
);
export type LineCrossing = Static<typeof LineCrossing>;

/** A track's stay in a zone, closed when it left (or was lost). */
export const ZoneVisit = Type.Object(
  {
    zoneId: Type.String(),
    trackId: Type.Integer({ minimum: 1 }),
    cls: ProductClassSchema,
    enteredMs: Type.Number(),
    leftMs: Type.Number(),
    reason: Type.Union([Type.Literal('exit'), Type.Literal('lost')]),
  },
  { additionalProperties: false },
);
export type ZoneVisit = Static<typeof ZoneVisit>;
