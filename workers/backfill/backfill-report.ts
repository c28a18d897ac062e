import type { StartTimeOrigin } from '../../pipeline/sources/start-time.ts';
import { formatLineCounts, type LineCount } from './line-counts.ts';

export interface BackfillFileReport {
  file: string;
  /** null when the file could not be identified (missing, unreadable). */
  sourceId: string | null;
  /** 'already stored': every segment was in the ledger, so the file was not processed again. */
  status: 'done' | 'already stored' | 'failed';
  startTime: string | null;
  startOrigin: StartTimeOrigin | null;
  /** Seconds of video processed in this run. */
  videoSeconds: number;
  /** Frames decoded and run through detection, tracking and storage in this run. */
  framesAnalysed: number;
  segments: number;
  error: string | null;
}

/**
 * The final report of `cityflow backfill`; with `--json`, one JSON object on the last stdout line.
 * Counts of this run (frames, rows inserted) beside totals of what the store holds for the files
 * (objects, events), so a re-run reads "0 rows inserted" and still shows what the files contain.
 */
export interface BackfillReport {
  files: BackfillFileReport[];
  framesAnalysed: number;
  videoSeconds: number;
  wallSeconds: number;
  /**
   * Of wallSeconds, the start before the first file could go in: the local Redis and store, the
   * detector, the store's migrations (the files are probed meanwhile, and on as the run goes).
   */
  startupSeconds: number;
  framesPerSecond: number;
  /** Seconds of video processed per wall second (start-up included). */
  realtimeFactor: number;
  fps: number;
  /** Rows this run added to the store, over all tables, and per table. */
  rowsInserted: number;
  rowsByTable: Record<string, number>;
  /** Distinct tracked objects in the files (all runs). */
  objects: number;
  objectsByClass: Record<string, number>;
  /** Crossings of the camera's counting lines in the files (all runs), per line, direction and class. */
  lineCounts: LineCount[];
  /** Events raised for the files (all runs). */
  events: number;
  failures: Array<{ file: string; error: string }>;
  store: { mode: 'server' | 'embedded'; where: string };
}

export const round2 = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : 0);

export function formatBackfillReport(r: BackfillReport): string {
  const classes =
    Object.entries(r.objectsByClass)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ') || 'none';
  const done = r.files.filter((f) => f.status === 'done').length;
  const skipped = r.files.filter((f) => f.status === 'already stored').length;
  const tables = Object.entries(r.rowsByTable)
    .filter(([, n]) => n)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  const lines = [
    'cityflow: backfill complete',
    `  files             ${r.files.length}: ${done} processed, ${skipped} already stored, ${r.failures.length} failed`,
    `  frames analysed   ${r.framesAnalysed} (${r.videoSeconds} s of video at ${r.fps} fps)`,
    `  speed             ${r.framesPerSecond} frames/s, ${r.realtimeFactor}x real time (${r.wallSeconds} s wall, of which ${r.startupSeconds} s start-up)`,
    `  rows inserted     ${r.rowsInserted}${tables ? ` (${tables})` : ''}`,
    `  objects           ${r.objects} tracked; detections by class: ${classes}`,
    ...formatLineCounts(r.lineCounts),
    `  events            ${r.events}`,
    `  data              ${r.store.mode === 'embedded' ? 'embedded ClickHouse in' : 'ClickHouse at'} ${r.store.where}`,
  ];
  for (const f of r.failures) {
    lines.push(`  FAILED            ${f.error.startsWith(f.file) ? f.error : `${f.file}: ${f.error}`}`);
  }
  return lines.join('\n');
}
