/**
 * The configuration file of `cityflow run --config <file>` (YAML or JSON). Every key is optional
 * but `cameras`; unknown keys are errors, so a typo never passes silently.
 * REDIS_URL and CLICKHOUSE_URL in the environment win over the file.
 */
import { type Static, Type } from '@sinclair/typebox';
import { AlertsConfig } from './alerts.ts';
import { CAMERA_ID_PATTERN } from './camera-id.ts';
import { MotionGateSchema, RegionSchema } from './jobs.ts';
import { MeasuresConfig } from './measures.ts';
import { DEFAULT_MODEL, ModelSpec } from './model.ts';
import { CameraPlaceKeys, Corridor } from './place.ts';
import { PlatesConfig } from './plates.ts';
import { RulesSchema } from './rules.ts';
import { SceneConfig } from './scene.ts';

export { CAMERA_ID_PATTERN };

export const CameraConfig = Type.Object(
  {
    id: Type.String({
      pattern: CAMERA_ID_PATTERN,
      description: 'stable id, used in every table',
    }),
    name: Type.Optional(Type.String()),
    /** A file path (MP4, MKV, MPEG-TS; H.264/H.265), relative to the config file, or a URI. */
    source: Type.String({ minLength: 1 }),
    /** Wall time of the source's first frame (ISO 8601). Files default to their container's creation time, then their mtime. */
    startTime: Type.Optional(Type.String({ format: 'date-time' })),
    /** Frames analysed per second of video; overrides extract.fps for this camera. */
    fps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60 })),
    /** Region of interest in source pixels: only this part of the picture is decoded and detected. */
    roi: Type.Optional(RegionSchema),
    /** Skip the detector on frames where too little changed (see pipeline/detect/motion/motion-gate.ts). */
    motionGate: Type.Optional(MotionGateSchema),
    /** Counting lines, zones and ground calibration, in source pixels (see schemas/scene.ts). */
    scene: Type.Optional(SceneConfig),
    /** Licence plates read on this camera's tracked vehicles (see schemas/plates.ts). */
    plates: Type.Optional(PlatesConfig),
    /** Live RTSP sources: RTP over TCP (default; survives NAT and loss) or UDP. */
    rtspTransport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])),
    /** Live sources: no frame for this long restarts the decoder, ms. Default max(1000, 3 frame intervals). */
    watchdogMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    /** Live sources: a picture unchanged this long is reported frozen (camera_frozen alert), seconds. Default 10. */
    frozenAfterS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
    /** Position, heading, district and corridors, for the city map (see schemas/place.ts). */
    ...CameraPlaceKeys,
  },
  { additionalProperties: false },
);
export type CameraConfig = Static<typeof CameraConfig>;

export const DetectorConfig = Type.Object(
  {
    /** A name from `models:` or a built-in model (yolox-nano, the default; centernet). */
    model: Type.String({ minLength: 1, default: DEFAULT_MODEL }),
    /** Detector instances per host, each in its own thread working on its own frame. */
    instances: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
    /** onnxruntime intra-op threads per instance. instances × threads ≈ cores (see benchmarks/RESULTS.md). */
    threads: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
    /** Frames per model run, batched across cameras and segments (pays off on GPUs, rarely on CPUs). */
    batchSize: Type.Integer({ minimum: 1, maximum: 256, default: 1 }),
    /** How long an idle instance waits for a batch to fill, ms. */
    maxWaitMs: Type.Number({ minimum: 0, maximum: 10_000, default: 0 }),
  },
  { additionalProperties: false, default: {} },
);

