import type { ClickHouseClient } from '@clickhouse/client';
import { STEP_MS } from '../../pipeline/forecast/camera-forecasts.ts';
import { logger } from '../logger.ts';
import { refreshForecasts } from './refresh-forecasts.ts';

export interface ForecastRefresherOptions {
  losDensity: readonly number[];
  /** After each 15-minute boundary, wait this long for the interval's last segments to be stored. Default 90 s. */
  delayMs?: number;
}

/**
 * Refreshes the forecasts every 15 minutes, `delayMs` after each boundary of the grid, in the
 * process that owns the store. A failed refresh is logged and the next one tries again: forecasts
 * are derived data, and the measures they come from are safe in the store.
 *
 * @example
 *   const refresher = new ForecastRefresher(client, { losDensity: cfg.measures.losDensity }).start();
 *   // ... on shutdown:
 *   refresher.stop();
 */
export class ForecastRefresher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: ClickHouseClient,
    private readonly o: ForecastRefresherOptions,
  ) {
    if (o.delayMs !== undefined && !(o.delayMs >= 0 && o.delayMs < STEP_MS))
      throw new RangeError(`ForecastRefresher: delayMs must be in [0, ${STEP_MS}), got ${o.delayMs}`);
  }

  start(): this {
    const delay = this.o.delayMs ?? 90_000;
    const next = Math.floor(Date.now() / STEP_MS) * STEP_MS + STEP_MS + delay;
    this.timer = setTimeout(() => {
      this.running = this.refresh();
      this.start();
    }, next - Date.now());
    this.timer.unref();
    return this;
  }

  async refresh(): Promise<void> {
    try {
      const s = await refreshForecasts(this.client, { losDensity: this.o.losDensity });
      logger.info(
        { issuedAt: s.issuedAt, cameras: s.forecast, rows: s.rows, tooLittleHistory: s.insufficient.length },
        'forecasts refreshed',
      );
    } catch (e) {
      logger.warn({ err: e }, 'forecast refresh failed; the next one is in 15 minutes');
    }
  }

  /** Stops the timer and waits for a refresh under way. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
