import { describe, expect, test } from 'vitest';
import { normalisePlate } from '../../pipeline/plates/plate-grammar.ts';

describe('Vietnamese plate grammar', () => {
  test('one-line car plates: province, series letter(s), 4 or 5 digits', () => {
    expect(normalisePlate('51F12345', 'one-line', 'VN')).toEqual({
      text: '51F12345',
      display: '51F-123.45',
      country: 'VN',
      corrections: 0,
    });
    expect(normalisePlate('29A1234', 'one-line', 'VN').display).toBe('29A-1234');
    expect(normalisePlate('51LD12345', 'one-line', 'VN').display).toBe('51LD-123.45');
    expect(normalisePlate('51f-123.45', 'one-line', 'VN').text).toBe('51F12345');
  });

  test('two-line motorbike plates: the series digit joins the top line', () => {
    expect(normalisePlate('59X123456', 'two-line', 'VN').display).toBe('59-X1 234.56');
    expect(normalisePlate('59X12345', 'two-line', 'VN').display).toBe('59-X1 2345');
    expect(normalisePlate('29MD112345', 'two-line', 'VN').display).toBe('29-MD1 123.45');
    expect(normalisePlate('30AB12345', 'two-line', 'VN').display).toBe('30AB 123.45');
  });

  test('confusions are undone only where the position is fixed', () => {
    // Province digits: I→1, S→5; series letter: 8→B, 0→D; trailing digits: O→0, B→8.
    expect(normalisePlate('5IF12345', 'one-line', 'VN')).toMatchObject({ text: '51F12345', corrections: 1 });
    expect(normalisePlate('S1812345', 'one-line', 'VN')).toMatchObject({ text: '51B12345', corrections: 2 });
    expect(normalisePlate('51012345', 'one-line', 'VN')).toMatchObject({ text: '51D12345', corrections: 1 });
    expect(normalisePlate('51F1234O', 'one-line', 'VN')).toMatchObject({ text: '51F12340', corrections: 1 });
    expect(normalisePlate('59X1B3456', 'two-line', 'VN')).toMatchObject({
      text: '59X183456',
      corrections: 1,
    });
  });

  test('a read that cannot be Vietnamese stays as read (generic)', () => {
    // 13 is not a province code in use; 'M5XSX' has no place for a province.
    expect(normalisePlate('13A12345', 'one-line', 'VN')).toMatchObject({ text: '13A12345', country: '' });
    expect(normalisePlate('M5XSX', 'one-line', 'VN')).toMatchObject({ text: 'M5XSX', country: '' });
    expect(normalisePlate('51F123', 'one-line', 'VN').country).toBe('');
  });

  test("'auto' recognises Vietnamese plates but never swaps characters of other countries' plates", () => {
    expect(normalisePlate('59X123456', 'two-line', 'auto').country).toBe('VN');
    // A Croatian plate that would fit with one swap (B→8) must keep its letters.
    expect(normalisePlate('4BO4979', 'one-line', 'auto')).toMatchObject({ text: '4BO4979', country: '' });
    expect(normalisePlate('5IF12345', 'one-line', 'none')).toMatchObject({ text: '5IF12345', country: '' });
  });
});
