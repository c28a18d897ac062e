import { join } from 'node:path';
import { ApiKeyStore } from '../api/auth/api-keys.ts';
import { openApiStore } from '../api/open-store.ts';
import { buildApi } from '../api/server.ts';
import { onShutdown, resolveRedis } from '../local/local-mode.ts';
import { logger } from '../logger.ts';
import { configFrom } from './common.ts';

/** Where API keys live: `<dataDir>/api-keys.json` (hashes only; see workers/api/auth/api-keys.ts). */
export const keysFile = (dataDir: string) => join(dataDir, 'api-keys.json');

/**
 * `cityflow serve [--port N]`: the analytics API, the report page, Swagger UI and Bull Board.
 * ClickHouse: see openApiStore. Redis: REDIS_URL (the pipeline's, for queues and live events), else a
 * private one (then status, metrics and the event stream only see this process's empty Redis).
 */
export async function serveCommand(opts: {
  port: number;
  host: string;
  config?: string;
  dataDir?: string;
  rateLimit: number;
}) {
  const cfg = configFrom(opts);
  // A key file that cannot be read is a start-up error, named, not a 500 on every request.
  const keys = new ApiKeyStore(keysFile(cfg.dataDir));
  keys.list();
  const store = await openApiStore(cfg);
  const redis = await resolveRedis(cfg);
  if (redis.local) {
    logger.warn(
      "no REDIS_URL: using a private Redis; queue status and live events need the pipeline's REDIS_URL",
    );
  }
  const app = await buildApi({
    store,
    keys,
    redisUrl: redis.url,
    queuePrefix: cfg.queuePrefix,
    timeZone: cfg.timeZone,
    map: { ...cfg.map, corridors: cfg.corridors },
    snapshotsDir: cfg.alerts.snapshotsDir ?? join(cfg.dataDir, 'evidence'),
    rateLimit: { max: opts.rateLimit, timeWindowMs: 60_000 },
    logger,
  });
  onShutdown(async () => {
    await app.close();
    await store.close();
    await redis.stop();
  });
  const address = await app.listen({ port: opts.port, host: opts.host });
  logger.info({ address, store: store.mode }, 'API listening');
  process.stderr.write(
    `cityflow: API on ${address} (store: ${store.mode}); docs ${address}/docs, report page ${address}/report\n`,
  );
}
