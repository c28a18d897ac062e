/**
 * A user's own plate detector (ONNX) instead of the text locator: tiny ONNX models whose output is a
 * fixed detection where a real photo's plate is (YOLOv8 layout [1, 5, N], and end-to-end [1, N, 7]),
 * run by onnxruntime; the box comes back in the photo's pixels and the reader reads the plate in it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_PLATES_DIR } from '../../benchmarks/plates/eval-plates.ts';
import { decodeImage } from '../../pipeline/extract/image-source.ts';
import { iou } from '../../pipeline/geometry/box-iou.ts';
import { PlateModels } from '../../pipeline/plates/plate-models.ts';
import type { PlatesInputReport } from '../../workers/cli/plates-command.ts';
import { tinyOnnxModel } from '../fixtures/tiny-onnx-model.ts';
import { cli, lastJson } from '../helpers/cli.ts';

const PHOTO = join(DEFAULT_PLATES_DIR, 'eu1.jpg'); // 1000x750, plate M5XSX at 396,340 203x46
const TRUTH = { x: 396, y: 340, w: 203, h: 46 };
const tmp = mkdtempSync(join(tmpdir(), 'cityflow-plate-detector-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The photo scaled into 640x640 (top-left): factor 0.64.
const S = 0.64;
const cx = (TRUTH.x + TRUTH.w / 2) * S;
const cy = (TRUTH.y + TRUTH.h / 2) * S;

function model(name: string, outputShape: number[], values: number[]): string {
  const file = join(tmp, name);
  writeFileSync(
    file,
    tinyOnnxModel({
      inputShape: [1, 3, 640, 640],
      outputShape,
      outputBatch: 1,
      constant: Float32Array.from(values),
    }),
  );
  return file;
}

describe.skipIf(!existsSync(PHOTO))('plate detector models (needs ../shared/plates)', () => {
  test('yolo layout: the detected box is mapped back and read', { timeout: 60_000 }, async () => {
    // Channel-major [5, 2]: a plate (score 0.9) and a faint box elsewhere (0.1, under the threshold).
    const file = model('yolo.onnx', [5, 2], [cx, 50, cy, 50, TRUTH.w * S, 20, TRUTH.h * S, 10, 0.9, 0.1]);
    const models = await PlateModels.open();
    try {
      const finder = await models.finderFor({
        country: 'auto',
        minConfidence: 0.8,
        detector: { file, format: 'yolo', inputSize: 640, scoreThreshold: 0.4 },
      });
      const plates = await finder.find((await decodeImage(PHOTO)).source);
      expect(plates).toHaveLength(1);
      expect(plates[0].text).toBe('M5XSX');
      expect(iou(plates[0].box, TRUTH)).toBeGreaterThan(0.7);
    } finally {
      await models.close();
    }
  });

  test('end2end layout through the CLI (--detector), and a model of another shape is refused', {
    timeout: 60_000,
  }, async () => {
    const x1 = TRUTH.x * S;
    const y1 = TRUTH.y * S;
    const file = model(
      'e2e.onnx',
      [2, 7],
      [0, x1, y1, x1 + TRUTH.w * S, y1 + TRUTH.h * S, 0, 0.95, 0, 0, 0, 10, 10, 0, 0.05],
    );
    const r = await cli(['plates', PHOTO, '--json', '--detector', file, '--detector-format', 'end2end']);
    expect(r.code, r.stderr).toBe(0);
    const report = lastJson<PlatesInputReport>(r);
    expect(report.plates.map((p) => p.text)).toEqual(['M5XSX']);

    const wrong = model('wrong.onnx', [3, 4], new Array(12).fill(0.5));
    const bad = await cli(['plates', PHOTO, '--detector', wrong, '--detector-format', 'end2end']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /plate detector: .*wrong\.onnx does not run as a end2end detector: end2end output must be \[N, 7\]/,
    );
  });
});
