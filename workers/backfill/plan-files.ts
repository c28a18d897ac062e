import { stat } from 'node:fs/promises';
import { probedSource, probeLocation } from '../../pipeline/extract/probe-source.ts';
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

/** One file of a backfill, planned: a plan, or why it cannot be processed. */
export type PlannedFile = { file: string; plan: FilePlan } | { file: string; error: string };

/** Every file planned, collected (planEach, all at once). */
export async function planFiles(
  files: string[],
  o: { cameraId: string; startMs?: number; nowMs?: number },
): Promise<PlannedFiles> {
  const plans: FilePlan[] = [];
  const failures: PlannedFiles['failures'] = [];
  for await (const p of planEach(files, o)) {
    if ('plan' in p) plans.push(p.plan);
    else failures.push(p);
  }
  return { plans, failures };
}

/**
 * Probes each file and decides its identity and start time, yielding them in the given order as
 * they are known, so a run over thousands of files starts on the first while the others are probed
 * (four at a time, from the moment this is called, until `signal` aborts). A file that cannot be
 * probed, has no known start or is older than the raw tables' retention is a failure with its
 * reason; the others go on.
 *
 * `--start` is the first file's start; each following file starts where the one before it ended
 * (a camera's archive is a sequence of back-to-back recordings, sorted by name). After a file that
 * could not be read, the chain goes on from the next file that carries its own start time (a
 * date-time in its name, or the container's creation time); a file without one has no known start
 * and fails too, saying why, rather than a guess shifting every row after it.
 */
export function planEach(
  files: string[],
  o: { cameraId: string; startMs?: number; nowMs?: number; signal?: AbortSignal },
): AsyncGenerator<PlannedFile> {
  // Started here, not on the first pull: the probes run while the caller starts the pipeline.
  const looks = lookAtFiles(files, o.cameraId, o.signal);
  return chainPlans(files, looks, o);
}

async function* chainPlans(
  files: string[],
  looks: Array<Promise<Looked>>,
  o: { startMs?: number; nowMs?: number },
): AsyncGenerator<PlannedFile> {
  let chained = o.startMs; // the next file's start under --start; undefined once the chain breaks
  let chainBrokenBy: string | null = null;
  const oldest = (o.nowMs ?? Date.now()) - RAW_RETENTION_DAYS * 86_400_000;
  for (const [i, file] of files.entries()) {
    try {
      const seen = await looks[i];
      if ('error' in seen) throw seen.error;
      const { sourceId, probe } = seen;
      const durationMs = probe.durationMs ?? 0;
      const start = resolveStartTime({
        path: file,
        explicitMs: chained,
        containerCreatedAtMs: probe.createdAtMs,
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
      const plan = { sourceId, startTimeMs: start.ms, startOrigin: start.origin, durationMs };
      yield { file, plan: { file, ...plan, probe } };
    } catch (e) {
      if (chained !== undefined) {
        chained = undefined;
        chainBrokenBy = file;
      }
      yield { file, error: (e as Error).message };
    }
  }
}

/** Files probed at once: probing is mostly two discoverer processes starting up. */
const PROBES_AT_ONCE = 4;

type Looked = { sourceId: string; probe: ProbedSource } | { error: Error };

/**
 * Each file's identity and probe (or why it has none), started in order, a few at a time: a month
 * of archive is thousands of files, and one at a time its planning alone would take hours. Once
 * `signal` is aborted (the run ended or failed) no further probe starts.
 */
function lookAtFiles(files: string[], cameraId: string, signal?: AbortSignal): Array<Promise<Looked>> {
  let free = PROBES_AT_ONCE;
  const waiting: Array<() => void> = [];
  const take = async () => {
    if (free > 0) free--;
    else await new Promise<void>((r) => waiting.push(r)); // the slot is handed over by give()
  };
  const give = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return files.map(async (file): Promise<Looked> => {
    await take();
    try {
      if (signal?.aborted) return { error: new Error(`${file}: not probed: the run ended`) };
      // Both settle before the slot is given back, so no more than PROBES_AT_ONCE probes run.
      // The file's size and time first: a file that changes while it is probed is probed again later.
      const st = await stat(file).catch(() => undefined);
      const [id, probe] = await Promise.allSettled([
        fileSourceId(cameraId, file),
        probeLocation(locateSource(file)),
      ]);
      if (id.status === 'rejected') return { error: id.reason as Error };
      if (probe.status === 'rejected') return { error: probe.reason as Error };
      return { sourceId: id.value, probe: probedSource(probe.value, st) };
    } finally {
      give();
    }
  });
}
