import type { ZoneSample } from '../../schemas/analytics.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import {
  DEFAULT_LOS_DENSITY,
  DEFAULT_PCU,
  type IntervalRow,
  type LevelOfService,
} from '../../schemas/measures.ts';

/** The interval grids measures are kept on, seconds: 1 minute and the 15-minute reporting period. */
export const INTERVALS = [60, 900] as const;
export type IntervalS = (typeof INTERVALS)[number];

export interface IntervalAggregatorOptions {
  /** Counting line ids (each gets a positive and a negative row per interval). */
  lines: readonly string[];
  /** Zone ids (one row per interval). */
  zones: readonly string[];
  pcu?: Partial<Record<ProductClass, number>>;
  /** LOS A-E density upper bounds, pcu/km/lane. */
  losDensity?: readonly number[];
}

interface Acc {
  frames: number;
  volumeByClass: Partial<Record<ProductClass, number>>;
  pcu: number;
  speeds: number[];
  occupied: number;
  vehicles: number;
  densitySum: number;
  densityFrames: number;
  persons: number;
  personsMax: number;
  congestion: string;
}

export interface IntervalAggregatorState {
  version: 1;
  /** Open interval start per grid (ms), null before the first frame. */
  open: Record<string, number | null>;
  acc: Record<string, Acc>;
  /** Volumes of the last three closed 15-minute intervals per site, for the peak-hour factor. */
  recent: Record<string, Array<[startMs: number, volume: number]>>;
}

/**
 * Turns frame-by-frame observations into per-interval traffic measures, on a 1-minute and a
 * 15-minute grid aligned to the clock (an interval [start, start + size) closes when the first frame
 * at or after its end arrives, or when the source ends):
 *
 *   frames ─┬─ crossing(line, dir, class, speed) ──▶ volume by class, pcu, speeds     (lines)
 *           ├─ entry(zone, class, speed) ──────────▶ volume by class, pcu, speeds     (zones)
 *           └─ frame(ts, zone samples) ────────────▶ occupancy, mean count, density, persons
 *
 *   interval closes ──▶ IntervalRow: flow = pcu × 3600 / size, mean and 85th-percentile speed,
 *                       LOS from mean density, PHF = hour volume / (4 × max 15-min volume)
 *
 * Occupancy is time occupancy, as a loop detector measures it: the share of analysed frames with at
 * least one vehicle in the zone. Density is the mean over frames of the zone's pcu per km per lane,
 * so LOS follows the HCM's density bands. The peak-hour factor of a 15-minute row covers the hour
 * that ends with it, and is null until four consecutive 15-minute intervals exist.
 *
 * @example
 *   const agg = new IntervalAggregator({ lines: ['stop-bar'], zones: ['lane-1'] });
 *   agg.crossing('stop-bar', 'positive', 'car', 32.5);
 *   const closed = agg.frame(tsMs, zoneSamples); // rows of intervals that ended before tsMs
 *   const rest = agg.flush();                    // at the end of the source: the partial intervals
 */
export class IntervalAggregator {
  private readonly lines: readonly string[];
  private readonly zones: readonly string[];
  private readonly pcu: Record<ProductClass, number>;
  private readonly los: readonly number[];
  private open: Record<string, number | null> = { 60: null, 900: null };
  private acc = new Map<string, Acc>();
  private recent = new Map<string, Array<[number, number]>>();

  constructor(o: IntervalAggregatorOptions) {
    this.lines = [...o.lines];
    this.zones = [...o.zones];
    this.pcu = { ...DEFAULT_PCU, ...(o.pcu ?? {}) };
    const los = o.losDensity ?? DEFAULT_LOS_DENSITY;
    if (los.length !== 5 || los.some((v, i) => !(v >= 0) || (i > 0 && v <= los[i - 1]))) {
      throw new RangeError(
        `IntervalAggregator: losDensity needs 5 increasing bounds, got [${los.join(', ')}]`,
      );
    }
    this.los = [...los];
  }

