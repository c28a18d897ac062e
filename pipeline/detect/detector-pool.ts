import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import type { Detector } from './detector.ts';
import type { DetectorSpec } from './detector-spec.ts';
import { ThreadedDetector, type TracedFrame } from './threaded-detector.ts';

export interface DetectorPoolOptions {
  /** Detector instances, each in its own worker thread, each working on a different frame. */
  instances: number;
  /**
   * Frames an instance takes per model run (default 1). Frames of any camera and any job are
   * batched together, as DeepStream's stream muxer does; pays off on GPUs, rarely on CPUs.
   */
  batchSize?: number;
  /** How long an idle instance waits for a batch to fill before running a smaller one (default 0). */
  maxWaitMs?: number;
}

interface Task {
  frame: TracedFrame;
  resolve: (r: { detections: Detection[]; ms: number }) => void;
  reject: (e: Error) => void;
}

/**
 * Several detector instances, one frame each at a time, fed from one queue.
 *
 *   frames ──▶ [ queue ] ──▶ instance 1 (thread, k intra-op threads) ──▶ results, in input order
 *                       └──▶ instance 2 (thread, k intra-op threads) ──┘
 *
 * Why data-parallel rather than one instance with more intra-op threads: with intra-op parallelism
 * every operator waits for its slowest thread, so when the decoder or the main thread takes a core
 * for a moment, the whole inference stalls. Separate instances on separate frames only slow down
 * one frame. On the 2-core reference machine, 2 instances × 1 thread sustain more frames/s inside the
 * pipeline than 1 × 2 threads (benchmarks/RESULTS.md). Latency per frame is higher; throughput is
 * what a camera network needs.
 *
 * @example
 *   const pool = await DetectorPool.create({ name: 'centernet', spec: BUILTIN_MODELS.centernet, threads: 1 }, { instances: 2 });
 *   const { detections, ms } = await pool.detectTimed(frames); // detections[i] belongs to frames[i]
 *   await pool.close();
 */
export class DetectorPool implements Detector {
  private readonly queue: Task[] = [];
  private readonly idle: ThreadedDetector[];
  private waitTimer: NodeJS.Timeout | null = null;
  /** Model runs and frames so far: frames / runs is the mean batch size. */
  readonly stats = { runs: 0, frames: 0 };

  private constructor(
    private readonly members: ThreadedDetector[],
    private readonly batchSize: number,
    private readonly maxWaitMs: number,
  ) {
    this.idle = [...members];
  }

  static async create(spec: DetectorSpec, o: DetectorPoolOptions): Promise<DetectorPool> {
    if (!Number.isInteger(o.instances) || o.instances < 1) {
      throw new RangeError(`DetectorPool: instances must be an integer ≥ 1, got ${o.instances}`);
    }
    const batchSize = o.batchSize ?? 1;
    const maxWaitMs = o.maxWaitMs ?? 0;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`DetectorPool: batchSize must be an integer ≥ 1, got ${batchSize}`);
    }
    if (!(maxWaitMs >= 0)) throw new RangeError(`DetectorPool: maxWaitMs must be ≥ 0, got ${maxWaitMs}`);
    // Started together: each loads its model in its own thread, so n instances take about as long
    // as one (this is most of a backfill's start-up).
    const made = await Promise.allSettled(
      Array.from({ length: o.instances }, () => ThreadedDetector.create(spec)),
    );
    const members = made.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = made.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(members.map((m) => m.close()));
      throw failed.reason;
    }
    return new DetectorPool(members, batchSize, maxWaitMs);
  }

  get name(): string {
    return this.members[0].name;
  }
  get inputWidth(): number {
    return this.members[0].inputWidth;
  }
  get inputHeight(): number {
    return this.members[0].inputHeight;
  }

  async detect(frames: RgbFrame[]): Promise<Detection[][]> {
    return (await this.detectTimed(frames)).detections;
  }

  /**
   * Detections per frame, and each frame's detector time in ms (its batch's model time / batch size;
   * queue wait and tracing excluded). A frame with a `trace` has its detections traced back through
   * its motion chain in the detector's thread (threaded-detector.ts).
   */
  async detectTimed(frames: TracedFrame[]): Promise<{ detections: Detection[][]; ms: number[] }> {
    // Queue the whole call before waking an instance, so its frames can share a batch.
    const pending = frames.map(
      (frame) =>
        new Promise<{ detections: Detection[]; ms: number }>((resolve, reject) => {
          this.queue.push({ frame, resolve, reject });
        }),
    );
    this.pump();
    const results = await Promise.all(pending);
    return { detections: results.map((r) => r.detections), ms: results.map((r) => r.ms) };
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      // Not a full batch yet: wait up to maxWaitMs for more frames, then run what there is.
      if (this.queue.length < this.batchSize && this.maxWaitMs > 0) {
        this.waitTimer ??= setTimeout(() => this.runBatch(), this.maxWaitMs);
        return;
      }
      this.runBatch();
    }
  }

  private runBatch(): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    const member = this.idle.pop();
    if (!member || !this.queue.length) {
      if (member) this.idle.push(member);
      return;
    }
    const tasks = this.queue.splice(0, this.batchSize);
    this.stats.runs++;
    this.stats.frames += tasks.length;
    member
      .detectTimed(tasks.map((t) => t.frame))
      .then(
        ({ detections, inferMs }) => {
          const ms = inferMs / tasks.length;
          for (const [i, t] of tasks.entries()) t.resolve({ detections: detections[i], ms });
        },
        (e: Error) => {
          for (const t of tasks) t.reject(e);
        },
      )
      .finally(() => {
        this.idle.push(member);
        this.pump();
      });
  }

  async close(): Promise<void> {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    for (const t of this.queue.splice(0)) t.reject(new Error('detector pool closed'));
    await Promise.all(this.members.map((m) => m.close()));
  }
}
