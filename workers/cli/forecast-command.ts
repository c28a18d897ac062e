import { refreshForecasts } from '../forecast/refresh-forecasts.ts';
import { openStore } from '../open-store.ts';
import { configFrom } from './common.ts';

/**
 * `cityflow forecast`: one refresh of the forecasts now, from the measures in the store (what
 * `run` does every 15 minutes), with a summary: for a server-mode store from cron, or after a
 * backfill. Cameras with too little history are listed with the reason.
 */
export async function forecastCommand(opts: { config?: string; dataDir?: string; json?: boolean }) {
  const cfg = configFrom(opts);
  const store = await openStore(cfg);
  try {
    const s = await refreshForecasts(store.client, { losDensity: cfg.measures.losDensity });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      return;
    }
    process.stdout.write(
      `forecasts issued at ${s.issuedAt}: ${s.forecast} of ${s.cameras} cameras, ${s.rows} rows\n` +
        s.insufficient.map((n) => `  ${n.cameraId}: ${n.reason}\n`).join(''),
    );
  } finally {
    await store.close();
  }
}
