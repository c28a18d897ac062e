import type { Queue } from 'bullmq';
import { isLiveSource } from '../../pipeline/live/live-source.ts';
import type { CameraConfig } from '../../schemas/config.ts';
import type { LiveCameraJob } from '../../schemas/jobs.ts';
import type { RedisClient } from '../redis-client.ts';
import { redisKeys } from '../redis-keys.ts';

/** BullMQ job ids may not contain ':'; camera ids cannot (schemas/config.ts). */
export function liveJobId(cameraId: string): string {
  return `live-${cameraId}`;
}

export interface ReconcileResult {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

/**
 * The desired set of live cameras, in Redis: hash `<prefix>:cameras` (camera id → its configuration
 * as JSON), written by `run` from the configuration file (again on SIGHUP) and, later, by the API.
 * Each camera in it has one job on the `live` queue; whichever live worker holds that job's lock
 * runs the camera and watches its entry:
 *
 *   entry added    → ensureJobs() adds its job → a worker takes it and starts the camera
 *   entry changed  → the owner restarts that camera with the new settings (others untouched)
 *   entry removed  → the owner stops the camera and completes the job
 *
 * @example
 *   const reg = new CameraRegistry(redis, liveQueue, 'cityflow');
 *   await reg.reconcile(config.cameras); // { added: ['cam-1'], changed: [], removed: [], unchanged: [] }
 *   await reg.remove('cam-1');
 */
export class CameraRegistry {
  constructor(
    readonly redis: RedisClient,
    readonly queue: Queue<LiveCameraJob>,
    readonly prefix: string,
  ) {}

  get key(): string {
    return redisKeys(this.prefix).cameras;
  }

  /** The camera's configuration as stored (JSON), or null when it is not (or no longer) wanted. */
  async raw(cameraId: string): Promise<string | null> {
    return this.redis.hget(this.key, cameraId);
  }

  async get(cameraId: string): Promise<CameraConfig | null> {
    const raw = await this.raw(cameraId);
    return raw ? (JSON.parse(raw) as CameraConfig) : null;
  }

  async ids(): Promise<string[]> {
    return this.redis.hkeys(this.key);
  }

  /** Adds or changes one live camera. Throws for a source that is not live. */
  async put(cam: CameraConfig): Promise<'added' | 'changed' | 'unchanged'> {
    if (!isLiveSource(cam.source)) {
      throw new Error(
        `camera ${cam.id}: ${cam.source} is not a live source (rtsp://, rtsps://, http://, https://)`,
      );
    }
    const json = JSON.stringify(cam);
    const before = await this.raw(cam.id);
    if (before === json) {
      await this.ensureJob(cam.id);
      return 'unchanged';
    }
    await this.redis.hset(this.key, cam.id, json);
    await this.ensureJob(cam.id);
    return before === null ? 'added' : 'changed';
  }

  async remove(cameraId: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, cameraId)) > 0;
  }

  /** Makes the registry hold exactly the live cameras among `cameras` (file cameras are ignored). */
  async reconcile(cameras: readonly CameraConfig[]): Promise<ReconcileResult> {
    const r: ReconcileResult = { added: [], changed: [], removed: [], unchanged: [] };
    const wanted = cameras.filter((c) => isLiveSource(c.source));
    const ids = new Set(wanted.map((c) => c.id));
    for (const id of await this.ids()) {
      if (!ids.has(id) && (await this.remove(id))) r.removed.push(id);
    }
    for (const cam of wanted) r[await this.put(cam)].push(cam.id);
    return r;
  }

  /**
   * Adds the camera's job unless it is waiting or running. Run periodically by every live worker, so
   * a camera re-added while its previous job was still finishing gets its job within seconds.
   */
  async ensureJob(cameraId: string): Promise<void> {
    const id = liveJobId(cameraId);
    const job = await this.queue.getJob(id);
    if (job) {
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed') return;
      await job.remove().catch(() => {}); // finished but kept: make room for the new one
    }
    await this.queue.add(
      'camera',
      { cameraId },
      {
        jobId: id,
        attempts: 1_000_000,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  /** ensureJob for every registered camera. */
  async ensureJobs(): Promise<void> {
    for (const id of await this.ids()) await this.ensureJob(id);
  }
}
