import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../pipeline/errors/config-error.ts';
import { validateScene } from '../../pipeline/scene/validate-scene.ts';
import { SceneConfig } from '../../schemas/scene.ts';
import { check } from '../../schemas/validate.ts';

const good = (): SceneConfig => ({
  frame: { width: 1920, height: 1080 },
  inertiaFrames: 2,
  lines: [
    { id: 'north', from: [0, 500], to: [1920, 500] },
    { id: 'south', from: [0, 800], to: [1920, 800], positive: 'right', classes: ['car', 'truck'] },
  ],
  zones: [
    {
      id: 'lane-1',
      kind: 'lane',
      direction: [1, 0],
      polygon: [
        [0, 400],
        [1920, 400],
        [1920, 600],
        [0, 600],
      ],
    },
    {
      id: 'bay',
      polygon: [
        [100, 900],
        [400, 900],
        [300, 1000],
      ],
    },
  ],
  calibration: {
    image: [
      [800, 400],
      [1100, 400],
      [1700, 1000],
      [200, 1000],
    ],
    world: [
      [0, 0],
      [3.5, 0],
      [3.5, 30],
      [0, 30],
    ],
  },
});

/** The ConfigError validateScene throws for a scene changed by `edit`. */
function errorOf(edit: (s: SceneConfig) => void): ConfigError {
  const s = good();
  edit(s);
  try {
    validateScene(s, 'cityflow.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('validateScene did not throw');
}

describe('SceneConfig schema', () => {
  test('a good scene passes, defaults are filled', () => {
    const raw: Record<string, unknown> = { zones: [{ id: 'z', polygon: good().zones[1].polygon }] };
    expect(check(SceneConfig, raw)).toEqual([]);
    expect(raw.lines).toEqual([]);
    expect(raw.inertiaFrames).toBe(1);
    expect(check(SceneConfig, good())).toEqual([]);
  });
  test('shape errors name the key', () => {
    const keys = (v: unknown) => check(SceneConfig, v).map((i) => i.key);
    expect(
      keys({
        zones: [
          {
            id: 'z',
            polygon: [
              [0, 0],
              [1, 1],
            ],
          },
        ],
      }),
    ).toContain('zones[0].polygon');
    expect(keys({ lines: [{ id: 'l', from: [0, 0], to: [1, 1], positive: 'up' }] })).toContain(
      'lines[0].positive',
    );
    expect(keys({ lines: [{ id: 'l', from: [0, 0], to: [1, 1], classes: ['tram'] }] })).toContain(
      'lines[0].classes[0]',
    );
    expect(keys({ inertiaFrames: 0 })).toContain('inertiaFrames');
    expect(keys({ calibration: { image: [[0, 0]], world: [[0, 0]] } })).toContain('calibration.image');
    expect(keys({ zone: [] })).toContain('zone');
  });
  test('a scene of 5,000 zones or a polygon of 1,000 points is refused by name (it would not fit a stored row)', () => {
    const zone = (i: number) => ({
      id: `z${i}`,
      polygon: [
        [0, 0],
        [9, 0],
        [9, 9],
      ],
    });
    const many = check(SceneConfig, { zones: Array.from({ length: 5000 }, (_, i) => zone(i)) });
    expect(many.map((i) => `${i.key} ${i.message}`)).toEqual(['zones must NOT have more than 200 items']);
    const ring = Array.from({ length: 1000 }, (_, i) => [Math.cos(i), Math.sin(i)]);
    expect(check(SceneConfig, { zones: [{ id: 'r', polygon: ring }] }).map((i) => i.key)).toEqual([
      'zones[0].polygon',
    ]);
  });
  test('coordinates far beyond any picture (±1e308) are refused by name', () => {
    const issues = check(SceneConfig, { lines: [{ id: 'l', from: [1e308, 0], to: [0, -1e308] }] });
    expect(issues.map((i) => `${i.key} ${i.message}`)).toEqual([
      'lines[0].from[0] must be <= 1000000',
      'lines[0].to[1] must be >= -1000000',
    ]);
  });
});

describe('validateScene', () => {
  test('a good scene passes', () => {
    expect(() => validateScene(good(), 'cityflow.yaml')).not.toThrow();
  });

  test('the key prefix is configurable', () => {
    const s = good();
    s.lines[1].id = 'north';
    expect(() => validateScene(s, 'cityflow.yaml', 'cameras[2].scene')).toThrow(
      'cityflow.yaml: cameras[2].scene.lines[1].id: duplicate id "north" (also lines[0])',
    );
  });

  test('duplicate ids', () => {
    expect(errorOf((s) => (s.lines[1].id = 'north')).key).toBe('scene.lines[1].id');
    const e = errorOf((s) => (s.zones[1].id = 'lane-1'));
    expect(e.key).toBe('scene.zones[1].id');
    expect(e.message).toContain('duplicate id "lane-1"');
  });

  test('a line of zero length', () => {
    const e = errorOf((s) => (s.lines[0].to = [0, 500]));
    expect(e.message).toBe(
      'cityflow.yaml: scene.lines[0]: line "north" has zero length (from = to = [0, 500])',
    );
  });

  test('points outside the frame', () => {
    expect(errorOf((s) => (s.lines[1].to = [1921, 800])).key).toBe('scene.lines[1].to');
    expect(errorOf((s) => (s.lines[0].from = [-1, 500])).key).toBe('scene.lines[0].from');
    const e = errorOf((s) => (s.zones[1].polygon[2] = [300, 1081]));
    expect(e.key).toBe('scene.zones[1].polygon');
    expect(e.message).toContain('point 2 [300, 1081] lies outside the 1920×1080 frame');
    const outside = errorOf((s) => {
      if (s.calibration) s.calibration.image[3] = [200, 2000];
    });
    expect(outside.key).toBe('scene.calibration.image');
  });

  test('no frame: points are not checked against one', () => {
    const s = good();
    delete s.frame;
    s.lines[0].to = [5000, 500];
    expect(() => validateScene(s, 'cityflow.yaml')).not.toThrow();
  });

  test('a self-intersecting polygon', () => {
    const e = errorOf(
      (s) =>
        (s.zones[1].polygon = [
          [100, 900],
          [400, 900],
          [100, 1000],
          [400, 1000],
        ]),
    );
    expect(e.key).toBe('scene.zones[1].polygon');
    expect(e.message).toContain(
      'zone "bay" is self-intersecting: edge 1 (point 1 → 2) meets edge 3 (point 3 → 0)',
    );
  });

  test('a repeated point', () => {
    const e = errorOf((s) => s.zones[0].polygon.splice(2, 0, [1920, 400]));
    expect(e.key).toBe('scene.zones[0].polygon');
    expect(e.message).toContain('point 1 repeats point 2');
  });

  test('a zero-area polygon', () => {
    const e = errorOf(
      (s) =>
        (s.zones[1].polygon = [
          [100, 900],
          [200, 950],
          [300, 1000],
        ]),
    );
    expect(e.key).toBe('scene.zones[1].polygon');
    expect(e.message).toContain('zone "bay" has zero area');
  });

  test('a zero direction', () => {
    expect(errorOf((s) => (s.zones[0].direction = [0, 0])).key).toBe('scene.zones[0].direction');
  });

  test('calibration with three collinear image or world points', () => {
    const img = errorOf((s) => {
      if (s.calibration) s.calibration.image[2] = [1400, 400];
    });
    expect(img.key).toBe('scene.calibration.image');
    expect(img.message).toContain('points 0, 1, 2 are collinear');
    const world = errorOf((s) => {
      if (s.calibration) s.calibration.world[3] = [7, 0];
    });
    expect(world.key).toBe('scene.calibration.world');
    expect(world.message).toContain('points 0, 1, 3 are collinear');
  });

  test('calibration points in different orders (the mapping folds)', () => {
    const e = errorOf((s) => {
      if (s.calibration)
        s.calibration.world = [
          [0, 0],
          [3.5, 0],
          [0, 30],
          [3.5, 30],
        ];
    });
    expect(e.key).toBe('scene.calibration');
    expect(e.message).toContain('not in the same order');
  });

  test('non-finite coordinates', () => {
    expect(errorOf((s) => (s.lines[0].from = [Number.NaN, 1])).key).toBe('scene.lines[0]');
  });
});
