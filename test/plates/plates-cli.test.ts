/**
 * `cityflow plates` end to end: the evaluation set (../shared/plates/dev, 108 real photos with
 * hand-checked plate boxes and texts) as a regression guard on the documented targets, Vietnamese
 * one- and two-line plates painted onto a real photo, the --json contract and the annotated image,
 * and clear errors for bad input.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  DEFAULT_PLATES_DIR,
  readTruth,
  runPlatesCli,
  scorePlates,
} from '../../benchmarks/plates/eval-plates.ts';
import { iou } from '../../pipeline/geometry/box-iou.ts';
import type { PlatesInputReport } from '../../workers/cli/plates-command.ts';
import { cli, lastJson } from '../helpers/cli.ts';
import { hasChromium, paintPlates } from '../helpers/render-plates.ts';

const hasPlates = existsSync(DEFAULT_PLATES_DIR);
const tmp = mkdtempSync(join(tmpdir(), 'cityflow-plates-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasPlates)('plate evaluation set (needs ../shared/plates/dev)', () => {
  test('at least 85 % of plates found and 80 % read exactly, through the CLI', {
    timeout: 240_000,
  }, async () => {
    const truth = readTruth(DEFAULT_PLATES_DIR);
    expect(truth.length).toBe(108);
    const e = scorePlates(truth, await runPlatesCli([...new Set(truth.map((t) => t.file))]));
    expect(e.pictures).toBe(108);
    expect(e.found / e.plates).toBeGreaterThanOrEqual(0.85);
    expect(e.exact / e.plates).toBeGreaterThanOrEqual(0.8);
    // Few reads where no plate is: badges and signs are filtered (a digit and confident characters).
    expect(e.extraReads).toBeLessThanOrEqual(12);
  });
});

describe.skipIf(!hasPlates || !hasChromium)(
  'Vietnamese plates painted on a real photo (needs Debian chromium)',
  () => {
    test('reads a one-line car plate and a two-line motorbike plate, with layouts and boxes', {
      timeout: 120_000,
    }, async () => {
      const photo = join(DEFAULT_PLATES_DIR, 'eu1.jpg'); // 1000x750, its own plate at 396,340
      const painted = join(tmp, 'vn.png');
      const car = { lines: ['51F-678.90'], x: 40, y: 560, w: 230, h: 52, fontPx: 38 };
      const bike = { lines: ['59-X1', '234.56'], x: 760, y: 540, w: 120, h: 88, fontPx: 34 };
      await paintPlates(photo, { width: 1000, height: 750 }, [car, bike], painted);
      const r = await cli(['plates', painted, '--json', '--out', join(tmp, 'vn.plates.jpg')]);
      expect(r.code, r.stderr).toBe(0);
      const report = lastJson<PlatesInputReport>(r);
      const at = (b: { x: number; y: number; w: number; h: number }) =>
        report.plates.find((p) => iou(p.box, b) >= 0.3);
      expect(at(car)).toMatchObject({
        text: '51F67890',
        display: '51F-678.90',
        layout: 'one-line',
        country: 'VN',
      });
      expect(at(bike)).toMatchObject({
        text: '59X123456',
        display: '59-X1 234.56',
        layout: 'two-line',
        country: 'VN',
      });
      expect(report.plates.find((p) => p.text === 'M5XSX')).toBeDefined();
      expect(statSync(join(tmp, 'vn.plates.jpg')).size).toBeGreaterThan(10_000);
    });
  },
);

describe.skipIf(!hasPlates)('a folder of pictures (needs ../shared/plates/dev)', () => {
  test('stands for its JPEG and PNG files, in name order', { timeout: 120_000 }, async () => {
    const dir = join(tmp, 'photos');
    mkdirSync(dir);
    for (const f of ['eu1.jpg', 'eu10.jpg']) copyFileSync(join(DEFAULT_PLATES_DIR, f), join(dir, f));
    writeFileSync(join(dir, 'notes.txt'), 'not a picture');
    const r = await cli(['plates', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { images } = lastJson<{ images: PlatesInputReport[] }>(r);
    expect(images.map((i) => i.input)).toEqual([join(dir, 'eu1.jpg'), join(dir, 'eu10.jpg')]);
    expect(images[0].plates.map((p) => p.text)).toEqual(['M5XSX']);
    expect(images[1].plates.map((p) => p.text)).toContain('WA56660');
  });
});

describe('plates command input errors', () => {
  test('a missing file and a file that is neither image nor video are named with the reason', async () => {
    const missing = await cli(['plates', join(tmp, 'nope.jpg')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.jpg: not found/);
    const junk = join(tmp, 'junk.bin');
    writeFileSync(junk, 'not a picture at all'.repeat(50));
    const bad = await cli(['plates', junk]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/junk\.bin/);
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const folder = await cli(['plates', empty]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toMatch(/empty: a folder without JPEG or PNG pictures/);
    const country = await cli(['plates', junk, '--country', 'XX']);
    expect(country.stderr).toMatch(/--country.*must be auto, VN or none/);
  });
});
