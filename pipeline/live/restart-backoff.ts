import { ConfigError } from '../errors/config-error.ts';

export interface RestartBackoffOptions {
  /** Delay before the first restart, ms. Default 250. */
  initialMs?: number;
  /** Ceiling of the delay, ms. Default 3000: a camera back online is picked up within seconds. */
  maxMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
  /** A run that delivered frames for this long resets the schedule. Default 10 000 ms. */
  resetAfterMs?: number;
  /** Random source in [0, 1) (tests pass a fixed one). Default Math.random. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter" for restarting a camera's decoder: the n-th consecutive
 * restart waits d/2 + random·d/2 with d = min(maxMs, initialMs·factorⁿ). The jitter spreads the
 * reconnections of many cameras behind one failed switch, so they do not all hit it in the same
 * instant; the half that is not random keeps a dead camera from being hammered.
 *
 *   failure  1     2     3     4     5 ...
 *   d (ms)   250   500   1000  2000  3000 (ceiling)
 *   wait     [d/2, d)
 *
 * @example
 *   const b = new RestartBackoff({ initialMs: 250, maxMs: 3000 });
 *   b.next(); // 125..250
 *   b.next(); // 250..500
 *   b.ranFor(15_000); // a long healthy run: the next failure starts from 250 again
 */
export class RestartBackoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #resetAfter: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(o: RestartBackoffOptions = {}) {
    this.#initial = o.initialMs ?? 250;
    this.#max = o.maxMs ?? 3000;
    this.#factor = o.factor ?? 2;
    this.#resetAfter = o.resetAfterMs ?? 10_000;
    this.#random = o.random ?? Math.random;
    const bad = (k: string, v: unknown, rule: string) =>
      new ConfigError('RestartBackoff', k, `${rule}, got ${v}`);
    if (!(this.#initial > 0)) throw bad('initialMs', this.#initial, 'must be > 0');
    if (!(this.#max >= this.#initial)) throw bad('maxMs', this.#max, 'must be >= initialMs');
    if (!(this.#factor >= 1)) throw bad('factor', this.#factor, 'must be >= 1');
    if (!(this.#resetAfter >= 0)) throw bad('resetAfterMs', this.#resetAfter, 'must be >= 0');
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay before the next restart, ms; counts one more failure. */
  next(): number {
    const d = Math.min(this.#max, this.#initial * this.#factor ** this.#failures);
    this.#failures++;
    return d / 2 + (this.#random() * d) / 2;
  }

  /** Reports how long the last run delivered frames; a long enough run resets the schedule. */
  ranFor(ms: number): void {
    if (ms >= this.#resetAfter) this.#failures = 0;
  }
}