  static restore(state: IntervalAggregatorState, o: IntervalAggregatorOptions): IntervalAggregator {
    if (state.version !== 1)
      throw new RangeError(`IntervalAggregator.restore: unknown version ${state.version}`);
    const a = new IntervalAggregator(o);
    a.open = { ...state.open };
    for (const [k, v] of Object.entries(state.acc)) a.acc.set(k, structuredClone(v));
    for (const [k, v] of Object.entries(state.recent))
      a.recent.set(
        k,
        v.map(([s, n]) => [s, n]),
      );
    return a;
  }

  snapshot(): IntervalAggregatorState {
    return {
      version: 1,
      open: { ...this.open },
      acc: Object.fromEntries([...this.acc].map(([k, v]) => [k, structuredClone(v)])),
      recent: Object.fromEntries([...this.recent].map(([k, v]) => [k, v.map(([s, n]) => [s, n])])),
    } as IntervalAggregatorState;
  }

  /** Passenger-car units of one object of a class. */
  pcuOf(cls: ProductClass): number {
    return this.pcu[cls];
  }

  /** Level of service for a density (pcu/km/lane). */
  levelOfService(density: number): LevelOfService {
    const grades: LevelOfService[] = ['A', 'B', 'C', 'D', 'E'];
    for (let i = 0; i < 5; i++) if (density <= this.los[i]) return grades[i];
    return 'F';
  }

  /**
   * One analysed frame at tsMs with each zone's sample. Closes the intervals tsMs has moved past
   * (returned), opens new ones, and adds the frame to every open interval. Call it BEFORE the
   * frame's crossings and entries, so they land in the interval of their own time.
   */
  frame(tsMs: number, zones: readonly ZoneSample[]): IntervalRow[] {
    const closed: IntervalRow[] = [];
    const byId = new Map(zones.map((z) => [z.zoneId, z]));
    for (const size of INTERVALS) {
      const start = Math.floor(tsMs / (size * 1000)) * size * 1000;
      const open = this.open[size];
      if (open !== null && start < open) {
        throw new RangeError(`IntervalAggregator.frame: time went backwards (${tsMs} < ${open})`);
      }
      if (open !== start) {
        if (open !== null) closed.push(...this.close(size));
        this.open[size] = start;
      }
      for (const line of this.lines) {
        for (const dir of ['positive', 'negative']) this.get(size, 'line', line, dir).frames++;
      }
      for (const zoneId of this.zones) {
        const a = this.get(size, 'zone', zoneId, '');
        a.frames++;
        const z = byId.get(zoneId);
        if (!z) continue;
        if (z.vehicles > 0) a.occupied++;
        a.vehicles += z.vehicles;
        if (z.densityPcuKm !== null) {
          a.densitySum += z.densityPcuKm;
          a.densityFrames++;
        }
        a.persons += z.persons;
        a.personsMax = Math.max(a.personsMax, z.persons);
      }
    }
    return closed;
  }

  /** A vehicle crossed a counting line (in the current frame). */
  crossing(lineId: string, direction: 'positive' | 'negative', cls: ProductClass, speedKmh: number | null) {
    for (const size of INTERVALS) this.count(this.get(size, 'line', lineId, direction), cls, speedKmh);
  }

  /**
   * The speed of a vehicle that crossed a line earlier, known only now (CrossingSpeeds): a speed
   * sample of the intervals open now, the crossing itself having been counted when it happened.
   */
  crossingSpeed(lineId: string, direction: 'positive' | 'negative', speedKmh: number) {
    this.speed('line', lineId, direction, speedKmh);
  }

  /** A vehicle entered a zone (in the current frame): zone volume. */
  entry(zoneId: string, cls: ProductClass) {
    if (cls === 'person') return;
    for (const size of INTERVALS) this.count(this.get(size, 'zone', zoneId, ''), cls, null);
  }

  /**
   * A vehicle's speed through a zone, given when it leaves (by then its speed has a history; at the
   * entry it often has none yet): the zone's speed samples are of the vehicles that left in the interval.
   */
  zoneSpeed(zoneId: string, cls: ProductClass, speedKmh: number) {
    if (cls !== 'person') this.speed('zone', zoneId, '', speedKmh);
  }

