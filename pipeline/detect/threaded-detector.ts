import { Worker } from 'node:worker_threads';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { ModelError } from '../errors/model-error.ts';
import type { GreyFrame } from '../motion/grey-frame.ts';
import type { Detector } from './detector.ts';
import type { DetectorSpec } from './detector-spec.ts';

/**
 * A frame's motion chain, to trace its detections back through (pipeline/motion/detection-motion.ts)
 * in the detector's thread, right after detecting: the main thread, which reads every camera's
 * decoder, need not do it.
 */
export interface MotionTrace {
  /** The small grey frames from the previous analysed frame to this one. */
  chain: GreyFrame[];
  /** The RGB frame's width (the grey frames are a reduction of it). */
  frameWidth: number;
  /** Time from the chain's first frame to this one, ms. */
  dtMs: number;
}

/** A frame to detect on, with the motion chain its detections are traced back through, if any. */
export type TracedFrame = RgbFrame & { trace?: MotionTrace };

export interface DetectRequest {
  type: 'detect';
  id: number;
  /** All frames' pixels, back to back; transferred, not copied. */
  buffer: ArrayBuffer;
  frames: Array<{
    width: number;
    height: number;
    scale: number;
    trace?: { frameWidth: number; dtMs: number; greys: Array<{ width: number; height: number }> };
  }>;
  /** All traces' grey frames, back to back (transferred); absent when no frame has a trace. */
  greyBuffer?: ArrayBuffer;
}

export type DetectorThreadMessage =
  | { type: 'ready'; name: string; inputWidth: number; inputHeight: number }
  | { type: 'failed'; message: string }
  /** inferMs: the model's time for the whole request (tracing excluded). */
  | { type: 'result'; id: number; detections: Detection[][]; inferMs: number }
  | { type: 'error'; id: number; message: string };

/**
 * Runs a detector in a worker thread, behind the same Detector interface.
 *
 * Why: onnxruntime-node's `session.run()` holds the JavaScript thread for the whole inference
 * (measured: ~50 event-loop turns per second instead of ~1000 while detecting), which would stall
 * everything else in the process: reading the decoder's pipe, BullMQ lock renewals, inserts. In a
 * thread of its own the model runs while the main thread keeps decoding and storing.
 *
 * @example
 *   const detector = await ThreadedDetector.create({ name: 'centernet', spec: BUILTIN_MODELS.centernet, threads: 2 });
 *   const [found] = await detector.detect([frame]);
 *   await detector.close();
 */
export class ThreadedDetector implements Detector {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: { detections: Detection[][]; inferMs: number }) => void; reject: (e: Error) => void }
  >();
  private dead: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly name: string,
    readonly inputWidth: number,
    readonly inputHeight: number,
  ) {
    worker.on('message', (m: DetectorThreadMessage) => {
      if (m.type !== 'result' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'result') p?.resolve({ detections: m.detections, inferMs: m.inferMs });
      else p?.reject(new Error(`detector ${name}: ${m.message}`));
    });
    const die = (e: Error) => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => die(new Error(`detector thread ${name} crashed: ${e.message}`)));
    worker.on('exit', (code) => die(new Error(`detector thread ${name} exited (${code})`)));
  }

  static async create(spec: DetectorSpec): Promise<ThreadedDetector> {
    const worker = new Worker(new URL('./detector-thread-entry.mjs', import.meta.url), { workerData: spec });
    const ready = await new Promise<DetectorThreadMessage>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (ready.type !== 'ready') {
      await worker.terminate();
      // The thread's error names the model already; say it once.
      const prefix = `model ${spec.name}: `;
      const detail = ready.type === 'failed' ? ready.message : 'detector thread did not start';
      throw new ModelError(spec.name, detail.startsWith(prefix) ? detail.slice(prefix.length) : detail);
    }
    return new ThreadedDetector(worker, ready.name, ready.inputWidth, ready.inputHeight);
  }

  async detect(frames: TracedFrame[]): Promise<Detection[][]> {
    return (await this.detectTimed(frames)).detections;
  }

  /** Detections per frame (traced back where a frame has a trace), and the model's time for them all. */
  detectTimed(frames: TracedFrame[]): Promise<{ detections: Detection[][]; inferMs: number }> {
    if (this.dead) return Promise.reject(this.dead);
    // One copy into a fresh buffer that is then transferred (frames are often views on a larger file buffer).
    const bytes = pack(frames.map((f) => f.data));
    const greys = frames.flatMap((f) => f.trace?.chain ?? []);
    const greyBytes = greys.length ? pack(greys.map((g) => g.data)) : null;
    const id = this.nextId++;
    const req: DetectRequest = {
      type: 'detect',
      id,
      buffer: bytes.buffer as ArrayBuffer,
      frames: frames.map((f) => ({
        width: f.width,
        height: f.height,
        scale: f.scale,
        ...(f.trace
          ? {
              trace: {
                frameWidth: f.trace.frameWidth,
                dtMs: f.trace.dtMs,
                greys: f.trace.chain.map((g) => ({ width: g.width, height: g.height })),
              },
            }
          : {}),
      })),
      ...(greyBytes ? { greyBuffer: greyBytes.buffer as ArrayBuffer } : {}),
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req, greyBytes ? [req.buffer, greyBytes.buffer as ArrayBuffer] : [req.buffer]);
    });
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.worker.postMessage({ type: 'close' });
    await new Promise((r) => this.worker.once('exit', r));
  }
}

/** The arrays back to back in one fresh buffer. */
function pack(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
