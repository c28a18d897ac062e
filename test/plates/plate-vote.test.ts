import { describe, expect, test } from 'vitest';
import { PlateVote } from '../../pipeline/plates/plate-vote.ts';

const read = (text: string, p: number) => ({ text, charConfidence: [...text].map(() => p) });

describe('PlateVote (best-of-track)', () => {
  test('each position takes the character with the most confidence', () => {
    const v = new PlateVote();
    v.add(read('51F12345', 0.9));
    v.add(read('51F12346', 0.5));
    v.add(read('51F12345', 0.8));
    const r = v.verdict();
    expect(r?.text).toBe('51F12345');
    expect(r?.agreeing).toBe(2);
    expect(r?.reads).toBe(3);
    // 7 positions where all agree (mean 2.2/3) and one where 1.7 of 2.2 voted for the winner.
    expect(r?.confidence).toBeCloseTo((7 * (2.2 / 3) + 1.7 / 3) / 8, 6);
  });

  test('a confident minority outvotes unsure reads, position by position', () => {
    const v = new PlateVote();
    v.add({ text: '59X123456', charConfidence: [1, 1, 1, 1, 1, 1, 1, 1, 0.3] });
    v.add({ text: '59X123458', charConfidence: [1, 1, 1, 1, 1, 1, 1, 1, 0.95] });
    expect(v.verdict()?.text).toBe('59X123458');
  });

  test('the length with the most confidence wins; reads of other lengths only lower agreement', () => {
    const v = new PlateVote();
    v.add(read('51F1234', 0.6));
    v.add(read('51F12345', 0.9));
    v.add(read('51F12345', 0.9));
    expect(v.verdict()).toMatchObject({ text: '51F12345', agreeing: 2, reads: 3 });
  });

  test('no reads, no verdict; a malformed read is refused', () => {
    expect(new PlateVote().verdict()).toBeNull();
    expect(() => new PlateVote().add({ text: 'AB1', charConfidence: [0.9] })).toThrow(
      /one confidence per character/,
    );
  });
});

describe('plate hashes', () => {
  test('keyed, the same within a rotation period, different across periods and keys', async () => {
    const { hashPeriod, plateHasher } = await import('../../pipeline/plates/segment-plates.ts');
    const key = 'a-secret-of-more-than-16';
    const dec1 = Date.parse('2026-12-01T00:00:00Z');
    const dec31 = Date.parse('2026-12-31T23:59:59Z');
    const jan1 = Date.parse('2027-01-01T00:00:00Z');
    const monthly = plateHasher(key, 'month');
    expect(monthly('51F12345', dec1)).toMatch(/^[0-9a-f]{64}$/);
    expect(monthly('51F12345', dec1)).toBe(monthly('51F12345', dec31));
    expect(monthly('51F12345', dec1)).not.toBe(monthly('51F12345', jan1));
    expect(monthly('51F12345', dec1)).not.toBe(monthly('51F12346', dec1));
    expect(plateHasher(`${key}x`, 'month')('51F12345', dec1)).not.toBe(monthly('51F12345', dec1));
    expect(plateHasher(key, 'never')('51F12345', dec1)).toBe(plateHasher(key, 'never')('51F12345', jan1));
    // ISO weeks: 2026-12-28 (Monday) is week 53 of 2026; 2027-01-04 is week 1 of 2027.
    expect(hashPeriod(Date.parse('2026-12-31T12:00:00Z'), 'week')).toBe('2026-W53');
    expect(hashPeriod(Date.parse('2027-01-04T12:00:00Z'), 'week')).toBe('2027-W01');
    expect(hashPeriod(dec31, 'day')).toBe('2026-12-31');
    expect(() => plateHasher('short', 'month')).toThrow(/16 characters/);
  });
});
