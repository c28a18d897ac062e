import type { ConnectionOptions } from 'bullmq';
import type { DetectorPool } from '../../pipeline/detect/detector-pool.ts';
import { MotionGate } from '../../pipeline/detect/motion/motion-gate.ts';
import type { TracedFrame } from '../../pipeline/detect/threaded-detector.ts';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import type { GreyFrame } from '../../pipeline/motion/grey-frame.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import {
  type DetectJob,
  DetectJob as DetectJobSchema,
  type EvidenceFrames,
  type FrameResult,
} from '../../schemas/jobs.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobOptions } from '../queues.ts';
import { jobId, QUEUE } from '../redis-keys.ts';
import { type RunningStage, startStage } from './stage.ts';

export interface DetectStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  host: string;
  detector: DetectorPool;
  /** Send results to the track stage (else straight to store). */
  tracking: boolean;
  /** This host's frames folder: a job's frames file is read and removed only inside it. */
  frameFiles: FrameFiles;
  /**
   * Keep each segment's frames file for the track stage's evidence snapshots (it removes the file
   * when done); files left over (tracked on another host, or failed) are swept after 10 minutes.
   */
  keepFramesForEvidence?: boolean;
  tracker: SourceTracker;
  concurrency: number;
  attempts: number;
  logger: Logger;
}

/**
 * Run the detector on a segment's frames (read from this host's frames file) and queue the results
 * for tracking (or straight for storage when tracking is off). The frames file is deleted once the
 * results are queued, or when the job has failed for good.
 */
export function startDetectStage(o: DetectStageOptions): RunningStage {
  const keep = o.tracking && o.keepFramesForEvidence === true;
  const sweeper = keep
    ? setInterval(() => {
        o.frameFiles
          .sweep(10 * 60_000)
          .catch((err) => o.logger.warn({ stage: 'detect', err }, 'frames sweep failed'));
      }, 60_000).unref()
    : null;

  return startStage<DetectJob, { frames: number }, 'next'>(o, {
    name: 'detect',
    queue: QUEUE.detect(o.host),
    schema: DetectJobSchema,
    concurrency: o.concurrency,
    // Results go on to tracking, or straight to storage when tracking is off.
    outputs: { next: { queue: o.tracking ? QUEUE.track : QUEUE.store, jobOptions: jobOptions(o.attempts) } },
    async process(data, { outputs }) {
      const greyCount = data.frames.reduce((n, f) => n + (f.motion?.frames ?? 0), 0);
      const grey = data.motionSize && greyCount ? { count: greyCount, ...data.motionSize } : null;
      const read = await o.frameFiles.read(data.framesFile, {
        count: data.frames.length,
        width: data.width,
        height: data.height,
        scale: data.scale,
        ...(grey ? { grey } : {}),
      });
      // Motion gating (when the camera asks for it): only frames where enough changed go to the
      // detector. The gate starts afresh with each segment, so a segment's first frame is always
      // analysed and segments stay independent units of work.
      const gate = data.motionGate ? new MotionGate(data.motionGate) : null;
      const analysed = read.frames.map((f) => (gate ? gate.update(f) : true));
      // The pool spreads the frames over its instances, which also trace each analysed frame's
      // detections back through its motion chain.
      const traced = withTraces(data, read.frames, read.grey);
      const { detections, ms } = await o.detector.detectTimed(traced.filter((_, i) => analysed[i]));
      const results = frameResults(data, analysed, detections, ms);
      await outputs.next.add(
        o.tracking ? 'track' : 'store',
        {
          segmentKey: data.segmentKey,
          sourceId: data.sourceId,
          cameraId: data.cameraId,
          segment: data.segment,
          detector: o.detector.name,
          frames: results,
          prevSegment: data.prevSegment ?? -1,
          ...(data.last ? { last: true } : {}),
          ...(data.scene ? { scene: data.scene } : {}),
          ...(keep ? { evidence: evidenceFrames(data, o.host, grey) } : {}),
          // Plates are read on tracks: without tracking there is nothing to read them on.
          ...(data.plates && o.tracking ? { plates: data.plates } : {}),
        },
        { jobId: jobId(data.segmentKey) },
      );
      if (!keep) await o.frameFiles.remove(data.framesFile);
      if (data.plates && !o.tracking && o.frameFiles.owns(data.plates.framesFile)) {
        await o.frameFiles.remove(data.plates.framesFile);
      }
      return { frames: results.length };
    },
    describe: (data) => ({ segment: data.segmentKey }),
    failedMessage: 'segment failed detection',
    async onFailed(data, err) {
      // Only a file of this host's folder is removed, whatever the payload names.
      for (const file of [data.framesFile, data.plates?.framesFile]) {
        if (file && o.frameFiles.owns(file)) await o.frameFiles.remove(file).catch(() => {});
      }
      await o.tracker.lost(data.sourceId, data.segment, `detect: ${err.message}`);
    },
    stopping() {
      if (sweeper) clearInterval(sweeper);
    },
  });
}

/** Where the track stage finds the segment's frames for evidence snapshots: this host's file. */
function evidenceFrames(
  data: DetectJob,
  host: string,
  grey: { count: number; width: number; height: number } | null,
): EvidenceFrames {
  return {
    host,
    framesFile: data.framesFile,
    width: data.width,
    height: data.height,
    scale: data.scale,
    ...(data.offset ? { offset: data.offset } : {}),
    ...(grey ? { grey } : {}),
  };
}

/** The segment's frames, each with the motion chain that leads to it (the job's grey frames, in order). */
function withTraces(data: DetectJob, frames: RgbFrame[], grey: GreyFrame[]): TracedFrame[] {
  let g = 0;
  return frames.map((frame, i) => {
    const t = data.frames[i];
    const chain = grey.slice(g, g + (t.motion?.frames ?? 0));
    g += chain.length;
    if (!t.motion || chain.length < 2) return frame;
    return { ...frame, trace: { chain, frameWidth: data.width, dtMs: t.ptsMs - t.motion.fromPtsMs } };
  });
}

/**
 * The segment's frame results: boxes in source pixels (shifted by the region's offset, which moves
 * no motion), each analysed frame's detections with their motion (traced in the detector's thread);
 * a frame the gate skipped reports the objects of the last analysed one, since nothing in view changed.
 */
function frameResults(
  data: DetectJob,
  analysed: boolean[],
  detections: Detection[][],
  ms: number[],
): FrameResult[] {
  const dx = data.offset?.x ?? 0;
  const dy = data.offset?.y ?? 0;
  const results: FrameResult[] = [];
  let k = -1;
  for (const [i, t] of data.frames.entries()) {
    if (analysed[i]) k++;
    const found = detections[k].map((d) => ({ ...d, box: { ...d.box, x: d.box.x + dx, y: d.box.y + dy } }));
    results.push({
      ptsMs: t.ptsMs,
      tsMs: t.tsMs,
      analysed: analysed[i],
      detectorMs: analysed[i] ? ms[k] : 0,
      detections: analysed[i] ? found : found.map(({ motion: _m, ...d }) => d),
    });
  }
  return results;
}
