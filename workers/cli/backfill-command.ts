import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { parseIsoTime } from '../../pipeline/sources/start-time.ts';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import type { CameraConfig, Config } from '../../schemas/config.ts';
import { ExtractJob as ExtractJobSchema } from '../../schemas/jobs.ts';
import { assertValid } from '../../schemas/validate.ts';
import type { FileProgress } from '../backfill/backfill-progress.ts';
import {
  type BackfillFileReport,
  type BackfillReport,
  formatBackfillReport,
  round2,
} from '../backfill/backfill-report.ts';
import { BackfillRun } from '../backfill/backfill-run.ts';
import { expandInputs } from '../backfill/expand-inputs.ts';
import { lineCountsOf } from '../backfill/line-counts.ts';
import { type FilePlan, type PlannedFile, planEach } from '../backfill/plan-files.ts';
import { ownStart, sceneFitsFile } from '../backfill/scene-fits-file.ts';
import {
  knownSourceId,
  ledgerComplete,
  sourceTotals,
  storedSegments,
  tableRowCounts,
} from '../backfill/store-queries.ts';
import { apiScenes } from '../cameras/register-cameras.ts';
import { extractJobFor } from '../extract-job.ts';
import { logger } from '../logger.ts';
import type { PipelineNode } from '../pipeline-node.ts';
import { SourceTracker } from '../progress/source-tracker.ts';
import { configFrom } from './common.ts';

export interface BackfillOptions {
  camera: string;
  start?: string;
  fps?: number;
  config?: string;
  dataDir: string;
  json?: boolean;
}

/**
 * `cityflow backfill <files | folders | globs> --camera <id> [--start <ISO time>]`: archived
 * footage through the whole pipeline in this process (it owns the store), as a BullMQ flow with one
 * parent per file (workers/backfill/backfill-flow.ts), with progress and a final report.
 *
 * Replay-safe: a file whose segments are all in the ledger is not processed again; any other file is
 * decoded, detected and tracked from its start (the tracker's state chain must be rebuilt, see the
 * README's "Backfill"), and the store skips the segments it already has. So a re-run adds no rows and
 * a run killed midway, run again, ends with exactly the rows of an uninterrupted run.
 */
export async function backfillCommand(inputs: string[], opts: BackfillOptions): Promise<void> {
  if (!process.env.LOG_LEVEL) logger.level = 'fatal'; // the report says what failed
  const cfg = configFrom(opts);
  const cam: CameraConfig | undefined = cfg.cameras.find((c) => c.id === opts.camera);
  const fps = opts.fps ?? cam?.fps ?? cfg.extract.fps;
  const t0 = performance.now();

  const expanded = await expandInputs(inputs);
  const startMs =
    opts.start === undefined ? ownStart(cam, expanded.files) : parseIsoTime(opts.start, '--start');
  // The files are probed from here on (a few at a time), while Redis, the store and the detector
  // start; no further probe starts once the command ends, whichever way.
  const probing = new AbortController();
  const feed = planEach(expanded.files, { cameraId: opts.camera, startMs, signal: probing.signal });
  const run = await BackfillRun.start(
    cfg,
    !opts.json && process.stderr.isTTY === true ? 'bars' : 'lines',
    fps,
  ).catch((e: unknown) => {
    probing.abort();
    throw e;
  });
  try {
    const reports = new Map<string, BackfillFileReport>();
    for (const f of expanded.failures) reports.set(f.input, failedReport(f.input, `${f.input}: ${f.error}`));
    const { ch } = run;
    const before = await tableRowCounts(ch.client);
    await registerCameraOnce(
      run.node,
      ch,
      cam ?? { id: opts.camera, name: opts.camera, source: inputs.join(' ') },
    );
    // A scene set through the API wins over the file's (workers/cameras/register-cameras.ts).
    const scene = (await apiScenes(ch.client)).get(opts.camera);
    if (!cam && !scene && opts.config) {
      const declared = cfg.cameras.map((c) => c.id).join(', ') || 'none';
      process.stderr.write(
        `cityflow: warning: camera "${opts.camera}" is not in ${opts.config} (it declares: ${declared}); ` +
          'its files are analysed without counting lines, zones or rules\n',
      );
    }
    const camera = (file: string): CameraConfig => {
      const c = cam ?? { id: opts.camera, source: file };
      return scene ? { ...c, scene } : c;
    };
    const startup = (performance.now() - t0) / 1000;
    // Files are submitted as they are planned, and watched meanwhile; if either fails, both stop
    // before the run closes.
    const files: RunningFiles = { list: [], planned: false, stopped: false };
    const stopOnFailure = (e: unknown) => {
      files.stopped = true;
      throw e;
    };
    const [submitted, watched] = await Promise.allSettled([
      submitPlans(run, cfg, feed, camera, fps, reports, files)
        .then(() => {
          files.planned = true;
        })
        .catch(stopOnFailure),
      watchFiles(run, files, reports, fps).catch(stopOnFailure),
    ]);
    if (submitted.status === 'rejected') throw submitted.reason;
    if (watched.status === 'rejected') throw watched.reason;
    const wall = (performance.now() - t0) / 1000;
    const report = await finalReport(ch, reports, before, fps, { wall, startup });
    process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : `${formatBackfillReport(report)}\n`);
    if (report.failures.length) process.exitCode = 1;
  } finally {
    probing.abort();
    await run.close();
  }
}

