import { join } from 'node:path';
import type { Config } from '../../schemas/config.ts';
import { startLocalRedis } from './local-redis.ts';

/**
 * Local mode: with no REDIS_URL, a private redis-server runs for the life of this process, on a free
 * loopback port, with its files under `<dataDir>/run/redis`. Returns the URL to use and a stop hook
 * that also runs on exit and on SIGINT/SIGTERM.
 */
export async function resolveRedis(
  cfg: Config,
): Promise<{ url: string; local: boolean; stop(): Promise<void> }> {
  if (cfg.redisUrl) return { url: cfg.redisUrl, local: false, stop: async () => {} };
  const redis = await startLocalRedis(join(cfg.dataDir, 'run', 'redis'));
  const stop = () => redis.stop();
  process.once('exit', () => void stop());
  return { url: redis.url, local: true, stop };
}

/** Runs `fn` on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(fn: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\n${sig}: stopping (again to force)\n`);
    fn().finally(() => process.exit(0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
