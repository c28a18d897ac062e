/**
 * One camera's scene geometry, in SOURCE pixels (the original frame, not the detector input or the
 * ROI): counting lines, zones, and an optional ground-plane calibration. The JSON schema checks the
 * shapes; pipeline/scene/validate-scene.ts checks the geometry (ids, lengths, self-intersections, ...).
 *
 *   (0,0) ──────────── x ──────────▶ (width, 0)
 *     │    from ●━━━━━━━━━━━━━▶● to        a line: counts objects whose bottom-centre crosses it
 *     y       ┌──────────┐
 *     │       │  zone    │               a zone: a polygon, ≥ 3 points, not self-intersecting
 *     ▼       └──────────┘
 */
import { type Static, Type } from '@sinclair/typebox';
import { ProductClassSchema } from './classes.ts';

/** [x, y] in source pixels (or metres for calibration.world). */
/**
 * A coordinate: pixels (or metres, in a calibration's world points). Bounded, so that a point of
 * ±1e308 is refused by name instead of overflowing the geometry into Infinity and NaN.
 */
const Coordinate = Type.Number({ minimum: -1e6, maximum: 1e6 });
export const PointSchema = Type.Tuple([Coordinate, Coordinate]);
export type Point = Static<typeof PointSchema>;

const SceneId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
/**
 * How much one camera's scene may hold: far more than a picture can show (a junction has a few dozen
 * zones), small enough that a scene always fits one stored row and every frame can test it.
 */
export const SCENE_LIMITS = { lines: 100, zones: 200, polygonPoints: 200 } as const;

const Classes = Type.Array(ProductClassSchema, {
  minItems: 1,
  uniqueItems: true,
});

/**
 * A counting line from `from` to `to`. Its sides are named as seen walking from `from` to `to` on
 * the screen (y grows downwards):
 *
 *            left side
 *   from ●━━━━━━━━━━━━━━━━━━▶● to
 *            right side
 *
 * `positive: 'left'` (the default): an object moving from the right side to the left side crosses in
 * the positive direction, the other way is negative; `'right'` swaps them. For from = [0, 500],
 * to = [1920, 500] the left side is the upper half, so 'left' counts upward movement as positive.
 */
export const SceneLineSchema = Type.Object(
  {
    id: SceneId,
    from: PointSchema,
    to: PointSchema,
    positive: Type.Optional(Type.Union([Type.Literal('left'), Type.Literal('right')])),
    /** Only these classes are counted; absent = all. */
    classes: Type.Optional(Classes),
  },
  { additionalProperties: false },
);
export type SceneLine = Static<typeof SceneLineSchema>;

export const ZONE_KINDS = ['lane', 'roadway', 'no-stopping', 'crowd', 'area'] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];

/** A polygon zone; points in order (either winding), closed implicitly, not self-intersecting. */
export const SceneZoneSchema = Type.Object(
  {
    id: SceneId,
    polygon: Type.Array(PointSchema, { minItems: 3, maxItems: SCENE_LIMITS.polygonPoints }),
    /** What the zone is for (default 'area'); later analyses pick zones by kind. */
    kind: Type.Optional(Type.Union(ZONE_KINDS.map((k) => Type.Literal(k)))),
    /** A lane's allowed direction of travel, [dx, dy] in pixels (any length but 0). */
    direction: Type.Optional(PointSchema),
    /** Only these classes are tracked in the zone; absent = all. */
    classes: Type.Optional(Classes),
    /** Travel lanes the zone covers, for density per lane (default 1). */
    lanes: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
    /**
     * Length of road the zone covers, metres, for density. Default with a calibration: the zone's
     * extent on the ground along its `direction` (or its longest ground extent).
     */
    lengthM: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);
export type SceneZone = Static<typeof SceneZoneSchema>;

const FourPoints = Type.Tuple([PointSchema, PointSchema, PointSchema, PointSchema]);

/**
 * Ground-plane calibration: four image points (pixels) and where they lie on the ground (metres, any
 * planar frame, e.g. x along the road). No three of either set may be collinear.
 */
export const SceneCalibrationSchema = Type.Object(
  { image: FourPoints, world: FourPoints },
  { additionalProperties: false },
);
export type SceneCalibration = Static<typeof SceneCalibrationSchema>;

export const SceneConfig = Type.Object(
  {
    lines: Type.Array(SceneLineSchema, { default: [], maxItems: SCENE_LIMITS.lines }),
    zones: Type.Array(SceneZoneSchema, { default: [], maxItems: SCENE_LIMITS.zones }),
    calibration: Type.Optional(SceneCalibrationSchema),
    /**
     * A line crossing or zone entry/exit counts only once the object has been seen on the new side
     * this many consecutive frames (flicker guard against box jitter on the boundary).
     */
    inertiaFrames: Type.Integer({ minimum: 1, default: 1 }),
    /** The source frame size; when given, every point must lie inside [0, width] × [0, height]. */
    frame: Type.Optional(
      Type.Object(
        { width: Type.Integer({ minimum: 1 }), height: Type.Integer({ minimum: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SceneConfig = Static<typeof SceneConfig>;
