import { Redis } from 'ioredis';
import { expect, inject, test } from 'vitest';

test('the test run has a real redis-server', async () => {
  const r = new Redis(inject('redisUrl'));
  expect(await r.ping()).toBe('PONG');
  r.disconnect();
});
