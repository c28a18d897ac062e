import { expect, test } from 'vitest';
import { redisConnection } from '../../workers/queues.ts';

test('REDIS_URL: one Redis, with TLS, and the master a set of Sentinels names', () => {
  expect(redisConnection('redis://:s3cr%40t@10.0.0.5:6380/2')).toMatchObject({
    host: '10.0.0.5',
    port: 6380,
    password: 's3cr@t',
    db: 2,
    maxRetriesPerRequest: null,
  });
  expect(redisConnection('rediss://cache.example:6379').tls).toEqual({});
  const s = redisConnection('redis+sentinel://app:pw@10.0.0.1:26379,10.0.0.2/cityflow/1');
  expect(s).toMatchObject({
    sentinels: [
      { host: '10.0.0.1', port: 26379 },
      { host: '10.0.0.2', port: 26379 },
    ],
    name: 'cityflow',
    username: 'app',
    password: 'pw',
    sentinelPassword: 'pw',
    db: 1,
    maxRetriesPerRequest: null,
  });
  expect(s.host).toBeUndefined();
});
