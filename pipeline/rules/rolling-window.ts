/** Plain-JSON state of a {@link RollingWindow}. */
export interface RollingWindowState {
  windowMs: number;
  /** Samples oldest first: [tsMs, value]. */
  samples: [number, number][];
}

/**
 * The samples of the last `windowMs` milliseconds of a per-frame measure, with their median and
 * mean. Frames without a value (no vehicle in the zone, so no mean speed) are simply not pushed.
 *
 *   ──────┬────────────── windowMs ──────────────┐
 *   evict │ ● ●  ● ● ●  ●  ● ● ●  ● ● ●  ● ●  ● │ push(ts, v)
 *
 * Why the median: a per-frame zone measure is noisy (a missed car, a false detection, a bad speed
 * estimate) and the median ignores single outliers; and for a step change (traffic slows from 50 to
 * 8 km/h) the median crosses ANY threshold between the two levels exactly windowMs / 2 after the
 * step, so subtracting half the window from the crossing time recovers when the change happened
 * (the mean would cross each threshold at a different lag). The samples are also kept sorted
 * (binary insertion; a window holds a few hundred at most), so the median costs O(log n).
 *
 * @example
 *   const speed = new RollingWindow(20_000);
 *   for (const f of frames) speed.push(f.tsMs, f.zone.meanSpeedKmh);
 *   speed.median(); // km/h over the last 20 s, or null when no frame had a speed
 */
export class RollingWindow {
  readonly windowMs: number;
  private ts: number[] = [];
  private values: number[] = [];
  private sorted: number[] = [];
  private sum = 0;

  constructor(windowMs: number) {
    if (!(windowMs > 0 && Number.isFinite(windowMs))) {
      throw new RangeError(`RollingWindow: windowMs must be a finite number > 0, got ${windowMs}`);
    }
    this.windowMs = windowMs;
  }

  static restore(state: RollingWindowState): RollingWindow {
    const w = new RollingWindow(state.windowMs);
    for (const [ts, v] of state.samples) w.add(ts, v);
    return w;
  }

  snapshot(): RollingWindowState {
    return { windowMs: this.windowMs, samples: this.ts.map((t, i) => [t, this.values[i]]) };
  }

  /** Adds this frame's value (null: none this frame) and drops samples older than tsMs − windowMs. */
  push(tsMs: number, value: number | null): void {
    this.evict(tsMs);
    if (value !== null && Number.isFinite(value)) this.add(tsMs, value);
  }

  /** Drops samples older than tsMs − windowMs (push does it too). */
  evict(tsMs: number): void {
    let n = 0;
    while (n < this.ts.length && this.ts[n] <= tsMs - this.windowMs) {
      this.removeSorted(this.values[n]);
      this.sum -= this.values[n];
      n++;
    }
    if (n) {
      this.ts.splice(0, n);
      this.values.splice(0, n);
      if (!this.ts.length) this.sum = 0; // no drift carried across an empty window
    }
  }

  get count(): number {
    return this.ts.length;
  }

  median(): number | null {
    const n = this.sorted.length;
    if (!n) return null;
    return n % 2 ? this.sorted[(n - 1) / 2] : (this.sorted[n / 2 - 1] + this.sorted[n / 2]) / 2;
  }

  mean(): number | null {
    return this.ts.length ? this.sum / this.ts.length : null;
  }

  private add(tsMs: number, value: number): void {
    this.ts.push(tsMs);
    this.values.push(value);
    this.sum += value;
    this.sorted.splice(this.lowerBound(value), 0, value);
  }

  private removeSorted(value: number): void {
    this.sorted.splice(this.lowerBound(value), 1);
  }

  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
