import { type Static, Type } from '@sinclair/typebox';
import { ProductClassSchema } from './classes.ts';
import { SeveritySchema } from './events.ts';

/**
 * A licence-plate detector of the user's (ONNX), used instead of the text locator: `yolo` outputs
 * [1, 4 + C, N] (YOLOv8 / YOLO11), `end2end` [N, 7] (NMS inside the graph). See
 * pipeline/plates/onnx-plate-locator.ts.
 */
export const PlateDetectorConfig = Type.Object(
  {
    file: Type.String({ minLength: 1 }),
    format: Type.Union([Type.Literal('yolo'), Type.Literal('end2end')]),
    /** The model's square input side, pixels. */
    inputSize: Type.Integer({ minimum: 32, maximum: 4096, default: 640 }),
    scoreThreshold: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.4 }),
  },
  { additionalProperties: false },
);
export type PlateDetectorConfig = Static<typeof PlateDetectorConfig>;

/**
 * A camera's licence-plate reading (`plates:` under a camera). Present means on; reads are made on
 * tracked vehicles, from frames at the source's resolution.
 */
export const PlatesConfig = Type.Object(
  {
    /** Vehicle classes whose plates are read. */
    classes: Type.Array(ProductClassSchema, { default: ['car', 'motorcycle', 'bus', 'truck'], minItems: 1 }),
    /** Reads per track and segment at most (the largest views of the vehicle are taken first). */
    maxReadsPerTrack: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
    /** Vehicles shorter than this (source pixels) are not read: their plates are too small. */
    minVehicleHeight: Type.Integer({ minimum: 8, default: 40 }),
    /** Plates shorter than this (source pixels) are not kept: too few pixels per character. */
    minPlateHeight: Type.Integer({ minimum: 4, default: 10 }),
    /** Plate grammar: auto (recognise Vietnamese plates), VN (apply Vietnam's), none. */
    country: Type.Union([Type.Literal('auto'), Type.Literal('VN'), Type.Literal('none')], {
      default: 'auto',
    }),
    /** Reads below this mean character confidence are dropped. */
    minConfidence: Type.Number({ minimum: 0, maximum: 1, default: 0.8 }),
    /** Keep a JPEG of each read plate (personal data: removed after plateRetentionDays). */
    storeCrops: Type.Boolean({ default: false }),
    /** A plate detector of yours (ONNX) instead of the text locator; path relative to the config file. */
    detector: Type.Optional(PlateDetectorConfig),
  },
  { additionalProperties: false },
);
export type PlatesConfig = Static<typeof PlatesConfig>;

/**
 * Where a segment's source-resolution frames wait for the plate stage (one per segment frame, same
 * order), on the host that decoded them. `offset`: the camera's region of interest, whose corner the
 * frames start at.
 */
export const PlateFrames = Type.Object(
  {
    host: Type.String(),
    framesFile: Type.String({ minLength: 1 }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    count: Type.Integer({ minimum: 1 }),
    offset: Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false }),
    config: PlatesConfig,
  },
  { additionalProperties: false },
);
export type PlateFrames = Static<typeof PlateFrames>;

/**
 * One vehicle's plate in one segment: the vote over its reads (pipeline/plates/plate-vote.ts).
 * `plateHash` is a keyed hash (HMAC-SHA256) of the plate: matching across cameras without raw text.
 */
export const PlateRead = Type.Object(
  {
    trackId: Type.Integer({ minimum: 0 }),
    tsMs: Type.Number(),
    plate: Type.String({ minLength: 1, maxLength: 16 }),
    plateHash: Type.String({ minLength: 1, maxLength: 128 }),
    display: Type.String({ maxLength: 32 }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    reads: Type.Integer({ minimum: 1 }),
    agreeing: Type.Integer({ minimum: 0 }),
    layout: Type.Union([Type.Literal('one-line'), Type.Literal('two-line')]),
    country: Type.String({ maxLength: 2 }),
    vehicleClass: ProductClassSchema,
    /** Path of the stored plate crop, when the camera stores crops. */
    crop: Type.Optional(Type.String({ maxLength: 1024 })),
    /** The plate in the best read's frame, source pixels. */
    box: Type.Object(
      { x: Type.Number(), y: Type.Number(), w: Type.Number(), h: Type.Number() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type PlateRead = Static<typeof PlateRead>;

/**
 * A watch-list entry: a plate (A-Z0-9, as stored), why it is watched, until when, and how far a read
 * may be from it (edit distance 0: exact; 1-2: fuzzy, for reads with a character wrong).
 */
export const WatchlistEntry = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    plate: Type.String({ pattern: '^[A-Z0-9]{4,12}$' }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    expiresAt: Type.String({ format: 'date-time' }),
    maxDistance: Type.Integer({ minimum: 0, maximum: 2, default: 0 }),
    severity: Type.Optional(SeveritySchema),
  },
  { additionalProperties: false },
);
export type WatchlistEntry = Static<typeof WatchlistEntry>;
