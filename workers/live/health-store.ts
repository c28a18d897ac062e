import type { ClickHouseClient } from '@clickhouse/client';
import { type ConnectionOptions, Worker } from 'bullmq';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { CameraHealthRow, type CameraHealthRow as Row } from '../../schemas/health.ts';
import { assertValid } from '../../schemas/validate.ts';
import type { Logger } from '../logger.ts';
import { QUEUE } from '../redis-keys.ts';

/**
 * Writes `camera_health` rows from the `health` queue. Runs in the process that owns the store (the
 * embedded ClickHouse admits one process), beside the store stage: the live supervisors may run in
 * any worker on any host, so their rows travel as small jobs, like segments do. A row's job id is
 * (camera, status, start), and (camera_id, started_at, status) is the table's replacing key, so a
 * row sent twice is stored once.
 */
export function startHealthStore(o: {
  connection: ConnectionOptions;
  prefix: string;
  client: ClickHouseClient;
  logger: Logger;
}): { worker: Worker; close(): Promise<void> } {
  const worker = new Worker<Row>(
    QUEUE.health,
    async (job) => {
      const r = assertValid<Row>(CameraHealthRow, job.data, `health job ${job.id}`);
      await insertRows(o.client, 'camera_health', [
        {
          camera_id: r.cameraId,
          status: r.status,
          started_at: Math.round(r.startedMs),
          ended_at: Math.round(r.endedMs),
          frames: r.frames,
          decode_errors: r.decodeErrors,
          restarts: r.restarts,
          black_frames: r.blackFrames,
          blurred_frames: r.blurredFrames,
          reason: r.reason,
          worker: r.worker,
        },
      ]);
    },
    { connection: o.connection, prefix: o.prefix, concurrency: 1 },
  );
  worker.on('error', (e) => o.logger.error({ stage: 'health', err: e }, 'worker error'));
  return { worker, close: () => worker.close() };
}
