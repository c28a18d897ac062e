import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  drawText,
  fillRect,
  type RgbImage,
  strokeRect,
  textSize,
} from '../../pipeline/detect/annotate/draw.ts';
import { writeImage } from '../../pipeline/detect/annotate/write-image.ts';
import { decodeImage } from '../../pipeline/extract/image-source.ts';
import type { DetectReport } from '../../workers/cli/detect-command.ts';
import { cli, lastJson, ROOT, SAMPLE } from '../helpers/cli.ts';
import { decodeRgbFrames } from '../helpers/gst-frames.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-detect-'));
const JPEG = join(dir, 'street.jpg');
const PNG = join(dir, 'street-png.png');
const YOLOX = join(ROOT, '../shared/models/yolox_nano.onnx');

beforeAll(async () => {
  // The sample's first frame at its own 640x352, as a JPEG and a PNG.
  const [first] = await decodeRgbFrames(SAMPLE, { width: 640, height: 352, framerate: '1/4' });
  await writeImage({ data: first, width: 640, height: 352 }, JPEG);
  await writeImage({ data: first, width: 640, height: 352 }, PNG);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Width and height from a JPEG's SOF marker (baseline, progressive, ...); throws if it has none. */
function jpegSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error(`${file}: not a JPEG (no SOI)`);
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) throw new Error(`${file}: bad marker at ${i}`);
    const m = b[i + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    i += 2 + b.readUInt16BE(i + 2);
  }
  throw new Error(`${file}: no SOF marker`);
}

function expectCars(report: DetectReport, frame = 0, atLeast = 3) {
  const cars = report.frames[frame].detections.filter((d) => d.cls === 'car');
  expect(cars.length).toBeGreaterThanOrEqual(atLeast);
  for (const d of report.frames[frame].detections) {
    expect(d.score).toBeGreaterThanOrEqual(0.3);
    expect(d.score).toBeLessThanOrEqual(1);
    expect(d.box.x).toBeGreaterThanOrEqual(0);
    expect(d.box.y).toBeGreaterThanOrEqual(0);
    expect(d.box.x + d.box.w).toBeLessThanOrEqual(report.width + 0.1);
    expect(d.box.y + d.box.h).toBeLessThanOrEqual(report.height + 0.1);
  }
  return cars;
}

test('detect on a JPEG prints a table and writes the annotated JPEG at the source size beside it', async () => {
  const r = await cli(['detect', JPEG]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^model yolox-nano, image .*street\.jpg \(640x352\)/m); // the default model
  expect(r.stdout).toMatch(/class\s+score\s+x\s+y\s+w\s+h/);
  expect(r.stdout).toMatch(/^car\s+0\.\d{3}\s+\d+\s+\d+\s+\d+\s+\d+$/m);
  const out = join(dir, 'street.detections.jpg');
  expect(r.stdout).toContain(`annotated: ${out}`);
  expect(jpegSize(out)).toEqual({ width: 640, height: 352 });
  // It decodes, and boxes were drawn (it differs from the input).
  const drawn = await decodeImage(out);
  const orig = await decodeImage(JPEG);
  expect(drawn.source.width).toBe(640);
  let changed = 0;
  for (let i = 0; i < orig.source.data.length; i += 3) {
    if (Math.abs(drawn.source.data[i] - orig.source.data[i]) > 60) changed++;
  }
  expect(changed).toBeGreaterThan(500);
});

