import type { RedisClient } from '../redis-client.ts';

/** The url as it may be shown: without its user and password. */
function withoutCredentials(url: string): string {
  // Sentinel urls list several hosts, which URL does not parse: drop what precedes '@'.
  if (url.startsWith('redis+sentinel://')) return url.replace(/\/\/[^@/]*@/, '//');
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an unparsable Redis url)';
  }
}

/** Redis has been unreachable for longer than the allowed outage. */
export class RedisUnavailableError extends Error {
  constructor(
    readonly url: string,
    readonly downMs: number,
    readonly reason?: string,
  ) {
    super(
      `Redis at ${withoutCredentials(url)} unreachable for ${Math.round(downMs / 1000)} s${reason ? ` (${reason})` : ''}: giving up; ` +
        'what was stored stays stored, and running the same command again resumes',
    );
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Watches one ioredis connection and gives up when Redis stays unreachable for longer than limitMs.
 * Queue connections wait for Redis forever (BullMQ needs `maxRetriesPerRequest: null`), so without a
 * watchdog a command that waits on Redis (a backfill watching its files) hangs silently for as long
 * as Redis is gone. Short outages (a restart, a failover) pass unnoticed; `lost` rejects only after
 * a continuous outage of limitMs.
 *
 * @example
 *   const dog = new RedisWatchdog(redis, 'redis://127.0.0.1:6379', 30_000);
 *   try { await Promise.race([waitForFiles(), dog.lost]); } finally { dog.stop(); }
 */
export class RedisWatchdog {
  /** Rejects with a RedisUnavailableError once Redis has been down for limitMs; never resolves. */
  readonly lost: Promise<never>;
  private downSince: number | null = null;
  private lastError: string | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: Array<[string, (...a: unknown[]) => void]>;

  constructor(
    private readonly redis: RedisClient,
    private readonly url: string,
    private readonly limitMs: number,
  ) {
    if (!(limitMs > 0)) throw new RangeError(`RedisWatchdog: limitMs must be > 0, got ${limitMs}`);
    let fail: (e: Error) => void = () => {};
    this.lost = new Promise<never>((_, reject) => {
      fail = reject;
    });
    this.lost.catch(() => {}); // observed by whoever races it
    const down = () => {
      this.downSince ??= Date.now();
    };
    this.listeners = [
      ['ready', () => (this.downSince = null)],
      ['close', down],
      ['end', down],
      ['reconnecting', down],
      ['error', (e) => (this.lastError = (e as Error).message)],
    ];
    for (const [event, fn] of this.listeners) redis.on(event, fn);
    if (redis.status !== 'ready' && redis.status !== 'connecting' && redis.status !== 'connect') down();
    this.timer = setInterval(
      () => {
        if (this.downSince !== null && Date.now() - this.downSince > this.limitMs) {
          fail(new RedisUnavailableError(this.url, Date.now() - this.downSince, this.lastError));
          this.stop();
        }
      },
      Math.min(1000, limitMs / 4),
    ).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const [event, fn] of this.listeners) this.redis.off(event, fn);
  }
}

/** Runs `close`, but no longer than ms: a shutdown must end within a deadline even with Redis gone. */
export async function withinDeadline(close: () => Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    close().catch(() => {}),
    new Promise((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
}
