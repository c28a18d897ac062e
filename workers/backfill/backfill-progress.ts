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

/**
 * Progress of a backfill on stderr: with a terminal, one bar per file and an overall bar (frames/s,
 * × real time, ETA); otherwise (a pipe, a log file, `--json`) a plain line every `intervalMs` and
 * one when a file ends, so scripts and CI logs get progress without control characters.
 */
export class BackfillProgress {
  private readonly t0 = performance.now();
  private readonly multi: cliProgress.MultiBar | null;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private overall: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  private readonly reported = new Set<string>();

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
      const width = Math.min(32, Math.max(...files.map((f) => basename(f.file).length), 7));
      for (const f of files) {
        const name = basename(f.file).slice(0, width).padEnd(width);
        let bar = this.bars.get(f.file);
        if (!bar) {
          bar = this.multi.create(
            Math.max(f.total, 1),
            0,
            { name, status: f.status },
            {
              format: '  {name} {bar} {value}/{total} frames  {status}',
            },
          );
          this.bars.set(f.file, bar);
        }
        bar.setTotal(Math.max(f.total, f.frames, 1));
        bar.update(f.status === 'already stored' ? Math.max(f.total, 1) : f.frames, {
          name,
          status: f.status,
        });
      }
      if (!this.overall) {
        this.overall = this.multi.create(
          Math.max(total, 1),
          0,
          { ...figures, name: 'overall'.padEnd(width) },
          {
            format: '  {name} {bar} {value}/{total} frames  {speed} frames/s  {rt}x real time  ETA {eta}',
          },
        );
      }
      this.overall.setTotal(Math.max(total, 1));
      this.overall.update(frames, figures);
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

  stop(): void {
    this.multi?.stop();
  }
}