  /** A speed sample of a site's open intervals, to 0.1 km/h. */
  private speed(kind: string, id: string, dir: string, speedKmh: number) {
    if (!Number.isFinite(speedKmh)) return;
    for (const size of INTERVALS) this.get(size, kind, id, dir).speeds.push(Math.round(speedKmh * 10) / 10);
  }

  /** The zone's congestion state, reported with the intervals open now. */
  congestion(zoneId: string, state: string) {
    for (const size of INTERVALS) this.get(size, 'zone', zoneId, '').congestion = state;
  }

  /** Closes every open interval (the source ended) and returns their rows. */
  flush(): IntervalRow[] {
    const rows: IntervalRow[] = [];
    for (const size of INTERVALS) {
      if (this.open[size] !== null) rows.push(...this.close(size));
      this.open[size] = null;
    }
    return rows;
  }

  private count(a: Acc, cls: ProductClass, speedKmh: number | null) {
    a.volumeByClass[cls] = (a.volumeByClass[cls] ?? 0) + 1;
    a.pcu += this.pcu[cls];
    if (speedKmh !== null && Number.isFinite(speedKmh)) a.speeds.push(Math.round(speedKmh * 10) / 10);
  }

  private get(size: number, kind: string, id: string, dir: string): Acc {
    const key = `${size}|${kind}|${id}|${dir}`;
    let a = this.acc.get(key);
    if (!a) {
      a = {
        frames: 0,
        volumeByClass: {},
        pcu: 0,
        speeds: [],
        occupied: 0,
        vehicles: 0,
        densitySum: 0,
        densityFrames: 0,
        persons: 0,
        personsMax: 0,
        congestion: '',
      };
      this.acc.set(key, a);
    }
    return a;
  }

  private close(size: IntervalS): IntervalRow[] {
    const startMs = this.open[size] as number;
    const rows: IntervalRow[] = [];
    for (const [key, a] of this.acc) {
      const [s, kind, siteId, direction] = key.split('|');
      if (Number(s) !== size) continue;
      this.acc.delete(key);
      if (a.frames === 0) continue;
      const volume = Object.values(a.volumeByClass).reduce((x, y) => x + (y ?? 0), 0);
      const density = a.densityFrames ? a.densitySum / a.densityFrames : null;
      const speeds = [...a.speeds].sort((x, y) => x - y);
      rows.push({
        siteKind: kind as 'line' | 'zone',
        siteId,
        direction,
        intervalS: size,
        startMs,
        frames: a.frames,
        volume,
        volumeByClass: a.volumeByClass,
        pcu: round(a.pcu, 2),
        flowPcuH: round((a.pcu * 3600) / size, 1),
        speedsKmh: a.speeds,
        speedMeanKmh: speeds.length ? round(speeds.reduce((x, y) => x + y, 0) / speeds.length, 1) : null,
        speedP85Kmh: speeds.length ? speeds[Math.ceil(0.85 * speeds.length) - 1] : null,
        occupancy: kind === 'zone' ? round(a.occupied / a.frames, 4) : 0,
        meanCount: kind === 'zone' ? round(a.vehicles / a.frames, 3) : 0,
        densityPcuKm: density === null ? null : round(density, 2),
        los: density === null ? '' : this.levelOfService(density),
        phf: size === 900 ? this.peakHourFactor(key, startMs, volume) : null,
        personsMean: kind === 'zone' ? round(a.persons / a.frames, 3) : 0,
        personsMax: a.personsMax,
        congestion: a.congestion,
      });
    }
    return rows;
  }

  /** PHF of the hour ending with this 15-minute interval: V_hour / (4 · V_max15), null without four in a row. */
  private peakHourFactor(key: string, startMs: number, volume: number): number | null {
    const prev = (this.recent.get(key) ?? []).filter(([s]) => startMs - s <= 3 * 900_000 && s < startMs);
    const hour = [...prev, [startMs, volume] as [number, number]];
    this.recent.set(key, hour.slice(-3));
    const consecutive = hour.length === 4 && hour.every(([s], i) => s === startMs - (3 - i) * 900_000);
    if (!consecutive) return null;
    const max = Math.max(...hour.map(([, v]) => v));
    return max > 0 ? round(hour.reduce((x, [, v]) => x + v, 0) / (4 * max), 3) : null;
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
