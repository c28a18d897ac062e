import type { RedisClient } from '../redis-client.ts';
import { redisKeys } from '../redis-keys.ts';

export interface SourceState {
  sourceId: string;
  /** 'running' until the extract job ends; 'failed' when the source could not be read to its end. */
  extract: 'queued' | 'running' | 'done' | 'failed';
  error: string | null;
  /** Segments handed to detect so far. */
  emitted: number;
  /** Segments whose results are stored (or were found already stored). */
  stored: number;
  /** Segments given up after their last attempt. */
  lost: number;
  framesEmitted: number;
  framesStored: number;
  detectionsStored: number;
}

/**
 * Per-source progress across stages and processes, kept in Redis next to the queues.
 * A source is finished when its extract job has ended and every segment it emitted is stored or
 * lost. Segment numbers go into sorted sets (scored by the segment number), so a retried job is
 * counted once; a live source, which never ends, has its old members folded into counters by
 * {@link trim}, so its keys stay small.
 */
/** How long a source's progress is kept after its last activity, seconds. */
const KEEP_S = 7 * 24 * 3600;

export class SourceTracker {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(sourceId: string, part = ''): string {
    return redisKeys(this.prefix).source(sourceId, part);
  }

  async queued(sourceId: string): Promise<void> {
    await this.redis
      .multi()
      .del(
        this.key(sourceId),
        this.key(sourceId, ':emitted'),
        this.key(sourceId, ':stored'),
        this.key(sourceId, ':lost'),
      )
      .hset(this.key(sourceId), 'extract', 'queued')
      .exec();
  }

  /**
   * Progress keys written by an older version (plain sets, not sorted sets) for a source that goes
   * on (a live camera across an upgrade) are dropped: progress restarts, nothing else depends on it.
   */
  async upgradeKeys(sourceId: string): Promise<void> {
    for (const part of [':emitted', ':stored', ':lost']) {
      const key = this.key(sourceId, part);
      if ((await this.redis.type(key)) === 'set') await this.redis.del(key);
    }
  }

  async extracting(sourceId: string): Promise<void> {
    await this.redis.hset(this.key(sourceId), 'extract', 'running');
  }

  async emitted(sourceId: string, segment: number, frames: number): Promise<void> {
    if (await this.redis.zadd(this.key(sourceId, ':emitted'), 'NX', segment, segment)) {
      await this.redis.hincrby(this.key(sourceId), 'framesEmitted', frames);
    }
    await this.touch(sourceId);
  }

  /**
   * Progress expires a week after a source's last activity: a backfill of thousands of files must
   * not leave their keys in Redis for ever (a live camera, always active, keeps its own).
   */
  private async touch(sourceId: string): Promise<void> {
    const tx = this.redis.multi();
    for (const part of ['', ':emitted', ':stored', ':lost']) tx.expire(this.key(sourceId, part), KEEP_S);
    await tx.exec();
  }

  async extractEnded(sourceId: string, error: string | null): Promise<void> {
    await this.redis.hset(this.key(sourceId), 'extract', error ? 'failed' : 'done', 'error', error ?? '');
    await this.touch(sourceId);
  }

  async stored(sourceId: string, segment: number, frames: number, detections: number): Promise<void> {
    if (await this.redis.zadd(this.key(sourceId, ':stored'), 'NX', segment, segment)) {
      await this.redis
        .multi()
        .hincrby(this.key(sourceId), 'framesStored', frames)
        .hincrby(this.key(sourceId), 'detectionsStored', detections)
        .exec();
    }
    await this.touch(sourceId);
  }

  async lost(sourceId: string, segment: number, reason: string): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.key(sourceId, ':lost'), 'NX', segment, segment)
      .hset(this.key(sourceId), `lost#${segment}`, reason)
      .exec();
    await this.touch(sourceId);
  }

  async isLost(sourceId: string, segment: number): Promise<boolean> {
    return (await this.redis.zscore(this.key(sourceId, ':lost'), segment)) !== null;
  }

  /**
   * Folds the members below `belowSegment` into counters (a live source's segments of long ago): the
   * counts in {@link state} stay right and the sets hold only recent segments. Segments below it
   * that are still on their way are counted again when they are stored, as they are not members then.
   */
  async trim(sourceId: string, belowSegment: number): Promise<void> {
    const max = `(${belowSegment}`;
    const r = await this.redis
      .multi()
      .zremrangebyscore(this.key(sourceId, ':emitted'), '-inf', max)
      .zremrangebyscore(this.key(sourceId, ':stored'), '-inf', max)
      .zremrangebyscore(this.key(sourceId, ':lost'), '-inf', max)
      .exec();
    const [e, st, l] = (r ?? []).map(([, n]) => Number(n ?? 0));
    const tx = this.redis.multi();
    if (e) tx.hincrby(this.key(sourceId), 'emittedTrimmed', e);
    if (st) tx.hincrby(this.key(sourceId), 'storedTrimmed', st);
    if (l) tx.hincrby(this.key(sourceId), 'lostTrimmed', l);
    // The reasons of segments lost long ago go with them.
    const h = await this.redis.hkeys(this.key(sourceId));
    const old = h.filter((k) => k.startsWith('lost#') && Number(k.slice(5)) < belowSegment);
    if (old.length) tx.hdel(this.key(sourceId), ...old);
    await tx.exec();
  }

  async state(sourceId: string): Promise<SourceState> {
    const [h, emitted, stored, lost] = await Promise.all([
      this.redis.hgetall(this.key(sourceId)),
      this.redis.zcard(this.key(sourceId, ':emitted')),
      this.redis.zcard(this.key(sourceId, ':stored')),
      this.redis.zcard(this.key(sourceId, ':lost')),
    ]);
    const trimmed = (k: string) => Number(h[k] ?? 0);
    return {
      sourceId,
      extract: (h.extract as SourceState['extract']) ?? 'queued',
      error: h.error || null,
      emitted: emitted + trimmed('emittedTrimmed'),
      stored: stored + trimmed('storedTrimmed'),
      lost: lost + trimmed('lostTrimmed'),
      framesEmitted: Number(h.framesEmitted ?? 0),
      framesStored: Number(h.framesStored ?? 0),
      detectionsStored: Number(h.detectionsStored ?? 0),
    };
  }

  static finished(s: SourceState): boolean {
    return (s.extract === 'done' || s.extract === 'failed') && s.stored + s.lost >= s.emitted;
  }
}