export const Config = Type.Object(
  {
    /** Local state: embedded ClickHouse, private Redis, frame files. Relative to the config file. */
    dataDir: Type.String({ default: 'var' }),
    /** Where frames wait between extract and detect; a tmpfs (/dev/shm/...) saves disk writes. */
    framesDir: Type.Optional(Type.String()),
    /** This host's name in queue routing (frames never leave the host that decoded them). */
    host: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' })),
    redisUrl: Type.Optional(Type.String({ pattern: '^(rediss?|redis\\+sentinel|redis\\+cluster)://' })),
    clickhouseUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** Prefix of every Redis key; on a Redis Cluster a hash tag, e.g. `{cityflow}`, so all share a slot. */
    queuePrefix: Type.String({ default: 'cityflow', pattern: '^([A-Za-z0-9_-]+|\\{[A-Za-z0-9_-]+\\})$' }),
    /** Model declarations by name (see schemas/model.ts); `detector.model` picks one. */
    models: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), ModelSpec, { default: {} }),
    detector: DetectorConfig,
    tracking: Type.Object(
      {
        /** Follow objects across frames (ByteTracker) and store each detection's track id. */
        enabled: Type.Boolean({ default: true }),
        // Score thresholds relative to the detector's. Tuned for centernet (its cars on the sample score
        // 0.33-0.53, 10th-90th percentile) and kept for the default yolox-nano (0.36-0.73, median 0.53):
        // on the demo both give the right line count (8) and zone visits (8), and 0.4 / 0.4 tracks 91 %
        // of YOLOX's detections (in 23 tracks) where ByteTrack's own 0.5 / 0.6 tracks 68 % (in 11):
        // nothing called for a change.
        /** Detections at or above this score are associated first. */
        highThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.4 }),
        /** An unmatched detection starts a track at or above this score. */
        newTrackThreshold: Type.Number({ minimum: 0, maximum: 1, default: 0.4 }),
        /** Matched detections before a track is confirmed and its id stored. */
        minHits: Type.Integer({ minimum: 1, default: 2 }),
        /**
         * How long a lost track can still be picked up again, ms, or `lostFrames` frame intervals
         * if longer (1500 ms / 4 frames: 1.5 s at 5 fps, 2 s at 2 fps; benchmarks/RESULTS.md).
         */
        lostTtlMs: Type.Integer({ minimum: 0, default: 1500 }),
        lostFrames: Type.Integer({ minimum: 0, maximum: 100, default: 4 }),
        /**
         * Frames per second looked at for motion between analysed frames (0: off). The decoder
         * decodes every frame anyway; about this many per second become small grey frames through
         * which each detection is traced back to the previous analysed frame, so tracks form and
         * lines count at 2-5 fps even when a vehicle moves several of its lengths between frames.
         */
        motionFps: Type.Number({ minimum: 0, maximum: 60, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Traffic measures: PCU factors, LOS density bands, speed estimation (schemas/measures.ts). */
    measures: MeasuresConfig,
    /** Evidence snapshots and webhooks for events (schemas/alerts.ts). */
    alerts: AlertsConfig,
    extract: Type.Object(
      {
        fps: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 5 }),
        segmentSeconds: Type.Number({ minimum: 1, maximum: 600, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    queues: Type.Object(
      {
        /** Segments decoded but not yet detected, per host, before extraction pauses (backpressure). */
        maxPendingSegments: Type.Integer({ minimum: 1, default: 3 }),
        /**
         * Segments waiting for the store (all hosts) before extraction pauses and live cameras drop
         * new segments (counted): what a store outage may buffer in Redis.
         */
        maxStoreBacklog: Type.Integer({ minimum: 1, maximum: 100_000, default: 200 }),
        detectConcurrency: Type.Integer({ minimum: 1, default: 2 }),
        storeConcurrency: Type.Integer({ minimum: 1, default: 2 }),
        trackConcurrency: Type.Integer({ minimum: 1, default: 2 }),
        extractConcurrency: Type.Integer({ minimum: 1, default: 2 }),
        /** Attempts per job before it is failed, with exponential backoff from 1 s. */
        attempts: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
        /**
         * A command that waits on Redis (backfill) gives up with a clear error when Redis stays
         * unreachable this long, seconds; shorter outages (a restart, a failover) are waited out.
         */
        redisLostAfterS: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    cameras: Type.Array(CameraConfig, { default: [] }),
    /** Corridors the cameras refer to (`cameras[].corridors`), in the order they are listed. */
    corridors: Type.Array(Corridor, { default: [] }),
    /**
     * The operations centre's time zone (IANA, e.g. Asia/Ho_Chi_Minh): reports, CSV and pages show local
     * time with the zone, and day and hour boundaries are local. Storage stays UTC.
     */
    timeZone: Type.String({ minLength: 1, maxLength: 64, default: 'UTC' }),
    /** The city map page (`/map`): base-map tiles. Without `tiles` it draws on a plain background (offline). */
    map: Type.Object(
      {
        /** A {z}/{x}/{y} tile URL template, e.g. a tile server inside the operations centre's network. */
        tiles: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
        attribution: Type.String({ maxLength: 500, default: '' }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Days licence-plate reads (personal data) are kept in `plate_reads`; applied when the store opens. */
    plateRetentionDays: Type.Integer({ minimum: 1, maximum: 400, default: 30 }),
    /**
     * How often the plate-hash key changes (derived from CITYFLOW_PLATE_KEY and the period): hashes of
     * different periods do not match, so they cannot follow a vehicle longer than a period.
     */
    plateHashRotation: Type.Union(
      [Type.Literal('month'), Type.Literal('week'), Type.Literal('day'), Type.Literal('never')],
      { default: 'month' },
    ),
    /** Live cameras (rtsp://, http:// sources): ownership across workers, restarts, health (workers/live/). */
    live: Type.Object(
      {
        /** Live cameras one worker process runs at most. */
        maxCameras: Type.Integer({ minimum: 1, maximum: 1000, default: 16 }),
        /**
         * Overload guard: when this host's detect queue holds this many segments per live camera it
         * runs, a live camera's new segment is dropped (counted in its status as droppedSegments)
         * rather than queued: a live picture that waits minutes is worth less than the next one, and
         * the queue and the frames folder must not grow without bound.
         */
        maxPendingSegmentsPerCamera: Type.Integer({ minimum: 1, maximum: 1000, default: 3 }),
        /**
         * A camera offline this long has its open measures closed (partial 1- and 15-minute intervals,
         * zone visits, tracks), so reports do not wait for it to come back; seconds. The default, 15
         * minutes, lets every interval it was in end first.
         */
        closeAfterOfflineS: Type.Number({ minimum: 1, maximum: 86_400, default: 900 }),
        /**
         * A camera's ownership lock (its BullMQ job lock), ms: renewed every half; a dead worker's
         * cameras are taken over by another worker within about lockMs + lockMs / 2.
         */
        lockMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 5000 }),
        /** Ceiling of the restart backoff, ms (first restart after about 250 ms, doubling). */
        restartMaxMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 3000 }),
        /** Long health stretches are cut into camera_health rows this long, seconds. */
        healthReportS: Type.Number({ minimum: 1, maximum: 3600, default: 60 }),
        offlineSeverity: Type.Union(
          [Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')],
          {
            default: 'critical',
          },
        ),
        frozenSeverity: Type.Union(
          [Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')],
          {
            default: 'warning',
          },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Alert rules: congestion, crowds, incidents, thresholds on zone measures (see schemas/rules.ts). */
    rules: RulesSchema,
  },
  { additionalProperties: false },
);
export type Config = Static<typeof Config>;
