/**
 * At most one log line per `windowMs` for a repeating condition: a worker that lost Redis reports
 * the same connection error many times a second, which would bury everything else in the log. The
 * first occurrence is logged at once; later ones within the window are counted, and the next line
 * says how many were left out.
 *
 * @example
 *   const throttle = new LogThrottle(30_000);
 *   worker.on('error', (err) => throttle.log((suppressed) => logger.error({ err, suppressed }, 'worker error')));
 */
export class LogThrottle {
  private lastMs = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(windowMs >= 0)) throw new RangeError(`windowMs must be ≥ 0, got ${windowMs}`);
  }

  /** Calls `write` with the number of occurrences left out since the last line, or counts this one. */
  log(write: (suppressed: number) => void): void {
    const t = this.now();
    if (t - this.lastMs < this.windowMs) {
      this.suppressed++;
      return;
    }
    const n = this.suppressed;
    this.lastMs = t;
    this.suppressed = 0;
    write(n);
  }
}
