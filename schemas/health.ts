/**
 * Camera health, as the live supervisors report it: `camera_health` rows (one per status interval,
 * schemas/clickhouse/migrations/0010_camera_health.sql) travel on the `health` queue to the process
 * that owns the store; the live status of each camera is the Redis hash `<prefix>:health:<cameraId>`
 * (for the API). Status changes also go to the alerts queue as EventRecords (schemas/events.ts).
 */
import { type Static, Type } from '@sinclair/typebox';

export const CAMERA_STATUSES = ['connecting', 'online', 'offline', 'frozen'] as const;
export type CameraStatus = (typeof CAMERA_STATUSES)[number];

/** One closed stretch of a camera's status: a job on the `health` queue, a `camera_health` row. */
export const CameraHealthRow = Type.Object(
  {
    cameraId: Type.String({ minLength: 1 }),
    status: Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('frozen')]),
    startedMs: Type.Number(),
    endedMs: Type.Number(),
    frames: Type.Integer({ minimum: 0 }),
    decodeErrors: Type.Integer({ minimum: 0 }),
    restarts: Type.Integer({ minimum: 0 }),
    blackFrames: Type.Integer({ minimum: 0 }),
    blurredFrames: Type.Integer({ minimum: 0 }),
    reason: Type.String(),
    /** The worker (host:pid) that owned the camera. */
    worker: Type.String(),
  },
  { additionalProperties: false },
);
export type CameraHealthRow = Static<typeof CameraHealthRow>;

/** A camera's health as its supervisor sees it (pipeline/live/camera-health.ts keeps it). */
export interface HealthSnapshot {
  status: CameraStatus;
  sinceMs: number;
  lastFrameMs: number | null;
  /** Frames delivered per second over the last fpsWindowMs. */
  fps: number;
  decodeErrors: number;
  restarts: number;
  black: boolean;
  blurred: boolean;
  reason: string;
}

/** Fields of the live status hash `<prefix>:health:<cameraId>` (all strings in Redis). */
export interface LiveCameraStatus extends HealthSnapshot {
  decoder: string | null;
  /** Segments dropped because detection was behind (live.maxPendingSegmentsPerCamera). */
  droppedSegments: number;
  worker: string;
  updatedMs: number;
}
