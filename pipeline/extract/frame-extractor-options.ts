import type { FrameTime, RgbFrame } from '../../schemas/frame.ts';
import type { ProbedSource } from '../../schemas/jobs.ts';
import { ConfigError } from '../errors/config-error.ts';
import { fpsFraction } from './gst-frame-pipeline.ts';
import { locateFile, locateSource, type SourceLocation } from './source-location.ts';

/** Where the frames come from: a local path, or a URI (`file://…`; a plain path is accepted too). */
export type FrameSourceOptions = { path: string; uri?: undefined } | { uri: string; path?: undefined };

export interface FrameSamplingOptions {
  /**
   * Frames per second to sample, e.g. 5 → PTS 0, 200, 400 ms …; fractions allowed (0.5 = one per
   * 2 s). Above the source's own rate frames are repeated, so the grid stays regular.
   */
  fps: number;
  /** The box a frame must fit in, e.g. the detector input 512×512. Frames are never upscaled. */
  maxWidth: number;
  maxHeight: number;
  /** Wall-clock time (epoch ms) of PTS 0: frame tsMs = startTimeMs + ptsMs. */
  startTimeMs: number;
  /**
   * Region of interest in source pixels: only this rectangle is decoded into frames (cropped before
   * scaling, so a small region keeps its detail). A box found in a frame maps back to the source as
   * frame pixels / scale + (crop.x, crop.y).
   */
  crop?: CropRect;
  /** Limit for probing the source. Default 10 s for files, 20 s for URIs. */
  probeTimeoutMs?: number;
  /**
   * The source as probed before (a local file's checks for an empty or index-less file still run);
   * absent: start() probes it.
   */
  probed?: ProbedSource;
  /**
   * A decoder that sends nothing for this long while frames are being pulled has stalled (some
   * damaged files make GStreamer hang rather than fail): it is stopped and the source fails with
   * 'decoder-exit'. Time the consumer spends not pulling (backpressure) does not count. Default 30 s.
   */
  stallTimeoutMs?: number;
  /**
   * How far the last frame's PTS may fall short of the container's duration before the source is
   * reported truncated. Default max(1000 ms, 2 sampling intervals).
   */
  truncationToleranceMs?: number;
}

export type FrameExtractorOptions = FrameSourceOptions & FrameSamplingOptions;

export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One sampled frame. `index` counts delivered frames from 0. */
export interface ExtractedFrame {
  frame: RgbFrame;
  time: FrameTime;
  index: number;
  /**
   * Gives `frame`'s bytes back to the decoder for a later frame: call it when the frame is dropped
   * and nothing refers to it (a motion frame once its grey copy is made; see BufferPool).
   */
  release?: () => void;
}

/** Size of the delivered frames and their scale relative to the source's pixels. */
export interface FrameGeometry {
  width: number;
  height: number;
  scale: number;
}

/**
 * Checks a FrameExtractor's options before anything starts; a ConfigError names the first bad key.
 * Returns where the frames come from, the sampling rate as a fraction, and the sampling options.
 */
export function validateExtractorOptions(options: FrameExtractorOptions): {
  loc: SourceLocation;
  fps: { num: number; den: number };
  sampling: FrameSamplingOptions;
} {
  let loc: SourceLocation;
  const bad = (key: string, detail: string) => new ConfigError('FrameExtractor', key, detail);
  if (options === null || typeof options !== 'object') throw bad('', 'options object required');
  const { path, uri } = options as { path?: unknown; uri?: unknown };
  if ((path === undefined) === (uri === undefined)) throw bad('path', 'give exactly one of path or uri');
  try {
    loc = path !== undefined ? locateFile(path as string) : locateSource(uri as string);
  } catch (e) {
    throw bad(path !== undefined ? 'path' : 'uri', (e as Error).message);
  }
  const { path: _path, uri: _uri, ...sampling } = options;
  const {
    fps,
    maxWidth,
    maxHeight,
    startTimeMs,
    probeTimeoutMs,
    truncationToleranceMs,
    crop,
    stallTimeoutMs,
  } = sampling;
  if (stallTimeoutMs !== undefined && !(typeof stallTimeoutMs === 'number' && stallTimeoutMs > 0)) {
    throw bad('stallTimeoutMs', `must be a number > 0, got ${String(stallTimeoutMs)}`);
  }
  if (crop !== undefined) {
    const ok = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;
    if (!(ok(crop.x, 0) && ok(crop.y, 0) && ok(crop.width, 16) && ok(crop.height, 16))) {
      throw bad(
        'crop',
        `x, y must be integers >= 0 and width, height integers >= 16, got ${JSON.stringify(crop)}`,
      );
    }
  }
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > 1000) {
    throw bad('fps', `must be a number in (0, 1000], got ${String(fps)}`);
  }
  const frac = fpsFraction(fps);
  if (!frac) throw bad('fps', `${fps} is not a fraction with a denominator up to 1001`);
  for (const [key, v] of [
    ['maxWidth', maxWidth],
    ['maxHeight', maxHeight],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 16384)
      throw bad(key, `must be an integer in [1, 16384], got ${String(v)}`);
  }
  if (typeof startTimeMs !== 'number' || !Number.isFinite(startTimeMs)) {
    throw bad('startTimeMs', `must be a finite number (epoch ms), got ${String(startTimeMs)}`);
  }
  const probed = sampling.probed;
  if (probed !== undefined && !(isSize(probed?.width) && isSize(probed?.height))) {
    throw bad('probed', `width and height must be integers ≥ 1, got ${probed?.width}x${probed?.height}`);
  }
  // A frame at source size (plates keep those) must stay within memory: 8192 × 8192 at the most.
  if (probed !== undefined && probed.width * probed.height > 8192 * 8192) {
    throw bad(
      'probed',
      `${probed.width}x${probed.height} is larger than any camera (8192 x 8192 at the most)`,
    );
  }
  if (probeTimeoutMs !== undefined && !(typeof probeTimeoutMs === 'number' && probeTimeoutMs > 0)) {
    throw bad('probeTimeoutMs', `must be a number > 0, got ${String(probeTimeoutMs)}`);
  }
  if (
    truncationToleranceMs !== undefined &&
    !(typeof truncationToleranceMs === 'number' && truncationToleranceMs >= 0)
  ) {
    throw bad('truncationToleranceMs', `must be a number >= 0, got ${String(truncationToleranceMs)}`);
  }
  return { loc, fps: frac, sampling };
}

function isSize(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 1;
}
