import type { EventRecord } from '../../schemas/events.ts';
import type { ForecastRow } from '../../schemas/forecast.ts';
import type { CameraHealthRow } from '../../schemas/health.ts';
import type { StoreJob } from '../../schemas/jobs.ts';

/**
 * Every ClickHouse row cityflow writes, made in one place: job payloads (camelCase, milliseconds)
 * to table rows (snake_case, as in pipeline/store/migrations/). Timestamps are epoch milliseconds
 * rounded to integers (DateTime64(3) columns) except where a column says otherwise.
 *
 *   StoreJob ──frameRows──────▶ frames          ──crossingRows──▶ line_crossings
 *            ──detectionRows──▶ detections      ──visitRows─────▶ zone_visits
 *            ──trackRows──────▶ tracks          ──measureRows───▶ traffic_measures
 *            ──ledgerRow──────▶ segments
 *   EventRecord ──eventRow──▶ events            CameraHealthRow ──healthRow──▶ camera_health
 *   ForecastRow ──forecastRows──▶ forecasts     an acknowledgement ──alertAckRow──▶ alert_acks
 */

export function frameRows(job: StoreJob) {
  return job.frames.map((f) => ({
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
}

export function detectionRows(job: StoreJob) {
  return job.frames.flatMap((f) =>
    f.detections.map((d) => ({
      camera_id: job.cameraId,
      class: d.cls,
      ts: Math.round(f.tsMs),
      pts_ms: Math.round(f.ptsMs),
      source_id: job.sourceId,
      confidence: d.score,
      x: d.box.x,
      y: d.box.y,
      w: d.box.w,
      h: d.box.h,
      track_id: d.trackId ?? 0,
    })),
  );
}

export function crossingRows(job: StoreJob) {
  return (job.crossings ?? []).map((c) => ({
    camera_id: job.cameraId,
    line_id: c.lineId,
    ts: Math.round(c.tsMs),
    direction: c.direction,
    class: c.cls,
    track_id: c.trackId,
    source_id: job.sourceId,
    segment: job.segment,
    speed_kmh: c.speedKmh ?? null,
  }));
}

export function visitRows(job: StoreJob) {
  return (job.visits ?? []).map((v) => ({
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
  }));
}

export function trackRows(job: StoreJob) {
  return (job.tracks ?? []).map((t) => ({
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
  }));
}

/** Closed 1- and 15-minute intervals; `start` is in seconds (a DateTime column). */
export function measureRows(job: StoreJob) {
  return (job.intervals ?? []).map((r) => ({
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
  }));
}

/** The segment's line in the `segments` ledger: written last, it marks the segment complete. */
export function ledgerRow(job: StoreJob, frames: number, detections: number) {
  return {
    source_id: job.sourceId,
    segment: job.segment,
    camera_id: job.cameraId,
    start_ts: Math.round(job.frames[0]?.tsMs ?? 0),
    frames,
    detections,
  };
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

/** A live camera's health interval as a row of `camera_health`. */
export function healthRow(r: CameraHealthRow) {
  return {
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
  };
}

/** Plates read on the segment's tracks (the plate stage's votes). */
export function plateReadRows(job: StoreJob) {
  return (job.plateReads ?? []).map((p) => ({
    camera_id: job.cameraId,
    source_id: job.sourceId,
    segment: job.segment,
    track_id: p.trackId,
    ts: Math.round(p.tsMs),
    plate: p.plate,
    plate_hash: p.plateHash,
    display: p.display,
    confidence: p.confidence,
    reads: Math.min(255, p.reads),
    agreeing: Math.min(255, p.agreeing),
    layout: p.layout,
    country: p.country,
    vehicle_class: p.vehicleClass,
    box: { x: p.box.x, y: p.box.y, w: p.box.w, h: p.box.h },
    crop: p.crop ?? '',
  }));
}

/** Forecasts as rows of `forecasts` (its issued_at and target_start are DateTime: epoch seconds). */
export function forecastRows(rows: readonly ForecastRow[]) {
  return rows.map((r) => ({
    ...r,
    issued_at: Math.round(r.issued_at / 1000),
    target_start: Math.round(r.target_start / 1000),
  }));
}

/** One acknowledgement of an alert, as a row of `alert_acks`. */
export function alertAckRow(a: {
  eventId: string;
  cameraId: string;
  atMs: number;
  key: { id: string; name: string; role: string } | undefined;
  comment: string;
  clientIp: string;
}) {
  return {
    event_id: a.eventId,
    camera_id: a.cameraId,
    acked_at: Math.round(a.atMs),
    key_id: a.key?.id ?? '',
    key_name: a.key?.name ?? '',
    role: a.key?.role ?? '',
    comment: a.comment,
    client_ip: a.clientIp,
  };
}
