import { type WatchlistEntry, WatchlistEntry as WatchlistEntrySchema } from '../../schemas/plates.ts';
import { check } from '../../schemas/validate.ts';
import type { RedisClient } from '../redis-client.ts';
import { redisKeys } from '../redis-keys.ts';

/**
 * The plate watch list, in Redis (hash `<prefix>:plates:watchlist`, entry id → JSON), so every
 * plate stage sees an entry the API adds or removes within `cacheMs`. Expired entries stay until
 * removed (they no longer match); list() returns them with the rest.
 *
 * @example
 *   const list = new WatchlistStore(redis, 'cityflow');
 *   await list.put({ id: 'w1', plate: '51F67890', reason: 'stolen', expiresAt: '2027-01-01T00:00:00Z', maxDistance: 1 });
 *   const entries = await list.current(); // cached for 5 s
 */
export class WatchlistStore {
  private readonly key: string;
  private cached: { at: number; entries: WatchlistEntry[] } | null = null;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly cacheMs = 5000,
  ) {
    this.key = redisKeys(prefix).plateWatchlist;
  }

  async list(): Promise<WatchlistEntry[]> {
    const all = await this.redis.hgetall(this.key);
    const entries: WatchlistEntry[] = [];
    for (const json of Object.values(all)) {
      // Entries are checked on the way in; one edited by hand into something else is skipped.
      const value = safeParse(json);
      if (check(WatchlistEntrySchema, value).length === 0) entries.push(value as WatchlistEntry);
    }
    return entries.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The entries, at most cacheMs old. */
  async current(): Promise<WatchlistEntry[]> {
    if (!this.cached || Date.now() - this.cached.at > this.cacheMs) {
      this.cached = { at: Date.now(), entries: await this.list() };
    }
    return this.cached.entries;
  }

  async put(entry: WatchlistEntry): Promise<void> {
    await this.redis.hset(this.key, entry.id, JSON.stringify(entry));
    this.cached = null;
  }

  /** True when the entry was there. */
  async remove(id: string): Promise<boolean> {
    this.cached = null;
    return (await this.redis.hdel(this.key, id)) > 0;
  }
}

function safeParse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}
