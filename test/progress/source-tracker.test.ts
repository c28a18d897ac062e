import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { SourceTracker } from '../../workers/progress/source-tracker.ts';

// Progress on a real Redis: counted once per segment, and a live source's sets trimmed into counters.
const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.quit());

describe('SourceTracker', () => {
  test('a retried segment is counted once; finished when every emitted segment is stored or lost', async () => {
    const prefix = `st${Date.now()}`;
    const t = new SourceTracker(redis, prefix);
    await t.queued('s');
    await t.extracting('s');
    for (const n of [0, 1, 2]) await t.emitted('s', n, 10);
    await t.emitted('s', 1, 10); // a retry
    await t.stored('s', 0, 10, 3);
    await t.stored('s', 0, 10, 3); // a retry
    await t.lost('s', 1, 'detect: boom');
    expect(await t.isLost('s', 1)).toBe(true);
    expect(await t.isLost('s', 2)).toBe(false);
    await t.extractEnded('s', null);
    expect(SourceTracker.finished(await t.state('s'))).toBe(false);
    await t.stored('s', 2, 10, 4);
    const s = await t.state('s');
    expect(s).toMatchObject({
      emitted: 3,
      stored: 2,
      lost: 1,
      framesEmitted: 30,
      framesStored: 20,
      detectionsStored: 7,
    });
    expect(SourceTracker.finished(s)).toBe(true);
    // Kept a week after the last activity, not for ever.
    const ttl = await redis.ttl(`${prefix}:source:s:stored`);
    expect(ttl).toBeGreaterThan(6 * 24 * 3600);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
  });

  test('trim folds old segments into counters: the counts stay, the sets shrink', async () => {
    const prefix = `st${Date.now()}b`;
    const t = new SourceTracker(redis, prefix);
    for (let n = 100; n < 600; n++) {
      await t.emitted('cam/live', n, 5);
      if (n < 590) await t.stored('cam/live', n, 5, 1);
    }
    await t.lost('cam/live', 590, 'track: late');
    await t.trim('cam/live', 550);
    expect(await t.state('cam/live')).toMatchObject({ emitted: 500, stored: 490, lost: 1 });
    expect(await redis.zcard(`${prefix}:source:cam/live:emitted`)).toBe(50);
    expect(await redis.zcard(`${prefix}:source:cam/live:stored`)).toBe(40);
    // A segment stored after a trim is counted once, and stays counted through the next trim.
    await t.stored('cam/live', 591, 5, 1);
    await t.trim('cam/live', 595);
    expect(await t.state('cam/live')).toMatchObject({ emitted: 500, stored: 491, lost: 1 });
    expect(await t.isLost('cam/live', 590)).toBe(false); // folded into the counter, reason dropped
  });

  test('progress keys of the older format (plain sets) are dropped, so a live source goes on', async () => {
    const prefix = `st${Date.now()}c`;
    const t = new SourceTracker(redis, prefix);
    await redis.sadd(`${prefix}:source:cam/live:emitted`, 1, 2, 3);
    await expect(t.emitted('cam/live', 4, 5)).rejects.toThrow(/WRONGTYPE/);
    await t.upgradeKeys('cam/live');
    await t.emitted('cam/live', 4, 5);
    expect((await t.state('cam/live')).emitted).toBe(1);
  });
});