test('detect --json on a PNG: one JSON object, cars in source pixels, no image unless --out', async () => {
  const r = await cli(['detect', PNG, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const report = lastJson<DetectReport>(r);
  expect(report).toMatchObject({ model: 'yolox-nano', input: PNG, kind: 'image', width: 640, height: 352 });
  expect(report.annotated).toBeNull();
  expect(report.frames).toHaveLength(1);
  expect(report.frames[0].ptsMs).toBe(0);
  const cars = expectCars(report);
  // The white sedan in the foreground of the first frame: about (231, 130) 58x40 in source pixels.
  expect(
    cars.some(
      (c) => Math.abs(c.box.x + c.box.w / 2 - 260) < 12 && Math.abs(c.box.y + c.box.h / 2 - 150) < 12,
    ),
  ).toBe(true);
  expect(existsSync(join(dir, 'street-png.detections.jpg'))).toBe(false);
});

test('--model centernet: the other built-in model still runs by name and finds the same white sedan', async () => {
  const r = await cli(['detect', PNG, '--json', '--model', 'centernet']);
  expect(r.code, r.stderr).toBe(0);
  const report = lastJson<DetectReport>(r);
  expect(report).toMatchObject({ model: 'centernet', kind: 'image', width: 640, height: 352 });
  const cars = expectCars(report);
  expect(
    cars.some(
      (c) => Math.abs(c.box.x + c.box.w / 2 - 260) < 12 && Math.abs(c.box.y + c.box.h / 2 - 150) < 12,
    ),
  ).toBe(true);
});

test('detect on the sample video: frames at --fps up to --max-frames, one annotated JPEG per frame', async () => {
  const out = join(dir, 'video-out');
  const r = await cli(['detect', SAMPLE, '--json', '--fps', '1', '--max-frames', '3', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  const report = lastJson<DetectReport>(r);
  expect(report).toMatchObject({ kind: 'video', width: 640, height: 352, annotated: out });
  expect(report.frames.map((f) => f.ptsMs)).toEqual([0, 1000, 2000]);
  for (let i = 0; i < 3; i++) expectCars(report, i);
  const files = readdirSync(out).sort();
  expect(files).toEqual(['frame-000-0ms.jpg', 'frame-001-1000ms.jpg', 'frame-002-2000ms.jpg']);
  for (const f of files) expect(jpegSize(join(out, f))).toEqual({ width: 640, height: 352 });
});

test('a video with an --out ending in .jpg gets the first frame with detections', async () => {
  const out = join(dir, 'first.jpg');
  const r = await cli(['detect', SAMPLE, '--max-frames', '2', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/frame\s+pts s\s+class/);
  expect(r.stdout).toContain(`annotated: ${out}`);
  expect(jpegSize(out)).toEqual({ width: 640, height: 352 });
});

describe('bad input exits 1 naming the thing and the reason', () => {
  test('missing file, directory, not media', async () => {
    const missing = await cli(['detect', join(dir, 'nope.jpg')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`cityflow: ${join(dir, 'nope.jpg')}: not found`);

    const folder = await cli(['detect', dir]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain(`${dir}: not an image or video: it is a directory`);

    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a picture\n'.repeat(50));
    const notMedia = await cli(['detect', text]);
    expect(notMedia.code).toBe(1);
    expect(notMedia.stderr).toMatch(/notes\.txt: not an image \(JPEG, PNG\) or a video: /);

    const broken = join(dir, 'broken.jpg');
    writeFileSync(broken, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const corrupt = await cli(['detect', broken]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/broken\.jpg: corrupt: /);
  });

  test('unknown model, with and without a config', async () => {
    const r = await cli(['detect', JPEG, '--model', 'nosuch']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cityflow: model nosuch: no such model; .*yolox-nano, centernet/m);

    const cfg = join(dir, 'models.yaml');
    writeFileSync(
      cfg,
      'models:\n  mine:\n    file: mine.onnx\n    format: yolox\n    input: { width: 416, height: 416 }\n',
    );
    const c = await cli(['detect', JPEG, '--config', cfg, '--model', 'other']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/model other: no such model; .*mine.*yolox-nano, centernet/);
  });
});

test.skipIf(!existsSync(YOLOX))(
  'a model declared in --config (YOLOX nano from ../shared, under its own name) finds the cars too',
  async () => {
    const cfg = join(dir, 'yolox.yaml');
    writeFileSync(
      cfg,
      `models:\n  my-yolox:\n    file: ${YOLOX}\n    format: yolox\n    input: { width: 416, height: 416, layout: nchw }\n` +
        '    colour: bgr\n    padValue: 114\n',
    );
    const r = await cli(['detect', JPEG, '--config', cfg, '--model', 'my-yolox', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = lastJson<DetectReport>(r);
    expect(report.model).toBe('my-yolox');
    expectCars(report);
  },
);

describe('annotate drawing primitives', () => {
  const blank = (w: number, h: number): RgbImage => ({
    data: new Uint8Array(w * h * 3),
    width: w,
    height: h,
  });
  const px = (img: RgbImage, x: number, y: number) => [
    ...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3),
  ];

  test('fillRect clips to the image and strokeRect draws only the outline', () => {
    const img = blank(10, 8);
    fillRect(img, -5, -5, 7, 7, [255, 0, 0]);
    expect(px(img, 0, 0)).toEqual([255, 0, 0]);
    expect(px(img, 1, 1)).toEqual([255, 0, 0]);
    expect(px(img, 2, 2)).toEqual([0, 0, 0]);
    const o = blank(10, 8);
    strokeRect(o, 2, 2, 6, 5, [0, 255, 0], 1);
    expect(px(o, 2, 2)).toEqual([0, 255, 0]);
    expect(px(o, 7, 6)).toEqual([0, 255, 0]);
    expect(px(o, 4, 4)).toEqual([0, 0, 0]);
    expect(px(o, 8, 4)).toEqual([0, 0, 0]);
  });

  test('drawText inks 5x7 glyphs at the scale asked', () => {
    expect(textSize('CAR', 2)).toEqual({ width: (2 * 6 + 5) * 2, height: 14 });
    const img = blank(20, 10);
    drawText(img, 0, 0, 'I', [255, 255, 255]);
    // 'I' = 01110 / 00100 ...: top row columns 1-3 inked, column 0 not; the stem at column 2.
    expect(px(img, 0, 0)).toEqual([0, 0, 0]);
    expect(px(img, 1, 0)).toEqual([255, 255, 255]);
    expect(px(img, 2, 3)).toEqual([255, 255, 255]);
    expect(px(img, 1, 3)).toEqual([0, 0, 0]);
  });
});
