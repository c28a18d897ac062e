import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config/load-config.ts';
import { isTimeZone } from '../../pipeline/config/time-zone.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-places-'));
const load = (text: string) => {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return loadConfig(p, {});
};
const CORRIDORS = 'corridors: [{id: nguyen-hue, name: Nguyễn Huệ}, {id: le-loi}]\n';
const cam = (id: string, extra: string) => `  - id: ${id}\n    source: a.mp4\n${extra}`;

test('a camera carries its place: location, heading, district and corridor positions', () => {
  const cfg = load(
    `timeZone: Asia/Ho_Chi_Minh\n${CORRIDORS}cameras:\n${cam(
      'cam-1',
      '    location: {lat: 10.7745, lon: 106.7036}\n    heading: 180\n    district: District 1\n' +
        '    corridors: [{id: nguyen-hue, position: 1, toNextM: 420}, {id: le-loi, position: 3}]\n',
    )}${cam('cam-2', '    corridors: [{id: nguyen-hue, position: 2}]\n')}`,
  );
  expect(cfg.timeZone).toBe('Asia/Ho_Chi_Minh');
  expect(cfg.corridors.map((c) => c.id)).toEqual(['nguyen-hue', 'le-loi']);
  expect(cfg.cameras[0]).toMatchObject({
    location: { lat: 10.7745, lon: 106.7036 },
    heading: 180,
    district: 'District 1',
    corridors: [
      { id: 'nguyen-hue', position: 1, toNextM: 420 },
      { id: 'le-loi', position: 3 },
    ],
  });
  expect(load('cameras: []\n').timeZone).toBe('UTC');
});

test('bad places are refused with the key and the reason', () => {
  const bad = (text: string) => () => load(text);
  expect(bad(`cameras:\n${cam('c', '    location: {lat: 91, lon: 0}\n')}`)).toThrow(
    /cameras\/0\/location\/lat|cameras\[0\]\.location\.lat.*90/,
  );
  expect(bad(`cameras:\n${cam('c', '    location: {lat: 10, lon: 1e308}\n')}`)).toThrow(/location.*lon/);
  expect(bad(`cameras:\n${cam('c', '    heading: 360\n')}`)).toThrow(/heading/);
  expect(bad(`${CORRIDORS}cameras:\n${cam('c', '    corridors: [{id: nguyen-hu, position: 1}]\n')}`)).toThrow(
    /cameras\[0\]\.corridors\[0\]\.id: unknown corridor "nguyen-hu"; declared: nguyen-hue, le-loi/,
  );
  expect(
    bad(
      `${CORRIDORS}cameras:\n${cam('a', '    corridors: [{id: le-loi, position: 1}]\n')}${cam(
        'b',
        '    corridors: [{id: le-loi, position: 1}]\n',
      )}`,
    ),
  ).toThrow(
    /cameras\[1\]\.corridors\[0\]\.position: position 1 of corridor "le-loi" is already camera "a"'s/,
  );
  expect(bad('corridors: [{id: x}, {id: x}]\ncameras: []\n')).toThrow(
    /corridors\[1\]\.id: duplicate corridor id "x"/,
  );
  expect(bad('timeZone: Saigon/Central\ncameras: []\n')).toThrow(
    /timeZone: unknown time zone "Saigon\/Central"/,
  );
});

test('isTimeZone knows IANA names and nothing else', () => {
  expect(isTimeZone('Asia/Ho_Chi_Minh')).toBe(true);
  expect(isTimeZone('UTC')).toBe(true);
  expect(isTimeZone('Asia/Kathmandu')).toBe(true);
  expect(isTimeZone('GMT+7 Hanoi')).toBe(false);
  expect(isTimeZone('')).toBe(false);
  expect(isTimeZone('asia/kolkata')).toBe(false); // Intl takes it, ClickHouse does not
  expect(isTimeZone('Etc/GMT+7')).toBe(true);
});
