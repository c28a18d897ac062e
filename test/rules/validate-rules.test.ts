import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config/load-config.ts';
import { ConfigError } from '../../pipeline/errors/config-error.ts';
import { RuleEngine } from '../../pipeline/rules/rule-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-rules-'));
const square = (x: number) => [
  [x, 0],
  [x + 100, 0],
  [x + 100, 100],
  [x, 100],
];
const CAMERAS = [
  {
    id: 'cam-1',
    source: 'a.mp4',
    scene: {
      zones: [
        { id: 'lane-1', kind: 'lane', polygon: square(0), direction: [0, -1] },
        { id: 'lane-2', kind: 'lane', polygon: square(100) },
        { id: 'plaza', kind: 'crowd', polygon: square(300) },
      ],
    },
  },
  { id: 'cam-2', source: 'b.mp4' },
];

function load(rules: unknown[], cameras: unknown[] = CAMERAS) {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, JSON.stringify({ cameras, rules }));
  return loadConfig(p, {});
}

describe('rules in the configuration', () => {
  test('valid rules load with their defaults; rules: defaults to []', () => {
    const cfg = load([
      { id: 'jam', type: 'congestion', cameras: ['cam-1'], zones: ['lane-1', 'lane-2'] },
      { id: 'crowd', type: 'crowd', minPersons: 5 },
      {
        id: 'busy',
        type: 'threshold',
        measure: 'vehicles',
        above: 10,
        cameras: ['cam-1'],
        zones: ['lane-2'],
      },
    ]);
    expect(cfg.rules.map((r) => r.id)).toEqual(['jam', 'crowd', 'busy']);
    expect(load([]).rules).toEqual([]);
    const p = join(dir, 'none.yaml');
    writeFileSync(p, 'cameras: []\n');
    expect(loadConfig(p, {}).rules).toEqual([]);
  });

  test.each([
    [
      'unknown zone',
      [{ id: 'r', type: 'crowd', cameras: ['cam-1'], zones: ['nowhere'] }],
      'rules[0].zones[0]',
      /rule "r" on camera "cam-1": unknown zone "nowhere" \(the scene's zones: lane-1, lane-2, plaza\)/,
    ],
    [
      'zone missing on another camera',
      [{ id: 'r', type: 'crowd', zones: ['plaza'] }],
      'rules[0].zones[0]',
      /camera "cam-2": unknown zone "plaza"/,
    ],
    [
      'wrong way on a lane without direction',
      [{ id: 'ww', type: 'wrong_way', cameras: ['cam-1'] }],
      'rules[0].zones',
      /lane "lane-2" has no direction/,
    ],
    [
      'wrong way on a crowd zone',
      [{ id: 'ww', type: 'wrong_way', cameras: ['cam-1'], zones: ['plaza'] }],
      'rules[0].zones[0]',
      /is a crowd, wrong_way needs lanes/,
    ],
    [
      'duplicate rule id',
      [
        { id: 'a', type: 'crowd' },
        { id: 'a', type: 'congestion' },
      ],
      'rules[1].id',
      /duplicate rule id "a" \(also rules\[0\]\)/,
    ],
    [
      'unknown camera',
      [{ id: 'a', type: 'crowd', cameras: ['cam-9'] }],
      'rules[0].cameras[0]',
      /unknown camera "cam-9"/,
    ],
    [
      'option of another type',
      [{ id: 'a', type: 'crowd', maxSpeedKmh: 5 }],
      'rules[0].maxSpeedKmh',
      /applies to stopped_vehicle, no_stopping rules, not crowd/,
    ],
    [
      'threshold without a measure',
      [{ id: 't', type: 'threshold', above: 3 }],
      'rules[0].measure',
      /is required/,
    ],
    [
      'threshold with both bounds',
      [{ id: 't', type: 'threshold', measure: 'pcu', above: 3, below: 1 }],
      'rules[0].above',
      /exactly one/,
    ],
    [
      'density without calibration',
      [{ id: 't', type: 'threshold', measure: 'density', above: 30, cameras: ['cam-1'], zones: ['lane-1'] }],
      'rules[0].measure',
      /needs the camera's scene.calibration/,
    ],
    ['unknown rule key', [{ id: 't', type: 'crowd', minPersonz: 3 }], 'rules[0].minPersonz', /unknown key/],
    ['unknown type', [{ id: 't', type: 'fire' }], 'rules[0].type', /must/],
    ['bad severity', [{ id: 't', type: 'crowd', severity: 'urgent' }], 'rules[0].severity', /must/],
  ])('%s → ConfigError naming the rule and the item', (_name, rules, key, message) => {
    let err: unknown;
    try {
      load(rules);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe(key);
    expect((err as Error).message).toMatch(message);
  });

  test('the example configuration loads, and its rules build an engine for each camera', () => {
    const cfg = loadConfig(fileURLToPath(new URL('../../infra/cityflow.example.yaml', import.meta.url)), {});
    expect(cfg.rules.map((r) => r.type)).toEqual([
      'congestion',
      'crowd',
      'stopped_vehicle',
      'wrong_way',
      'no_stopping',
      'person_in_roadway',
    ]);
    for (const cam of cfg.cameras) expect(() => new RuleEngine(cam.id, cam.scene, cfg.rules)).not.toThrow();
  });
});
