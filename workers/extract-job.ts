import { motionSteps } from '../pipeline/motion/motion-sampler.ts';
import type { CameraConfig, Config } from '../schemas/config.ts';
import type { ExtractJob, ProbedSource } from '../schemas/jobs.ts';

/**
 * The extract job of one file of a camera: the one place that turns the configuration (the camera's
 * rate, region, gate and scene; the tracker's motion rate; the segment length) into a job, for the
 * `run` node and the backfill command alike.
 *
 * @example
 *   await extractQueue.add('extract', extractJobFor(config, cam, { sourceId, uri: cam.source, startTimeMs }));
 */
export function extractJobFor(
  config: Config,
  cam: CameraConfig,
  file: { sourceId: string; uri: string; startTimeMs: number; fps?: number; probe?: ProbedSource },
): ExtractJob {
  const fps = file.fps ?? cam.fps ?? config.extract.fps;
  const steps = config.tracking.enabled ? motionSteps(fps, config.tracking.motionFps) : 0;
  return {
    sourceId: file.sourceId,
    cameraId: cam.id,
    uri: file.uri,
    startTimeMs: file.startTimeMs,
    fps,
    segmentMs: Math.round(config.extract.segmentSeconds * 1000),
    ...(steps ? { motionSteps: steps } : {}),
    ...(cam.roi ? { roi: cam.roi } : {}),
    ...(cam.motionGate ? { motionGate: cam.motionGate } : {}),
    ...(cam.scene ? { scene: cam.scene } : {}),
    ...(cam.plates ? { plates: cam.plates } : {}),
    ...(file.probe ? { probe: file.probe } : {}),
  };
}
