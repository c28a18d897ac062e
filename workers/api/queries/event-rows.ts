import type { EventRecord } from '../../../schemas/events.ts';

/** An `events` row as the API's queries select it (times as epoch ms). */
export interface EventDbRow {
  event_id: string;
  camera_id: string;
  ts_ms: number | string;
  started_ms: number | string;
  type: string;
  rule_id: string;
  zone_id: string;
  severity: string;
  value: number;
  track_ids: Array<number | string>;
  message: string;
  snapshot: string;
  details: string;
  source_id: string;
  segment: number | string;
}

/** An `events` row as the API gives it. */
export function toEventRecord(r: EventDbRow): EventRecord {
  let details: Record<string, unknown> = {};
  try {
    details = r.details ? (JSON.parse(r.details) as Record<string, unknown>) : {};
  } catch {
    details = { raw: r.details };
  }
  return {
    eventId: r.event_id,
    cameraId: r.camera_id,
    tsMs: Number(r.ts_ms),
    startedMs: Number(r.started_ms),
    type: r.type as EventRecord['type'],
    ruleId: r.rule_id,
    zoneId: r.zone_id,
    severity: r.severity as EventRecord['severity'],
    value: Number(r.value),
    trackIds: r.track_ids.map(Number),
    message: r.message,
    snapshot: r.snapshot,
    details,
    sourceId: r.source_id,
    segment: Number(r.segment),
  };
}
