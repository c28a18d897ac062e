import { type ProbeResult, probedSource, probeLocation } from '../../pipeline/extract/probe-source.ts';
import { locateSource } from '../../pipeline/extract/source-location.ts';
import { fileSourceId } from '../../pipeline/sources/source-identity.ts';
import { resolveStartTime, type StartTimeOrigin } from '../../pipeline/sources/start-time.ts';
import type { ProbedSource } from '../../schemas/jobs.ts';
import { RAW_RETENTION_DAYS } from '../../schemas/retention.ts';

/** A file the backfill will process: who it is, when it starts, how much there is. */
export interface FilePlan {
  file: string;
  sourceId: string;
  startTimeMs: number;
  startOrigin: StartTimeOrigin;
  durationMs: number;
  /** What probing it found: its extract job carries it, so the file is not probed twice. */
  probe: ProbedSource;
}

export interface PlannedFiles {
  plans: FilePlan[];
  failures: Array<{ file: string; error: string }>;
}

/**
 * Probes each file (in the given order) and decides its identity and start time. A file that cannot
 * be probed, has no known start or is older than the raw tables' retention is a failure with its
 * reason; the others go on.
 *
 * `--start` is the first file's start; each following file starts where the one before it ended
 * (a camera's archive is a sequence of back-to-back recordings, sorted by name). After a file that
 * could not be read, the chain goes on from the next file that carries its own start time (a
 * date-time in its name, or the container's creation time); a file without one has no known start
 * and fails too, saying why, rather than a guess shifting every row after it.
 */
export async function planFiles(
  files: string[],
  o: { cameraId: string; startMs?: number; nowMs?: number },
): Promise<PlannedFiles> {
  const plans: FilePlan[] = [];
  const failures: PlannedFiles['failures'] = [];
  let chained = o.startMs; // the next file's start under --start; undefined once the chain breaks
  let chainBrokenBy: string | null = null;
  const oldest = (o.nowMs ?? Date.now()) - RAW_RETENTION_DAYS * 86_400_000;
  const looked = await lookAtFiles(files, o.cameraId);
  for (const [i, file] of files.entries()) {
    try {
      const seen = looked[i];
      if ('error' in seen) throw seen.error;
      const { sourceId, probe } = seen;
      const info = probe.info;
      const durationMs = info.durationMs ?? 0;
      const start = resolveStartTime({
        path: file,
        explicitMs: chained,
        containerCreatedAtMs: info.createdAtMs,
      });
      if (!start && chainBrokenBy) {
        throw new Error(
          `${file}: start time unknown: --start is chained through the files before it and ${chainBrokenBy} ` +
            'could not be read, and this file carries no start time of its own (back-fill it on its own with its own --start)',
        );
      }
      if (!start) {
        throw new Error(
          `${file}: start time unknown: the container has no creation time and the file name no ` +
            'YYYYMMDD[T_-]HHMMSS date-time; give --start <ISO time>',
        );
      }
      if (start.ms < oldest) {
        throw new Error(
          `${file}: starts at ${new Date(start.ms).toISOString()} (from ${start.origin === 'explicit' ? '--start' : `its ${start.origin}`}), ` +
            `older than the ${RAW_RETENTION_DAYS}-day retention of the raw tables, so ClickHouse would drop its rows ` +
            'on insert; give a later --start or raise the TTL with a migration',
        );
      }
      // Under --start the next file follows this one (the chain resumes here after a break).
      if (o.startMs !== undefined) {
        chained = start.ms + durationMs;
        chainBrokenBy = null;
      }
      plans.push({
        file,
        sourceId,
        startTimeMs: start.ms,
        startOrigin: start.origin,
        durationMs,
        probe: probedSource(probe),
      });
    } catch (e) {
      if (chained !== undefined) {
        chained = undefined;
        chainBrokenBy = file;
      }
      failures.push({ file, error: (e as Error).message });
    }
  }
  return { plans, failures };
}

/** Files probed at once: probing is mostly two discoverer processes starting up. */
const PROBES_AT_ONCE = 4;

/**
 * Each file's identity and probe (or why it has none), a few files at a time: a month of archive is
 * thousands of files, and one at a time its planning alone would take many minutes.
 */
async function lookAtFiles(
  files: string[],
  cameraId: string,
): Promise<Array<{ sourceId: string; probe: ProbeResult } | { error: Error }>> {
  const out: Array<{ sourceId: string; probe: ProbeResult } | { error: Error }> = new Array(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      try {
        const [sourceId, probe] = await Promise.all([
          fileSourceId(cameraId, files[i]),
          probeLocation(locateSource(files[i])),
        ]);
        out[i] = { sourceId, probe };
      } catch (e) {
        out[i] = { error: e as Error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROBES_AT_ONCE, files.length) }, worker));
  return out;
}
