import type { Redis } from 'ioredis';

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
 * lost. Segment numbers go into sets, so a retried job is counted once.
 */
export class SourceTracker {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(sourceId: string, part = ''): string {
    return `${this.prefix}:source:${sourceId}${part}`;
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

  async extracting(sourceId: string): Promise<void> {
    await this.redis.hset(this.key(sourceId), 'extract', 'running');
  }

  async emitted(sourceId: string, segment: number, frames: number): Promise<void> {
    if (await this.redis.sadd(this.key(sourceId, ':emitted'), segment)) {
      await this.redis.hincrby(this.key(sourceId), 'framesEmitted', frames);
    }
  }

  async extractEnded(sourceId: string, error: string | null): Promise<void> {
    await this.redis.hset(this.key(sourceId), 'extract', error ? 'failed' : 'done', 'error', error ?? '');
  }

  async stored(sourceId: string, segment: number, frames: number, detections: number): Promise<void> {
    if (await this.redis.sadd(this.key(sourceId, ':stored'), segment)) {
      await this.redis
        .multi()
        .hincrby(this.key(sourceId), 'framesStored', frames)
        .hincrby(this.key(sourceId), 'detectionsStored', detections)
        .exec();
    }
  }

  async lost(sourceId: string, segment: number, reason: string): Promise<void> {
    await this.redis
      .multi()
      .sadd(this.key(sourceId, ':lost'), segment)
      .hset(this.key(sourceId), `lost#${segment}`, reason)
      .exec();
  }

  async isLost(sourceId: string, segment: number): Promise<boolean> {
    return (await this.redis.sismember(this.key(sourceId, ':lost'), segment)) === 1;
  }

  async state(sourceId: string): Promise<SourceState> {
    const [h, emitted, stored, lost] = await Promise.all([
      this.redis.hgetall(this.key(sourceId)),
      this.redis.scard(this.key(sourceId, ':emitted')),
      this.redis.scard(this.key(sourceId, ':stored')),
      this.redis.scard(this.key(sourceId, ':lost')),
    ]);
    return {
      sourceId,
      extract: (h.extract as SourceState['extract']) ?? 'queued',
      error: h.error || null,
      emitted,
      stored,
      lost,
      framesEmitted: Number(h.framesEmitted ?? 0),
      framesStored: Number(h.framesStored ?? 0),
      detectionsStored: Number(h.detectionsStored ?? 0),
    };
  }

  static finished(s: SourceState): boolean {
    return (s.extract === 'done' || s.extract === 'failed') && s.stored + s.lost >= s.emitted;
  }
}
