import { expect, test } from 'vitest';
import { storeUnreachable } from '../../pipeline/store/store-unreachable.ts';

test('connection failures are outages; refusals of the query are not', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
  expect(storeUnreachable(refused)).toBe(true);
  expect(storeUnreachable(new Error('wrapped', { cause: refused }))).toBe(true);
  expect(storeUnreachable(new Error('Timeout error.'))).toBe(true);
  expect(storeUnreachable(new Error('socket hang up'))).toBe(true);
  expect(storeUnreachable(new Error('Code: 60. DB::Exception: Table default.nope does not exist'))).toBe(
    false,
  );
  expect(storeUnreachable(Object.assign(new Error('bad row'), { code: '27' }))).toBe(false);
  expect(storeUnreachable('ECONNREFUSED')).toBe(false);
});
