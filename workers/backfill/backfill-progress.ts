import { basename } from 'node:path';
import cliProgress from 'cli-progress';

export interface FileProgress {
  file: string;
  /** Frames stored so far in this run. */
  frames: number;
  /** Frames expected: the file's duration × the analysis rate. */
  total: number;
  status: 'queued' | 'running' | 'done' | 'already stored' | 'failed';
}

/** Rate figures of a run so far. */
export function rates(frames: number, total: number, elapsedS: number, fps: number) {
  const framesPerSecond = elapsedS > 0 ? frames / elapsedS : 0;
  return {
    framesPerSecond,
    realtimeFactor: elapsedS > 0 ? frames / fps / elapsedS : 0,
    etaSeconds: framesPerSecond > 0 ? Math.max(0, total - frames) / framesPerSecond : null,
  };
}

const eta = (s: number | null) =>
  s === null
    ? '--'
    : s >= 3600
      ? `${(s / 3600).toFixed(1)} h`
      : s >= 60
        ? `${Math.round(s / 60)} min`
        : `${Math.round(s)} s`;

/** Finished files whose bars stay on screen. */
const FINISHED_BARS = 5;
const FILE_BAR = '  {name} {bar} {value}/{total} frames  {status}';
const OVERALL_BAR =
  '  {name} {bar} {value}/{total} frames  {files}  {speed} frames/s  {rt}x real time  ETA {eta}';

/**
 * Progress of a backfill on stderr: with a terminal, a bar per file in flight (and the last few
 * finished) and an overall bar (files, frames/s, × real time, ETA); otherwise (a pipe, a log file, `--json`) a plain line every `intervalMs` and
 * one when a file ends, so scripts and CI logs get progress without control characters.
 */
export class BackfillProgress {
  private readonly t0 = performance.now();
  private readonly multi: cliProgress.MultiBar | null;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private overall: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  private readonly reported = new Set<string>();
  /** Bars of finished files still on screen, oldest first; and those taken off. */
  private readonly finished: string[] = [];
  private readonly retired = new Set<string>();

  constructor(
    mode: 'bars' | 'lines',
    private readonly fps: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 2000,
  ) {
    this.multi =
      mode === 'bars'
        ? new cliProgress.MultiBar(
            { stream, hideCursor: true, clearOnComplete: false, autopadding: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
  }

  update(files: FileProgress[]): void {
    const frames = files.reduce((n, f) => n + f.frames, 0);
    const total = files.reduce((n, f) => n + Math.max(f.total, f.frames), 0);
    const elapsed = (performance.now() - this.t0) / 1000;
    const r = rates(frames, total, elapsed, this.fps);
    const figures = {
      speed: r.framesPerSecond.toFixed(1),
      rt: r.realtimeFactor.toFixed(1),
      eta: eta(r.etaSeconds),
    };
    if (this.multi) {
      this.drawBars(this.multi, files, total, frames, figures);
      return;
    }
    for (const f of files) {
      if ((f.status === 'done' || f.status === 'failed') && !this.reported.has(f.file)) {
        this.reported.add(f.file);
        this.stream.write(`backfill: ${f.status} ${basename(f.file)} (${f.frames} frames)\n`);
      }
    }
    const now = performance.now();
    if (total > 0 && now - this.lastLine >= this.intervalMs) {
      this.lastLine = now;
      const pct = total ? Math.round((100 * frames) / total) : 0;
      const running = files.filter((f) => f.status === 'running').length;
      this.stream.write(
        `backfill: ${frames}/${total} frames (${pct}%), ${running} of ${files.length} files running, ` +
          `${figures.speed} frames/s, ${figures.rt}x real time, ETA ${figures.eta}\n`,
      );
    }
  }

  /**
   * A bar per file in flight and for the last few finished (a month of archive is thousands of
   * files: queued ones are counted in the overall bar, not drawn), and the overall bar.
   */
  private drawBars(
    multi: cliProgress.MultiBar,
    files: FileProgress[],
    total: number,
    frames: number,
    figures: Record<string, string>,
  ): void {
    const shown = files.filter((f) => f.status !== 'queued');
    const width = Math.min(32, Math.max(...shown.map((f) => basename(f.file).length), 7));
    for (const f of shown) {
      const name = basename(f.file).slice(0, width).padEnd(width);
      let bar = this.bars.get(f.file);
      if (!bar) {
        if (this.retired.has(f.file)) continue; // shown when it finished, then taken off
        bar = multi.create(Math.max(f.total, 1), 0, { name, status: f.status }, { format: FILE_BAR });
        this.bars.set(f.file, bar);
      }
      bar.setTotal(Math.max(f.total, f.frames, 1));
      bar.update(f.status === 'already stored' ? Math.max(f.total, 1) : f.frames, { name, status: f.status });
      if (f.status !== 'running' && !this.finished.includes(f.file)) this.finished.push(f.file);
    }
    // Finished files beyond the last few leave the screen.
    while (this.finished.length > FINISHED_BARS) {
      const old = this.finished.shift() as string;
      const bar = this.bars.get(old);
      if (bar) multi.remove(bar);
      this.bars.delete(old);
      this.retired.add(old);
    }
    const ended = files.length - files.filter((f) => f.status === 'queued' || f.status === 'running').length;
    const counts = { ...figures, files: `${ended}/${files.length} files`, name: 'overall'.padEnd(width) };
    this.overall ??= multi.create(Math.max(total, 1), 0, counts, { format: OVERALL_BAR });
    this.overall.setTotal(Math.max(total, 1));
    this.overall.update(frames, counts);
  }

  stop(): void {
    this.multi?.stop();
  }
}
