/**
 * Job payloads of the BullMQ graph (extract / live → detect → track → store; backfill parents).
 * They carry references and results, never pixels: frames travel between processes of one host as
 * files (pipeline/frames/frame-files.ts).
 * TypeBox gives both the JSON Schema (validated when a worker takes a job) and the static type.
 */
import { type Static, Type } from '@sinclair/typebox';
import { CAMERA_ID_PATTERN } from './camera-id.ts';
import { ProductClassSchema } from './classes.ts';
import { EventRecord } from './events.ts';
import { IntervalRowSchema, LineCrossing, TrackRowSchema, ZoneVisit } from './measures.ts';
import { PlateFrames, PlateRead, PlatesConfig } from './plates.ts';
import { SceneConfig } from './scene.ts';

const Id = Type.String({ minLength: 1, maxLength: 256 });

/** A rectangle in source pixels. */
export const RegionSchema = Type.Object(
  {
    x: Type.Integer({ minimum: 0 }),
    y: Type.Integer({ minimum: 0 }),
    width: Type.Integer({ minimum: 16 }),
    height: Type.Integer({ minimum: 16 }),
  },
  { additionalProperties: false },
);

/** Motion gating settings (pipeline/detect/motion/motion-gate.ts); absent = every frame is analysed. */
export const MotionGateSchema = Type.Object(
  {
    minChangedFraction: Type.Number({ minimum: 0, maximum: 1, default: 0.01 }),
    pixelDelta: Type.Number({ minimum: 0, maximum: 255, default: 12 }),
    maxSkipFrames: Type.Integer({ minimum: 0, default: 25 }),
  },
  { additionalProperties: false },
);

/**
 * What probing a file found (pipeline/extract/probe-source.ts), carried in its extract job when the
 * submitter probed it already (a backfill probes every file to plan it), so the extract stage starts
 * decoding without running the discoverer again.
 */
