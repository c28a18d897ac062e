import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config/load-config.ts';
import { BUILTIN_MODELS } from '../../pipeline/detect/detector-spec.ts';
import { ConfigError } from '../../pipeline/errors/config-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('loadConfig', () => {
  test('fills defaults and resolves paths against the file', () => {
    const p = file('ok.yaml', 'cameras:\n  - id: cam-1\n    source: clips/a.mp4\n');
    const cfg = loadConfig(p, {});
    expect(cfg.extract).toEqual({ fps: 5, segmentSeconds: 10 });
    expect(cfg.detector).toMatchObject({ model: 'yolox-nano', instances: 2, threads: 1 });
    expect(cfg.cameras[0].source).toBe(join(dir, 'clips/a.mp4'));
    expect(cfg.dataDir).toBe(join(dir, 'var'));
  });

  test('model files resolve against the config file and detector.model may name a declared model', () => {
    const p = file(
      'models.yaml',
      'models:\n  yx: {file: m/yolox.onnx, format: yolox, input: {width: 416, height: 416}}\ndetector: {model: yx}\n',
    );
    const cfg = loadConfig(p, {});
    expect(cfg.models.yx).toMatchObject({
      file: join(dir, 'm/yolox.onnx'),
      colour: 'rgb',
      padValue: 114,
      labels: 'coco',
    });
    expect(cfg.models.yx.input.layout).toBe('nchw');
  });

  test('built-in models: centernet by name; yolox-nano redeclared without a file keeps the committed file', () => {
    const p = file('centernet.yaml', 'detector: {model: centernet}\n');
    expect(loadConfig(p, {}).detector.model).toBe('centernet');

    const committed = fileURLToPath(new URL('../../models/yolox_nano.onnx', import.meta.url));
    expect(existsSync(committed)).toBe(true);
    expect(BUILTIN_MODELS['yolox-nano']).toMatchObject({ file: committed, format: 'yolox', colour: 'bgr' });
    const q = file(
      'redeclared.yaml',
      'models:\n  yolox-nano: {format: yolox, input: {width: 416, height: 416}, colour: bgr, scoreThreshold: 0.5}\n',
    );
    const cfg = loadConfig(q, {});
    expect(cfg.detector.model).toBe('yolox-nano');
    expect(cfg.models['yolox-nano']).toMatchObject({ file: committed, scoreThreshold: 0.5 });
    // What it does not name stays the built-in's (the weak boxes that extend tracks included).
    expect(cfg.models['yolox-nano']).toMatchObject({ trackThreshold: 0.2, nmsIou: 0.45, padValue: 114 });
  });

  test('a built-in redeclared with one key changes that key only; input key by key', () => {
    const p = file(
      'bigger.yaml',
      'models:\n  yolox-nano: {input: {width: 640, height: 640, fitFrame: true}}\n',
    );
    const m = loadConfig(p, {}).models['yolox-nano'];
    expect(m).toEqual({
      ...BUILTIN_MODELS['yolox-nano'],
      input: { width: 640, height: 640, layout: 'nchw', fitFrame: true },
    });
    // A wrong key is still named, not hidden by the built-in's.
    const bad = file('bigger-bad.yaml', 'models:\n  yolox-nano: {input: 640}\n');
    expect(() => loadConfig(bad, {})).toThrow(/bigger-bad\.yaml: models\.yolox-nano\.input/);
    // Another model's declaration is complete or refused, as before.
    const own = file('own.yaml', 'models:\n  mine: {file: m.onnx, input: {width: 416, height: 416}}\n');
    expect(() => loadConfig(own, {})).toThrow(/own\.yaml: models\.mine\.format/);
  });

  test('a camera scene is validated with the config, errors naming the item', () => {
    const ok = file(
      'scene.yaml',
      'cameras:\n  - id: c\n    source: a.mp4\n    scene:\n      lines: [{id: l1, from: [0, 200], to: [640, 200]}]\n',
    );
    expect(loadConfig(ok, {}).cameras[0].scene?.lines[0].id).toBe('l1');
    const bad = file(
      'scene-bad.yaml',
      'cameras:\n  - id: c\n    source: a.mp4\n    scene:\n      zones: [{id: z, polygon: [[0, 0], [100, 100], [100, 0], [0, 100]]}]\n',
    );
    expect(() => loadConfig(bad, {})).toThrow(/cameras\[0\]\.scene\.zones\[0\]\.polygon.*self-intersect/);
  });

  test('environment wins over the file for Redis and ClickHouse', () => {
    const p = file('env.yaml', 'redisUrl: redis://a:1\ncameras: []\n');
    const cfg = loadConfig(p, { REDIS_URL: 'redis://b:2', CLICKHOUSE_URL: 'http://ch:8123' });
    expect(cfg.redisUrl).toBe('redis://b:2');
    expect(cfg.clickhouseUrl).toBe('http://ch:8123');
  });

  test.each([
    [
      'unknown key',
      'cameras:\n  - id: cam-1\n    source: a.mp4\n    fpss: 3\n',
      'cameras[0].fpss',
      /unknown key/,
    ],
    ['wrong type', 'extract:\n  fps: fast\n', 'extract.fps', /must be number/],
    ['out of range', 'extract:\n  fps: 0\n', 'extract.fps', /must be > 0/],
    ['missing source', 'cameras:\n  - id: cam-1\n', 'cameras[0].source', /is required/],
    ['bad id', 'cameras:\n  - id: "cam 1"\n    source: a.mp4\n', 'cameras[0].id', /must match pattern/],
    [
      'bad start time',
      'cameras:\n  - id: c\n    source: a.mp4\n    startTime: yesterday\n',
      'cameras[0].startTime',
      /date-time/,
    ],
    [
      'duplicate id',
      'cameras:\n  - {id: c, source: a.mp4}\n  - {id: c, source: b.mp4}\n',
      'cameras[1].id',
      /duplicate/,
    ],
    ['top-level typo', 'detectr: {}\n', 'detectr', /unknown key/],
    // The new sections: measures, alerts, tracking, live.
    [
      'LOS bands out of order',
      'measures:\n  losDensity: [7, 11, 9, 22, 28]\n',
      'measures.losDensity',
      /must increase/,
    ],
    ['negative PCU', 'measures:\n  pcu: {bus: -1}\n', 'measures.pcu.bus', /must be >= 0/],
    [
      'webhook without scheme',
      'alerts:\n  webhooks: [{url: ops.example/hook}]\n',
      'alerts.webhooks[0].url',
      /must match pattern/,
    ],
    [
      'webhook severity',
      'alerts:\n  webhooks: [{url: "http://h/x", minSeverity: urgent}]\n',
      'alerts.webhooks[0].minSeverity',
      /minSeverity: must be one of "info", "warning", "critical"$/,
    ],
    ['tracking typo', 'tracking:\n  lostFrame: 4\n', 'tracking.lostFrame', /unknown key/],
    ['live limit', 'live:\n  closeAfterOfflineS: 0\n', 'live.closeAfterOfflineS', /must be >= 1/],
    [
      'unknown model',
      'detector: {model: yolo9}\n',
      'detector.model',
      /unknown model "yolo9"; declared or built in: yolox-nano, centernet/,
    ],
    [
      'model without file',
      'models:\n  mine: {format: yolox, input: {width: 416, height: 416}}\n',
      'models.mine.file',
      /is required/,
    ],
    [
      'bad model format',
      'models:\n  mine: {file: m.onnx, format: yolo5, input: {width: 416, height: 416}}\n',
      'models.mine.format',
      /format: must be one of "centernet", "yolox", "yolov8"$/,
    ],
    [
      'line direction',
      'cameras:\n  - id: c1\n    source: a.mp4\n    scene: {lines: [{id: l, from: [0, 0], to: [9, 9], positive: lft}]}\n',
      'cameras[0].scene.lines[0].positive',
      /positive: must be one of "left", "right"$/,
    ],
  ])('%s: the error names the file and the key', (_name, text, key, reason) => {
    const p = file('bad.yaml', text);
    let err: unknown;
    try {
      loadConfig(p, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.key).toBe(key);
    expect(ce.message).toContain(p);
    expect(ce.message).toContain(key);
    expect(ce.message).toMatch(reason);
  });

  test('unparseable YAML and a missing file are ConfigErrors naming the file', () => {
    const p = file('broken.yaml', 'cameras: [\n');
    expect(() => loadConfig(p, {})).toThrow(new RegExp(`${p}.*not valid YAML`));
    expect(() => loadConfig(join(dir, 'nope.yaml'), {})).toThrow(/nope\.yaml.*cannot read/);
  });
});
