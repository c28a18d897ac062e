/**
 * Traffic-measure settings (config key `measures`) and the rows the pipeline writes to the
 * `traffic_measures` and `tracks` tables (schemas/clickhouse/migrations/0004, 0005).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { ProductClass } from './classes.ts';

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

/** One row of `traffic_measures` (camelCase; SegmentWriter maps it to columns). */
export interface IntervalRow {
  siteKind: 'line' | 'zone';
  siteId: string;
  /** Lines: 'positive' | 'negative'; zones: ''. */
  direction: string;
  intervalS: 60 | 900;
  /** Interval start, epoch ms (aligned). */
  startMs: number;
  frames: number;
  volume: number;
  volumeByClass: Partial<Record<ProductClass, number>>;
  pcu: number;
  flowPcuH: number;
  speedsKmh: number[];
  speedMeanKmh: number | null;
  speedP85Kmh: number | null;
  occupancy: number;
  meanCount: number;
  densityPcuKm: number | null;
  los: LevelOfService | '';
  phf: number | null;
  personsMean: number;
  personsMax: number;
  congestion: string;
}

/** One row of `tracks`. */
export interface TrackRow {
  trackId: number;
  cls: ProductClass;
  firstSeenMs: number;
  lastSeenMs: number;
  hits: number;
  path: Array<[number, number]>;
  distanceM: number | null;
  meanSpeedKmh: number | null;
}
