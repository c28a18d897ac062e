import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import { formatLineCounts, type LineCount, lineCountsOf } from '../backfill/line-counts.ts';
import type { SourceState } from '../progress/source-tracker.ts';

export interface SourceFailure {
  source: string;
  error: string;
}

/** What a run of sources produced. Also the `--json` output of `demo` (one object, last stdout line). */
export interface RunSummary {
  framesAnalysed: number;
  objectsByClass: Record<string, number>;
  framesPerSecond: number;
  wallSeconds: number;
  /** Seconds of video processed per wall second. */
  realtimeFactor: number;
  videoSeconds: number;
  sources: Array<{
    sourceId: string;
    frames: number;
    detections: number;
    segments: number;
    error: string | null;
  }>;
  failures: SourceFailure[];
  /** Crossings of the cameras' counting lines, per line, direction and class. */
  lineCounts: LineCount[];
  /** Events and alerts the rules raised, in time order. */
  events: Array<{
    camera: string;
    time: string;
    type: string;
    severity: string;
    zone: string;
    message: string;
    snapshot: string;
  }>;
  store: { mode: 'server' | 'embedded'; where: string };
  tryQuery: string;
}

export async function summarise(
  ch: ClickHouseHandle,
  states: SourceState[],
  failures: SourceFailure[],
  wallSeconds: number,
  fps: number,
): Promise<RunSummary> {
  const ids = states.map((s) => s.sourceId);
  const q = async <T>(query: string) =>
    (await (await ch.client.query({ query, query_params: { ids }, format: 'JSONEachRow' })).json<T>()) as T[];
  const [frames] = await q<{ n: string }>(
    'SELECT countIf(analysed) AS n FROM frames WHERE source_id IN {ids:Array(String)}',
  );
  const byClass = await q<{ class: string; n: string }>(
    'SELECT class, count() AS n FROM detections WHERE source_id IN {ids:Array(String)} GROUP BY class ORDER BY n DESC',
  );
  const lineCounts = await lineCountsOf(ch.client, ids);
  const events = await q<RunSummary['events'][number]>(
    `SELECT camera_id AS camera, formatDateTime(ts, '%FT%T.%fZ') AS time, type, severity, zone_id AS zone,
            message, snapshot
     FROM events FINAL WHERE source_id IN {ids:Array(String)} ORDER BY ts, event_id`,
  );
  const framesAnalysed = Number(frames?.n ?? 0);
  const processed = states.reduce((n, s) => n + s.framesStored, 0);
  const videoSeconds = processed / fps;
  const allFailures = [
    ...failures,
    ...states.filter((s) => s.error).map((s) => ({ source: s.sourceId, error: s.error as string })),
    ...states.filter((s) => s.lost).map((s) => ({ source: s.sourceId, error: `${s.lost} segment(s) lost` })),
  ];
  return {
    framesAnalysed,
    objectsByClass: Object.fromEntries(byClass.map((r) => [r.class, Number(r.n)])),
    framesPerSecond: round(processed / wallSeconds),
    wallSeconds: round(wallSeconds),
    realtimeFactor: round(videoSeconds / wallSeconds),
    videoSeconds: round(videoSeconds),
    sources: states.map((s) => ({
      sourceId: s.sourceId,
      frames: s.framesStored,
      detections: s.detectionsStored,
      segments: s.stored,
      error: s.error,
    })),
    failures: allFailures,
    lineCounts,
    events,
    store: { mode: ch.mode, where: ch.where },
    tryQuery: "npm run -s cli -- query 'SELECT class, count() FROM detections GROUP BY class'",
  };
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : 0);

export function formatSummary(s: RunSummary): string {
  const classes =
    Object.entries(s.objectsByClass)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ') || 'none';
  const lines = [
    'cityflow: run complete',
    `  frames analysed   ${s.framesAnalysed} (${s.videoSeconds} s of video)`,
    `  objects by class  ${classes}`,
    `  speed             ${s.framesPerSecond} frames/s end to end, ${s.realtimeFactor}x real time (${s.wallSeconds} s wall)`,
    `  data              ${s.store.mode === 'embedded' ? 'embedded ClickHouse in' : 'ClickHouse at'} ${s.store.where}`,
    '                    tables: frames, detections, tracks, line_crossings, zone_visits, traffic_measures, events, ...',
    `  try               ${s.tryQuery}`,
  ];
  lines.push(...formatLineCounts(s.lineCounts)); // one line per counting line and direction
  for (const [i, e] of s.events.entries()) {
    const label = (i === 0 ? '  events' : '').padEnd(20);
    lines.push(
      `${label}${e.time.slice(11, 19)} ${e.severity.padEnd(8)} ${e.camera} ${e.type} ${e.zone}: ${e.message}`,
    );
  }
  if (s.events.length)
    lines.push(`${''.padEnd(20)}evidence: ${s.events.filter((e) => e.snapshot).length} snapshot(s)`);
  else lines.push(`${'  events'.padEnd(20)}none raised`);
  for (const f of s.failures) {
    // Source errors already start with the file's path; don't say it twice.
    lines.push(`  FAILED            ${f.error.startsWith(f.source) ? f.error : `${f.source}: ${f.error}`}`);
  }
  return lines.join('\n');
}
