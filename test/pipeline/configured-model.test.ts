import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli, ROOT, SAMPLE } from '../helpers/cli.ts';

const YOLOX = join(ROOT, '../shared/models/yolox_nano.onnx');
const dir = mkdtempSync(join(tmpdir(), 'cityflow-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(YOLOX))(
  'a model declared in the configuration (skipped: ../shared/models/yolox_nano.onnx is absent)',
  () => {
    test('run --config with YOLOX-Nano: frames scaled to its 416 input, cars stored', async () => {
      const start = new Date(Date.now() - 3600_000).toISOString();
      const cfg = join(dir, 'yolox.yaml');
      writeFileSync(
        cfg,
        [
          'dataDir: var',
          'extract: {fps: 2}',
          'models:',
          `  my-yolox: {file: ${YOLOX}, format: yolox, input: {width: 416, height: 416, layout: nchw}, colour: bgr, padValue: 114}`,
          'detector: {model: my-yolox}',
          `cameras: [{id: street, source: ${SAMPLE}, startTime: "${start}"}]`,
        ].join('\n'),
      );
      const r = await cli(['run', '--config', cfg, '--exit-when-done']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/frames analysed\s+7[3-7]\b/);
      const q = await cli([
        'query',
        '--json',
        '--data-dir',
        join(dir, 'var'),
        "SELECT (SELECT count() FROM detections WHERE class = 'car') AS cars, (SELECT any(detector) FROM frames) AS detector",
      ]);
      const [row] = JSON.parse(q.stdout);
      expect(Number(row.cars)).toBeGreaterThan(100);
      expect(row.detector).toBe('my-yolox');
    });
  },
);

test('run --config with detector.model centernet: the other built-in still runs by name, cars stored', async () => {
  const start = new Date(Date.now() - 3600_000).toISOString();
  const cfg = join(dir, 'centernet.yaml');
  writeFileSync(
    cfg,
    [
      'dataDir: var3',
      'extract: {fps: 2}',
      'detector: {model: centernet}',
      `cameras: [{id: street, source: ${SAMPLE}, startTime: "${start}"}]`,
    ].join('\n'),
  );
  const r = await cli(['run', '--config', cfg, '--exit-when-done']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/frames analysed\s+7[3-7]\b/);
  const q = await cli([
    'query',
    '--json',
    '--data-dir',
    join(dir, 'var3'),
    "SELECT (SELECT count() FROM detections WHERE class = 'car') AS cars, (SELECT any(detector) FROM frames) AS detector",
  ]);
  const [row] = JSON.parse(q.stdout);
  expect(Number(row.cars)).toBeGreaterThan(100);
  expect(row.detector).toBe('centernet');
});

test('a declared model whose file is missing stops the start with a message naming the model', async () => {
  const cfg = join(dir, 'missing.yaml');
  writeFileSync(
    cfg,
    `dataDir: var2\nmodels:\n  mine: {file: /nonexistent/m.onnx, format: yolox, input: {width: 416, height: 416}}\ndetector: {model: mine}\ncameras: []\n`,
  );
  const r = await cli(['run', '--config', cfg, '--exit-when-done']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/model mine: .*\/nonexistent\/m\.onnx/);
});