/** The files of this run submitted so far. */
interface RunningFiles {
  list: RunningFile[];
  /** Every input has been planned and submitted (or reported). */
  planned: boolean;
  /** Submitting or watching failed: the other one stops too. */
  stopped: boolean;
}

/** A file's parent job in this run. */
interface RunningFile {
  plan: FilePlan;
  parentId: string;
}

function failedReport(file: string, error: string): BackfillFileReport {
  return {
    file,
    sourceId: null,
    status: 'failed',
    startTime: null,
    startOrigin: null,
    videoSeconds: 0,
    framesAnalysed: 0,
    segments: 0,
    error,
  };
}

/**
 * Submits each file as a flow as soon as it is planned, except the same recording given twice and
 * files whose segments are all in the ledger already (reported as "already stored").
 */
async function submitPlans(
  run: BackfillRun,
  cfg: Config,
  feed: AsyncIterable<PlannedFile>,
  camera: (file: string) => CameraConfig,
  fps: number,
  reports: Map<string, BackfillFileReport>,
  files: RunningFiles,
): Promise<void> {
  const { ch } = run;
  const segmentMs = Math.round(cfg.extract.segmentSeconds * 1000);
  const runId = randomBytes(4).toString('hex');
  const seen = new Set<string>();
  for await (const planned of feed) {
    if (files.stopped) return;
    if (!('plan' in planned)) {
      reports.set(planned.file, failedReport(planned.file, planned.error));
      continue;
    }
    const { plan } = planned;
    // A renamed or moved copy of a stored recording goes on under the id it was stored with.
    plan.sourceId = await knownSourceId(ch.client, plan.sourceId);
    const content = plan.sourceId.slice(plan.sourceId.lastIndexOf('@'));
    const base = {
      file: plan.file,
      sourceId: plan.sourceId,
      startTime: new Date(plan.startTimeMs).toISOString(),
      startOrigin: plan.startOrigin,
      videoSeconds: 0,
      framesAnalysed: 0,
      segments: 0,
      error: null,
    };
    if (seen.has(content)) {
      reports.set(plan.file, { ...base, status: 'already stored' }); // the same recording twice
      continue;
    }
    seen.add(content);
    const stored = await storedSegments(ch.client, plan.sourceId);
    if (ledgerComplete(stored, plan.durationMs, segmentMs)) {
      reports.set(plan.file, { ...base, status: 'already stored', segments: stored.length });
      continue;
    }
    const cam = camera(plan.file);
    const extract = extractJobFor(cfg, cam, {
      sourceId: plan.sourceId,
      uri: plan.file,
      startTimeMs: plan.startTimeMs,
      fps,
      probe: plan.probe,
    });
    // A job its stage would refuse (say, a probe out of the schema's bounds) fails here, with its reason.
    try {
      assertValid(ExtractJobSchema, extract, `${plan.file}: its extract job`);
      sceneFitsFile(cam, plan);
    } catch (e) {
      reports.set(plan.file, { ...base, status: 'failed', error: (e as Error).message });
      continue;
    }
    const parentId = await run.flow.submit({ file: plan.file, sourceId: plan.sourceId }, extract, runId);
    reports.set(plan.file, { ...base, status: 'done' });
    files.list.push({ plan, parentId });
  }
}

/** Queued files asked about per look: the extract queue takes files in order, so the rest wait. */
const QUEUED_POLLED = 8;

/**
 * Watches the parents until every file is planned and finished, updating the reports and the
 * progress view. Each question is a Redis round trip every 250 ms, and a month of archive is
 * thousands of files, so a finished file is not asked about again and only the first few queued
 * files are asked about at all.
 */
