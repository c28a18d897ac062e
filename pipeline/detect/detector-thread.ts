/**
 * Worker-thread side of ThreadedDetector: builds the detector from the spec it is given and answers
 * detect requests. Frames arrive as transferred ArrayBuffers (no copy across the thread boundary).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { attachMotion } from '../motion/detection-motion.ts';
import type { GreyFrame } from '../motion/grey-frame.ts';
import { markCut } from './cut-boxes.ts';
import { createDetector, type DetectorSpec } from './detector-spec.ts';
import type { DetectorThreadMessage, DetectRequest } from './threaded-detector.ts';

const port = parentPort;
if (!port) throw new Error('detector-thread must run in a worker thread');
const post = (m: DetectorThreadMessage) => port.postMessage(m);

try {
  const detector = await createDetector(workerData as DetectorSpec);
  post({
    type: 'ready',
    name: detector.name,
    inputWidth: detector.inputWidth,
    inputHeight: detector.inputHeight,
  });
  port.on('message', async (req: DetectRequest | { type: 'close' }) => {
    if (req.type === 'close') {
      await detector.close();
      port.close();
      return;
    }
    try {
      const bytes = new Uint8Array(req.buffer);
      let offset = 0;
      const frames: RgbFrame[] = req.frames.map((f) => {
        const size = f.width * f.height * 3;
        const frame = {
          data: bytes.subarray(offset, offset + size),
          width: f.width,
          height: f.height,
          scale: f.scale,
        };
        offset += size;
        return frame;
      });
      const t0 = performance.now();
      const detections = await detector.detect(frames);
      const inferMs = performance.now() - t0;
      for (const [i, f] of frames.entries()) markCut(detections[i], f.height / f.scale);
      traceBack(req, frames, detections);
      post({ type: 'result', id: req.id, detections, inferMs });
    } catch (e) {
      post({ type: 'error', id: req.id, message: (e as Error).message });
    }
  });
} catch (e) {
  post({ type: 'failed', message: (e as Error).message });
}

/** Traces each traced frame's detections back through its motion chain (sets their `motion`). */
function traceBack(req: DetectRequest, frames: RgbFrame[], detections: Detection[][]): void {
  if (!req.greyBuffer) return;
  const bytes = new Uint8Array(req.greyBuffer);
  let offset = 0;
  for (const [i, f] of req.frames.entries()) {
    if (!f.trace) continue;
    const chain: GreyFrame[] = f.trace.greys.map(({ width, height }) => {
      const data = bytes.subarray(offset, offset + width * height);
      offset += width * height;
      return { data, width, height };
    });
    attachMotion(
      detections[i],
      chain,
      { scale: frames[i].scale, frameWidth: f.trace.frameWidth },
      f.trace.dtMs,
    );
  }
}
