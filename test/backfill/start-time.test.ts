import { describe, expect, test } from 'vitest';
import { parseIsoTime, resolveStartTime, startTimeFromFileName } from '../../pipeline/sources/start-time.ts';
import { ledgerComplete } from '../../workers/backfill/store-queries.ts';

describe('startTimeFromFileName', () => {
  test.each([
    ['/archive/cam07_20260301T080000.mp4', '2026-03-01T08:00:00.000Z'],
    ['cam07_20260301_080000.mkv', '2026-03-01T08:00:00.000Z'],
    ['20260301-235959Z_north.mkv', '2026-03-01T23:59:59.000Z'],
    ['cam-20261231080000.ts', '2026-12-31T08:00:00.000Z'],
  ])('%s → %s', (name, iso) => {
    expect(new Date(startTimeFromFileName(name) as number).toISOString()).toBe(iso);
  });

  test.each([
    'residential-street.mp4', // no date-time
    'cam07_20260301.mp4', // a date alone
    'cam07_20261301T080000.mp4', // month 13
    'cam07_20260230T080000.mp4', // 30 February
    'cam07_20260301T250000.mp4', // hour 25
    'id1220260301T080000.mp4', // digits run into the date: not a date-time of its own
    '/archive/20260301T080000/clip.mp4', // only the file name counts, not its folder
  ])('%s carries none', (name) => {
    expect(startTimeFromFileName(name)).toBeNull();
  });
});

describe('resolveStartTime', () => {
  const container = Date.parse('2017-09-05T13:53:54Z');
  test('explicit first, then the file name, then the container; null when none', () => {
    const explicitMs = Date.parse('2026-01-01T00:00:00Z');
    expect(
      resolveStartTime({ path: 'a_20260301T080000.mp4', explicitMs, containerCreatedAtMs: container }),
    ).toEqual({ ms: explicitMs, origin: 'explicit' });
    expect(resolveStartTime({ path: 'a_20260301T080000.mp4', containerCreatedAtMs: container })).toEqual({
      ms: Date.parse('2026-03-01T08:00:00Z'),
      origin: 'file name',
    });
    expect(resolveStartTime({ path: 'street.mp4', containerCreatedAtMs: container })).toEqual({
      ms: container,
      origin: 'container',
    });
    expect(resolveStartTime({ path: 'street.mp4', containerCreatedAtMs: null })).toBeNull();
  });
});

describe('parseIsoTime', () => {
  test('accepts ISO 8601 date-times with or without a zone', () => {
    expect(parseIsoTime('2026-03-01T08:00:00Z')).toBe(Date.parse('2026-03-01T08:00:00Z'));
    expect(parseIsoTime('2026-03-01T09:00:00+01:00')).toBe(Date.parse('2026-03-01T08:00:00Z'));
  });
  test('refuses loose or impossible dates, naming the option', () => {
    expect(() => parseIsoTime('March 1')).toThrow(/--start: "March 1" is not an ISO 8601 date-time/);
    expect(() => parseIsoTime('2026-13-01T00:00:00Z')).toThrow(
      /--start: "2026-13-01T00:00:00Z" is not a valid/,
    );
  });
});

describe('ledgerComplete', () => {
  // 30.208 s in 10 s segments: windows 0-3.
  test('complete only when every window up to the last frame is stored', () => {
    expect(ledgerComplete([0, 1, 2, 3], 30_208, 10_000)).toBe(true);
    expect(ledgerComplete([0, 1, 3], 30_208, 10_000)).toBe(false);
    expect(ledgerComplete([0, 1, 2], 30_208, 10_000)).toBe(false);
    expect(ledgerComplete([0, 1, 2], 30_000, 10_000)).toBe(true); // the last frame is before 30 s
    expect(ledgerComplete([], 0, 10_000)).toBe(false); // unknown duration: process again
  });
});
