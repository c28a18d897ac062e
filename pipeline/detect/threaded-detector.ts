import { Worker } from 'node:worker_threads';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { ModelError } from '../errors/model-error.ts';
import type { Detector } from './detector.ts';
import type { DetectorSpec } from './detector-spec.ts';

export interface DetectRequest {
  type: 'detect';
  id: number;
  /** All frames' pixels, back to back; transferred, not copied. */
  buffer: ArrayBuffer;
  frames: Array<{ width: number; height: number; scale: number }>;
}

export type DetectorThreadMessage =
  | { type: 'ready'; name: string; inputWidth: number; inputHeight: number }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; detections: Detection[][] }
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
    { resolve: (d: Detection[][]) => void; reject: (e: Error) => void }
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
      if (m.type === 'result') p?.resolve(m.detections);
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
      throw new ModelError(
        spec.name,
        ready.type === 'failed' ? ready.message : 'detector thread did not start',
      );
    }
    return new ThreadedDetector(worker, ready.name, ready.inputWidth, ready.inputHeight);
  }

  detect(frames: RgbFrame[]): Promise<Detection[][]> {
    if (this.dead) return Promise.reject(this.dead);
    // One copy into a fresh buffer that is then transferred (frames are often views on a larger file buffer).
    const total = frames.reduce((n, f) => n + f.data.byteLength, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const f of frames) {
      bytes.set(f.data, offset);
      offset += f.data.byteLength;
    }
    const id = this.nextId++;
    const req: DetectRequest = {
      type: 'detect',
      id,
      buffer: bytes.buffer,
      frames: frames.map((f) => ({ width: f.width, height: f.height, scale: f.scale })),
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req, [bytes.buffer]);
    });
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.worker.postMessage({ type: 'close' });
    await new Promise((r) => this.worker.once('exit', r));
  }
}
