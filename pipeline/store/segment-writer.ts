import type { ClickHouseClient } from '@clickhouse/client';
import type { EventRecord } from '../../schemas/events.ts';
import type { StoreJob } from '../../schemas/jobs.ts';
import { insertRows } from './insert-rows.ts';

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
 *     detectorMs: 21, detections: [{ cls: 'car', score: 0.8, x: 10, y: 20, w: 40, h: 30 }] }] });
 */
export class SegmentWriter {
  constructor(private readonly client: ClickHouseClient) {}

  async write(
    job: StoreJob,
    options: { beforeLedger?: () => Promise<void> } = {},
  ): Promise<SegmentWriteResult> {
    if (await this.isStored(job.sourceId, job.segment)) return { frames: 0, detections: 0, skipped: true };
    const frames = job.frames.map((f) => ({
      camera_id: job.cameraId,
      ts: Math.round(f.tsMs),
      pts_ms: Math.round(f.ptsMs),
      source_id: job.sourceId,
      segment: job.segment,
      analysed: f.analysed,
      detector: job.detector,
      detector_ms: f.detectorMs,
      object_count: f.detections.length,
    }));
    const detections = job.frames.flatMap((f) =>
      f.detections.map((d) => ({
        camera_id: job.cameraId,
        class: d.cls,
        ts: Math.round(f.tsMs),
        pts_ms: Math.round(f.ptsMs),
        source_id: job.sourceId,
        confidence: d.score,
        x: d.x,
        y: d.y,
        w: d.w,
        h: d.h,
        track_id: d.trackId ?? 0,
      })),
    );
    await this.insert('frames', frames, job.segmentKey);
    await this.insert('detections', detections, job.segmentKey);
    await this.insert(
      'line_crossings',
      (job.crossings ?? []).map((c) => ({
        camera_id: job.cameraId,
        line_id: c.lineId,
        ts: Math.round(c.tsMs),
        direction: c.direction,
        class: c.cls,
        track_id: c.trackId,
        source_id: job.sourceId,
        segment: job.segment,
        speed_kmh: c.speedKmh ?? null,
      })),
      job.segmentKey,
    );
    await this.insert(
      'zone_visits',
      (job.visits ?? []).map((v) => ({
        camera_id: job.cameraId,
        zone_id: v.zoneId,
        entered_at: Math.round(v.enteredMs),
        left_at: Math.round(v.leftMs),
        dwell_ms: Math.max(0, Math.round(v.leftMs - v.enteredMs)),
        class: v.cls,
        track_id: v.trackId,
        reason: v.reason,
        source_id: job.sourceId,
        segment: job.segment,
      })),
      job.segmentKey,
    );
    await this.insert(
      'tracks',
      (job.tracks ?? []).map((t) => ({
        camera_id: job.cameraId,
        source_id: job.sourceId,
        track_id: t.trackId,
        class: t.cls,
        first_seen: Math.round(t.firstSeenMs),
        last_seen: Math.round(t.lastSeenMs),
        hits: t.hits,
        path: t.path.map(([x, y]) => ({ x, y })), // named tuples read as JSON objects
        distance_m: t.distanceM,
        mean_speed_kmh: t.meanSpeedKmh,
        source_segment: job.segment,
      })),
      job.segmentKey,
    );
    await this.insert(
      'traffic_measures',
      (job.intervals ?? []).map((r) => ({
        camera_id: job.cameraId,
        site_kind: r.siteKind,
        site_id: r.siteId,
        direction: r.direction,
        interval_s: r.intervalS,
        start: Math.round(r.startMs / 1000),
        frames: r.frames,
        volume: r.volume,
        volume_by_class: r.volumeByClass,
        pcu: r.pcu,
        flow_pcu_h: r.flowPcuH,
        speed_samples: r.speedsKmh.length,
        speed_mean_kmh: r.speedMeanKmh,
        speed_p85_kmh: r.speedP85Kmh,
        speeds_kmh: r.speedsKmh,
        occupancy: r.occupancy,
        mean_count: r.meanCount,
        density_pcu_km: r.densityPcuKm,
        los: r.los,
        phf: r.phf,
        persons_mean: r.personsMean,
        persons_max: r.personsMax,
        congestion: r.congestion,
        source_id: job.sourceId,
        segment: job.segment,
      })),
      job.segmentKey,
    );
    // Events go out through the alert path (events table, pub/sub, webhooks), before the ledger row:
    // a segment in the ledger has had its events handed over.
    await options.beforeLedger?.();
    await this.insert(
      'segments',
      [
        {
          source_id: job.sourceId,
          segment: job.segment,
          camera_id: job.cameraId,
          start_ts: Math.round(job.frames[0]?.tsMs ?? 0),
          frames: frames.length,
          detections: detections.length,
        },
      ],
      job.segmentKey,
    );
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

/** An event as a row of the `events` table. */
export function eventRow(e: EventRecord) {
  return {
    event_id: e.eventId,
    camera_id: e.cameraId,
    ts: Math.round(e.tsMs),
    started_at: Math.round(e.startedMs),
    type: e.type,
    rule_id: e.ruleId,
    zone_id: e.zoneId,
    severity: e.severity,
    value: e.value,
    track_ids: e.trackIds,
    message: e.message,
    snapshot: e.snapshot,
    details: JSON.stringify(e.details),
    source_id: e.sourceId,
    segment: e.segment,
  };
}
