import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { HealthEvent, HealthUpdate } from '../../pipeline/live/camera-health.ts';
import type { CameraSupervisor } from '../../pipeline/live/camera-supervisor.ts';
import type { Config } from '../../schemas/config.ts';
import type { EventRecord, Severity } from '../../schemas/events.ts';
import type { CameraHealthRow, LiveCameraStatus } from '../../schemas/health.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis-client.ts';
import { jobId, redisKeys } from '../redis-keys.ts';
import { liveSourceId } from './live-segments.ts';

/** The deterministic id of a camera health event: the same status change is the same event. */
export function healthEventId(cameraId: string, type: string, startedMs: number): string {
  return createHash('sha256')
    .update(`${cameraId}|${type}|${Math.round(startedMs)}`)
    .digest('hex')
    .slice(0, 32);
}

export interface LiveHealthReporterOptions {
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Queue `health` (camera_health rows, stored by the store's process) and queue `alerts`. */
  health: Queue<CameraHealthRow>;
  alerts: Queue<EventRecord>;
  live: Config['live'];
  segmentMs: number;
  /** `<host>:<pid>`, named in rows, events and the status. */
  workerName: string;
  /** Segments dropped per camera (LiveSegments), shown in the status. */
  dropped: ReadonlyMap<string, number>;
}

/**
 * Where a live camera's health goes, three ways:
 *
 *   supervisor ──intervals──▶ queue health ──▶ camera_health rows
 *              ──events─────▶ queue alerts ──▶ events table, pub/sub, webhooks (offline, frozen, …)
 *   owner poll ──snapshot───▶ hash <prefix>:health:<camera> (for /status; expires if the owner dies)
 *
 * Row and event job ids derive from (camera, status, start), so a report sent twice is stored once.
 */
export class LiveHealthReporter {
  constructor(private readonly o: LiveHealthReporterOptions) {}

  /** Queues a supervisor's closed health intervals and status-change events. */
  async record(cameraId: string, u: HealthUpdate): Promise<void> {
    for (const i of u.intervals) {
      const row: CameraHealthRow = { cameraId, ...i, worker: this.o.workerName };
      await this.o.health.add('interval', row, {
        jobId: jobId(`${cameraId}-${i.status}-${Math.round(i.startedMs)}`),
      });
    }
    for (const e of u.events) {
      const rec = this.eventRecord(cameraId, e);
      await this.o.alerts.add('event', rec, { jobId: rec.eventId });
      this.o.logger.warn({ camera: cameraId, type: e.type, reason: e.reason }, `live: ${rec.message}`);
    }
  }

  /** Writes the camera's current status hash; it expires unless refreshed (a dead owner's goes). */
  async writeStatus(cameraId: string, sup: CameraSupervisor): Promise<void> {
    const status: LiveCameraStatus = {
      ...sup.snapshot(),
      droppedSegments: this.o.dropped.get(cameraId) ?? 0,
      worker: this.o.workerName,
      updatedMs: Date.now(),
    };
    const key = redisKeys(this.o.prefix).health(cameraId);
    const fields = Object.entries(status).map(([k, v]) => [k, v === null ? '' : String(v)]);
    await this.o.redis
      .multi()
      .hset(key, Object.fromEntries(fields))
      .pexpire(key, Math.max(30_000, 6 * this.o.live.lockMs))
      .exec();
  }

  /** A removed camera has no status. */
  async clearStatus(cameraId: string): Promise<void> {
    await this.o.redis.del(redisKeys(this.o.prefix).health(cameraId));
  }

  private eventRecord(cameraId: string, e: HealthEvent): EventRecord {
    const live = this.o.live;
    const severity: Severity =
      e.type === 'camera_offline'
        ? live.offlineSeverity
        : e.type === 'camera_frozen'
          ? live.frozenSeverity
          : 'info';
    const what = {
      camera_offline: `camera ${cameraId} offline: ${e.reason}`,
      camera_online: `camera ${cameraId} back online after ${e.value.toFixed(1)} s`,
      camera_frozen: `camera ${cameraId} frozen: picture unchanged for ${e.value.toFixed(1)} s`,
      camera_unfrozen: `camera ${cameraId} picture moving again after ${e.value.toFixed(1)} s`,
    }[e.type];
    return {
      eventId: healthEventId(cameraId, e.type, e.startedMs),
      cameraId,
      tsMs: e.tsMs,
      startedMs: e.startedMs,
      type: e.type,
      ruleId: 'camera-health',
      zoneId: '',
      severity,
      value: e.value,
      trackIds: [],
      message: what,
      snapshot: '',
      details: { reason: e.reason, worker: this.o.workerName },
      sourceId: liveSourceId(cameraId),
      segment: Math.floor(e.tsMs / this.o.segmentMs),
    };
  }
}
