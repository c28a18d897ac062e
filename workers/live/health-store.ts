import type { ClickHouseClient } from '@clickhouse/client';
import type { ConnectionOptions } from 'bullmq';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { healthRow } from '../../pipeline/store/rows.ts';
import { storeUnreachable } from '../../pipeline/store/store-unreachable.ts';
import { CameraHealthRow, type CameraHealthRow as Row } from '../../schemas/health.ts';
import type { Logger } from '../logger.ts';
import { QUEUE } from '../redis-keys.ts';
import { type RunningStage, startStage } from '../stages/stage.ts';

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
}): RunningStage {
  return startStage<Row, void>(o, {
    name: 'health',
    queue: QUEUE.health,
    schema: CameraHealthRow,
    concurrency: 1,
    async process(r) {
      await insertRows(o.client, 'camera_health', [healthRow(r)]);
    },
    describe: (r) => ({ camera: r.cameraId, status: r.status }),
    failedMessage: 'camera health row not stored',
    // The store's server down: the job waits for it instead of using up its attempts.
    unavailable: storeUnreachable,
  });
}
