import { describe, expect, test } from 'vitest';
import { LogThrottle } from '../../workers/stages/log-throttle.ts';

describe('LogThrottle', () => {
  test('the first occurrence at once, then one line per window with the count left out', () => {
    let t = 0;
    const lines: number[] = [];
    const throttle = new LogThrottle(30_000, () => t);
    const write = (suppressed: number) => lines.push(suppressed);
    throttle.log(write);
    for (let i = 0; i < 100; i++) {
      t += 100;
      throttle.log(write);
    }
    expect(lines).toEqual([0]);
    t = 30_000;
    throttle.log(write);
    expect(lines).toEqual([0, 100]);
    t = 90_000;
    throttle.log(write);
    expect(lines).toEqual([0, 100, 0]);
    expect(() => new LogThrottle(-1)).toThrow(/windowMs/);
  });
});
