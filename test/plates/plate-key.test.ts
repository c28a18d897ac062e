import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { plateHashKey } from '../../workers/plates/plate-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-plate-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the plate hash key', () => {
  test('CITYFLOW_PLATE_KEY when set, refused when too short', () => {
    expect(plateHashKey(dir, { CITYFLOW_PLATE_KEY: 'a-shared-secret-of-the-city' })).toBe(
      'a-shared-secret-of-the-city',
    );
    expect(() => plateHashKey(dir, { CITYFLOW_PLATE_KEY: 'short' })).toThrow(
      /CITYFLOW_PLATE_KEY: must be at least 16/,
    );
  });

  test('otherwise one key made once in the data folder, readable by its owner only', () => {
    const first = plateHashKey(dir, {});
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(plateHashKey(dir, {})).toBe(first);
    const file = join(dir, 'plate-hash.key');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
