import { median } from '../stats/median.ts';

/**
 * The seasonal profile of a 15-minute series: what this day of the week and time of day usually
 * brings, from the same slot of earlier weeks.
 *
 *   index:  … t-2W   …   t-W   …   t          a week is WEEK = 672 intervals of 15 minutes
 *   value:     y₁           y₂        ?         profile(t) = median(y₁, y₂, …) of the last `weeks`
 *
 * The median rather than the mean: one week with an incident or a holiday in that slot does not
 * drag the profile. A slot with fewer than `minSamples` earlier values has no profile (NaN).
 * Weeks are counted in 15-minute steps, so in a zone with daylight saving time the profile is an
 * hour off for the week after a change; Vietnam has none.
 *
 * @example
 *   const p = new SeasonalProfile(series, { weeks: 6 });
 *   p.at(t + 2); // the profile of the slot 30 minutes after t, from data before it
 */
export const WEEK = 7 * 96;

export interface SeasonalProfileOptions {
  /** Earlier weeks looked at (the most recent ones). Default 6. */
  weeks?: number;
  /** Earlier values needed for a profile. Default 2. */
  minSamples?: number;
}

export class SeasonalProfile {
  private readonly weeks: number;
  private readonly minSamples: number;
  // at() is asked for the same slots again and again (fitting, then forecasting): computed once each.
  private readonly memo = new Map<number, number>();

  constructor(
    private readonly series: Float64Array,
    o: SeasonalProfileOptions = {},
  ) {
    this.weeks = o.weeks ?? 6;
    this.minSamples = o.minSamples ?? 2;
    if (!(this.weeks >= 1) || !(this.minSamples >= 1) || this.minSamples > this.weeks)
      throw new RangeError(
        `SeasonalProfile: need 1 <= minSamples <= weeks, got ${this.minSamples}, ${this.weeks}`,
      );
  }

  /** The profile of slot `i` (which may lie beyond the series' end) from the weeks before it. */
  at(i: number): number {
    const known = this.memo.get(i);
    if (known !== undefined) return known;
    const value = this.compute(i);
    this.memo.set(i, value);
    return value;
  }

  private compute(i: number): number {
    const vals: number[] = [];
    for (let k = 1; k <= this.weeks; k++) {
      const j = i - k * WEEK;
      if (j < 0) break;
      if (j < this.series.length && Number.isFinite(this.series[j])) vals.push(this.series[j]);
    }
    return vals.length >= this.minSamples ? median(vals) : Number.NaN;
  }
}

/**
 * The historical average of slot `i`: the mean of every earlier value in the same weekly slot (a
 * baseline for the backtest, the forecast a timetable would make).
 */
export function historicalAverage(series: Float64Array, i: number): number {
  let sum = 0;
  let n = 0;
  for (let j = i - WEEK; j >= 0; j -= WEEK)
    if (j < series.length && Number.isFinite(series[j])) {
      sum += series[j];
      n++;
    }
  return n ? sum / n : Number.NaN;
}
