import type { ClickHouseClient } from '@clickhouse/client';
import type { StoreJob } from '../../schemas/jobs.ts';
import { insertRows } from './insert-rows.ts';
import {
  crossingRows,
  detectionRows,
  frameRows,
  ledgerRow,
  measureRows,
  plateReadRows,
  trackRows,
  visitRows,
} from './rows.ts';

export interface SegmentWriteResult {
  frames: number;
  detections: number;
  /** true when the ledger already listed this segment, so nothing was written. */
  skipped: boolean;
}

/**
 * Writes one segment's results: its frames, detections, line crossings, zone visits, ended tracks and
 * closed measure intervals, then (after `beforeLedger`, where the store stage hands the segment's
 * events to the alert path) its line in the `segments` ledger.
 *
 * A segment is the batch: its rows go in one INSERT per table (a segment is bounded in time, so
 * inserts are bounded in rows and in rate). Each INSERT carries a deduplication token derived from
 * the segment key, so a retried job inserts nothing twice, even if an earlier attempt died between
 * two tables. The ledger row is written last: a segment listed there is complete, and is skipped
 * when it comes again (a re-run months later, past the server's deduplication window).
 *
 * @example
 *   const writer = new SegmentWriter(client);
 *   await writer.write({ segmentKey: 'cam1/a.mp4@1f2e#0', sourceId: 'cam1/a.mp4@1f2e', cameraId: 'cam1',
 *     segment: 0, detector: 'centernet', frames: [{ ptsMs: 0, tsMs: Date.now(), analysed: true,
 *     detectorMs: 21, detections: [{ cls: 'car', score: 0.8, box: { x: 10, y: 20, w: 40, h: 30 } }] }] });
 */
export class SegmentWriter {
  constructor(private readonly client: ClickHouseClient) {}

  async write(
    job: StoreJob,
    options: { beforeLedger?: () => Promise<void> } = {},
  ): Promise<SegmentWriteResult> {
    if (await this.isStored(job.sourceId, job.segment)) return { frames: 0, detections: 0, skipped: true };
    const frames = frameRows(job);
    const detections = detectionRows(job);
    await this.insert('frames', frames, job.segmentKey);
    await this.insert('detections', detections, job.segmentKey);
    await this.insert('line_crossings', crossingRows(job), job.segmentKey);
    await this.insert('zone_visits', visitRows(job), job.segmentKey);
    await this.insert('tracks', trackRows(job), job.segmentKey);
    await this.insert('traffic_measures', measureRows(job), job.segmentKey);
    await this.insert('plate_reads', plateReadRows(job), job.segmentKey);
    // Events go out through the alert path (events table, pub/sub, webhooks), before the ledger row:
    // a segment in the ledger has had its events handed over.
    await options.beforeLedger?.();
    await this.insert('segments', [ledgerRow(job, frames.length, detections.length)], job.segmentKey);
    return { frames: frames.length, detections: detections.length, skipped: false };
  }

  async isStored(sourceId: string, segment: number): Promise<boolean> {
    const rs = await this.client.query({
      query: 'SELECT count() AS n FROM segments WHERE source_id = {s:String} AND segment = {n:UInt32}',
      query_params: { s: sourceId, n: segment },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string | number }>();
    return Number(row?.n ?? 0) > 0;
  }

  private async insert(table: string, values: object[], segmentKey: string): Promise<void> {
    await insertRows(this.client, table, values, { insert_deduplication_token: `${table}:${segmentKey}` });
  }
}