async function watchFiles(
  run: BackfillRun,
  files: RunningFiles,
  reports: Map<string, BackfillFileReport>,
  fps: number,
): Promise<void> {
  const finished = new Map<string, FileProgress>(); // file → its last row in the view
  while (!files.stopped) {
    const planned = files.planned; // before looking: a file submitted meanwhile is looked at next time
    const view: FileProgress[] = [];
    let queued = 0;
    for (const f of files.list) {
      if (files.stopped) break;
      const done = finished.get(f.plan.file);
      const row = done ?? (queued < QUEUED_POLLED ? await lookAtFile(run, f, reports, fps) : null);
      if (!row) {
        view.push({ file: f.plan.file, frames: 0, total: frameCount(f.plan, fps), status: 'queued' });
        continue;
      }
      if (row.status === 'queued') queued++;
      if (!done && (row.status === 'done' || row.status === 'failed')) finished.set(f.plan.file, row);
      view.push(row);
    }
    for (const r of reports.values()) {
      if (r.status === 'already stored')
        view.push({ file: r.file, frames: 0, total: 0, status: 'already stored' });
    }
    if (files.stopped) break;
    run.progress.update(view);
    if (planned && finished.size === files.list.length) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  run.progress.stop();
}

function frameCount(plan: FilePlan, fps: number): number {
  return Math.round((plan.durationMs / 1000) * fps);
}

/** One file's state now, into its report; its row in the progress view. */
async function lookAtFile(
  run: BackfillRun,
  { plan, parentId }: RunningFile,
  reports: Map<string, BackfillFileReport>,
  fps: number,
): Promise<FileProgress> {
  // The parent first: once it has completed, the source's state read after it is final (read the
  // other way round, a short file may finish in between and keep its counts from before).
  const st = await run.orLost(run.flow.status(parentId));
  const s = await run.orLost(run.node.tracker.state(plan.sourceId));
  const r = reports.get(plan.file) as BackfillFileReport;
  // A failed parent's file may still have segments in flight: wait until they are stored (unless
  // its extract never started: a job refused before it ran).
  const ended =
    st.state === 'completed' ||
    (st.state === 'failed' && (SourceTracker.finished(s) || s.extract === 'queued'));
  if (st.state === 'failed' && ended) {
    r.status = 'failed';
    r.error = s.error ?? st.reason;
  }
  r.framesAnalysed = s.framesStored;
  r.segments = s.stored;
  r.videoSeconds = round2(r.status === 'done' && ended ? plan.durationMs / 1000 : s.framesStored / fps);
  return {
    file: plan.file,
    frames: s.framesStored,
    total: frameCount(plan, fps),
    status: ended ? r.status : s.extract === 'queued' ? 'queued' : 'running',
  };
}

/** The run's report: per file, and what the store gained (rows, objects, events). */
async function finalReport(
  ch: ClickHouseHandle,
  reports: Map<string, BackfillFileReport>,
  before: Record<string, number>,
  fps: number,
  { wall, startup }: { wall: number; startup: number },
): Promise<BackfillReport> {
  const after = await tableRowCounts(ch.client);
  const rowsByTable = Object.fromEntries(Object.entries(after).map(([t, n]) => [t, n - (before[t] ?? 0)]));
  const files = [...reports.values()].sort((a, b) => a.file.localeCompare(b.file));
  const totals = await sourceTotals(
    ch.client,
    files.map((f) => f.sourceId).filter((x): x is string => x !== null),
  );
  const lineCounts = await lineCountsOf(
    ch.client,
    files.map((f) => f.sourceId).filter((x): x is string => x !== null),
  );
  const framesAnalysed = files.reduce((n, f) => n + f.framesAnalysed, 0);
  const videoSeconds = files.reduce((n, f) => n + f.videoSeconds, 0);
  return {
    files,
    framesAnalysed,
    videoSeconds: round2(videoSeconds),
    wallSeconds: round2(wall),
    startupSeconds: round2(startup),
    framesPerSecond: round2(framesAnalysed / wall),
    realtimeFactor: round2(videoSeconds / wall),
    fps,
    rowsInserted: Object.values(rowsByTable).reduce((a, b) => a + b, 0),
    rowsByTable,
    objects: totals.trackedObjects,
    objectsByClass: totals.objectsByClass,
    lineCounts,
    events: totals.events,
    failures: files
      .filter((f) => f.status === 'failed')
      .map((f) => ({ file: f.file, error: f.error ?? 'failed' })),
    store: { mode: ch.mode, where: ch.where },
  };
}

/**
 * Records the camera unless the store already knows it: a camera configured for live analysis keeps
 * its row, and a re-run of a backfill adds no row to `cameras` either.
 */
async function registerCameraOnce(node: PipelineNode, ch: ClickHouseHandle, cam: CameraConfig) {
  const rs = await ch.client.query({
    query: 'SELECT count() AS n FROM cameras WHERE camera_id = {id:String}',
    query_params: { id: cam.id },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: string }>();
  if (Number(row?.n ?? 0) === 0) await node.registerCameras([{ ...cam, name: cam.name ?? basename(cam.id) }]);
}