export const ProbedSourceSchema = Type.Object(
  {
    width: Type.Integer({ minimum: 1, maximum: 16384 }),
    height: Type.Integer({ minimum: 1, maximum: 16384 }),
    durationMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    fps: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
    createdAtMs: Type.Union([Type.Number(), Type.Null()]),
    codec: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
    par: Type.Object(
      { num: Type.Integer({ minimum: 1 }), den: Type.Integer({ minimum: 1 }) },
      { additionalProperties: false },
    ),
    /** The local file as it was when probed: a file changed since is probed again. */
    file: Type.Optional(
      Type.Object(
        { bytes: Type.Integer({ minimum: 0 }), mtimeMs: Type.Number() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ProbedSource = Static<typeof ProbedSourceSchema>;

/**
 * One source (file, later a stream) to decode, sample and cut into segments. Any host's extract
 * worker may take it; the segments then go to that host's detect queue, where its frames are.
 */
export const ExtractJob = Type.Object(
  {
    sourceId: Id,
    cameraId: Id,
    uri: Type.String({ minLength: 1 }),
    /** Wall time of PTS 0, epoch ms. */
    startTimeMs: Type.Number(),
    fps: Type.Number({ exclusiveMinimum: 0, maximum: 60 }),
    segmentMs: Type.Integer({ minimum: 1000 }),
    /**
     * Decode steps × fps frames per second and keep the ones between analysed frames as small grey
     * frames for motion estimation (pipeline/motion/); 0 or absent: analysed frames only.
     */
    motionSteps: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
    roi: Type.Optional(RegionSchema),
    motionGate: Type.Optional(MotionGateSchema),
    /** The camera's counting lines and zones, carried to the track stage. */
    scene: Type.Optional(SceneConfig),
    /** Read licence plates: the extract stage also keeps the frames at source resolution. */
    plates: Type.Optional(PlatesConfig),
    /** The file as the submitter probed it; absent: the extract stage probes it. */
    probe: Type.Optional(ProbedSourceSchema),
  },
  { additionalProperties: false },
);
export type ExtractJob = Static<typeof ExtractJob>;

export const FrameRef = Type.Object(
  {
    ptsMs: Type.Number(),
    tsMs: Type.Number(),
    /**
     * This frame's motion chain in the frames file (pipeline/motion/): `frames` grey frames, from the
     * previous analysed frame (at fromPtsMs) to this one. Absent: none (a source's first frame).
     */
    motion: Type.Optional(
      Type.Object(
        { frames: Type.Integer({ minimum: 2, maximum: 1000 }), fromPtsMs: Type.Number() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type FrameRef = Static<typeof FrameRef>;

/** A segment's frames, written by extract into a local file, to be detected on the same host. */
export const DetectJob = Type.Object(
  {
    segmentKey: Id,
    sourceId: Id,
    cameraId: Id,
    segment: Type.Integer({ minimum: 0 }),
    /** Path of the frames file: frames.length frames of width*height*3 bytes, RGB24, tightly packed. */
    framesFile: Type.String({ minLength: 1 }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    /** frame pixels per source pixel */
    scale: Type.Number({ exclusiveMinimum: 0 }),
    frames: Type.Array(FrameRef),
    /** The source's previous segment that had frames (-1: none): tracking continues from its state. */
    prevSegment: Type.Optional(Type.Integer({ minimum: -1 })),
    /** No segment of this source follows (it ended or failed): the track stage closes open tracks. */
    last: Type.Optional(Type.Boolean()),
    /** Where the frames' region starts in the source (a region of interest); boxes are shifted by it. */
    offset: Type.Optional(
      Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false }),
    ),
    /** Size of the grey motion frames that follow the RGB frames in the file (frames[].motion). */
    motionSize: Type.Optional(
      Type.Object(
        { width: Type.Integer({ minimum: 1 }), height: Type.Integer({ minimum: 1 }) },
        { additionalProperties: false },
      ),
    ),
    motionGate: Type.Optional(MotionGateSchema),
    scene: Type.Optional(SceneConfig),
    /** The segment's frames at source resolution, for the plate stage (cameras that read plates). */
    plates: Type.Optional(PlateFrames),
  },
  { additionalProperties: false },
);
export type DetectJob = Static<typeof DetectJob>;

/**
 * Measured image motion of a detection since the previous analysed frame (pipeline/motion/): the
 * object was at box − (dx, dy), dtMs earlier. Source pixels.
 */
export const DetectionMotion = Type.Object(
  {
    dx: Type.Number(),
    dy: Type.Number(),
    dtMs: Type.Number({ exclusiveMinimum: 0 }),
    /** The object's size then over its size now (absent: 1); (dx, dy) is its box centre's motion. */
    scale: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** The box reaches the picture's lower edge: its bottom is the edge's, not the object's. */
    cut: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DetectionMotion = Static<typeof DetectionMotion>;

/**
 * A detection as jobs carry it: the one Detection shape (schemas/detection.ts) from the detector to
 * the row mapper; the track stage adds `trackId` (0: no confirmed track) and drops `motion`.
 */
export const DetectionRow = Type.Object(
  {
    cls: ProductClassSchema,
    score: Type.Number(),
    box: Type.Object(
      { x: Type.Number(), y: Type.Number(), w: Type.Number(), h: Type.Number() },
      { additionalProperties: false },
    ),
    trackId: Type.Optional(Type.Integer({ minimum: 0 })),
    motion: Type.Optional(DetectionMotion),
    /** The box reaches the analysed picture's lower edge (schemas/detection.ts). */
    cut: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type DetectionRow = Static<typeof DetectionRow>;

export const FrameResult = Type.Object(
  {
    ptsMs: Type.Number(),
    tsMs: Type.Number(),
    analysed: Type.Boolean(),
    detectorMs: Type.Number(),
    detections: Type.Array(DetectionRow),
  },
  { additionalProperties: false },
);
export type FrameResult = Static<typeof FrameResult>;

/** Where a segment's pixels are, for evidence snapshots. */
export const EvidenceFrames = Type.Object(
  {
    host: Type.String(),
    framesFile: Type.String({ minLength: 1 }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    scale: Type.Number({ exclusiveMinimum: 0 }),
    offset: Type.Optional(
      Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false }),
    ),
    /** The grey motion frames after the RGB ones (their count and size), so the file's length checks. */
    grey: Type.Optional(
      Type.Object(
        {
          count: Type.Integer({ minimum: 0 }),
          width: Type.Integer({ minimum: 0 }),
          height: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type EvidenceFrames = Static<typeof EvidenceFrames>;

/** A segment's results, to track (track queue) and then store (store queue). Small: it may go to any host. */
export const StoreJob = Type.Object(
  {
    segmentKey: Id,
    sourceId: Id,
    cameraId: Id,
    segment: Type.Integer({ minimum: 0 }),
    detector: Type.String(),
    frames: Type.Array(FrameResult),
    prevSegment: Type.Optional(Type.Integer({ minimum: -1 })),
    /** No segment of this source follows (it ended or failed): the track stage closes open tracks. */
    last: Type.Optional(Type.Boolean()),
    scene: Type.Optional(SceneConfig),
    /** Line crossings found by the track stage in this segment. */
    crossings: Type.Optional(Type.Array(LineCrossing)),
    /** Zone visits that ended in this segment. */
    visits: Type.Optional(Type.Array(ZoneVisit)),
    /** Traffic-measure intervals that closed in this segment. */
    intervals: Type.Optional(Type.Array(IntervalRowSchema)),
    /** Tracks that ended in this segment. */
    tracks: Type.Optional(Type.Array(TrackRowSchema)),
    /** Events the rule engine raised in this segment. */
    events: Type.Optional(Type.Array(EventRecord)),
    /**
     * The segment's frames file, kept by the detect stage for evidence snapshots; the track stage
     * removes it when done (a janitor on the detect host removes what another host's track stage left).
     */
    evidence: Type.Optional(EvidenceFrames),
    /** Source-resolution frames waiting for the plate stage (which routes the segment on to store). */
    plates: Type.Optional(PlateFrames),
    /** Plates read on the segment's tracks, by the plate stage. */
    plateReads: Type.Optional(Type.Array(PlateRead)),
  },
  { additionalProperties: false },
);
export type StoreJob = Static<typeof StoreJob>;

/** What an extract job returns when its source is done (or failed part-way). */
/**
 * A live camera's job (queue `live`, job id `live-<cameraId>`): only its id; its configuration is
 * read from the camera registry, so a change reaches the running camera without a new job.
 */
export const LiveCameraJob = Type.Object(
  { cameraId: Type.String({ pattern: CAMERA_ID_PATTERN }) },
  { additionalProperties: false },
);
export type LiveCameraJob = Static<typeof LiveCameraJob>;

/** A backfill parent job (queue `backfill`): one archived file, done when its segments are stored. */
export const BackfillFileJob = Type.Object(
  { file: Type.String({ minLength: 1 }), sourceId: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type BackfillFileJob = Static<typeof BackfillFileJob>;

export interface ExtractResult {
  sourceId: string;
  segments: number;
  frames: number;
}

/** The key of a segment: stable across re-runs of the same source, hence usable as job id and dedup token. */
export function segmentKey(sourceId: string, segment: number): string {
  return `${sourceId}#${segment}`;
}
