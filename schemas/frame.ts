/**
 * A decoded, sampled frame as the extractor hands it to a detector.
 *
 * The extractor scales the source so it fits inside the detector's input box while keeping its
 * aspect ratio (no padding: the detector pads when it builds its input tensor, with its own pad value).
 *
 *   source 640x352 ──scale 0.8──▶ frame 512x282 ──detector pads──▶ input 512x512
 *                                                                    ┌────────────┐
 *                                                                    │ frame      │ 282
 *                                                                    ├────────────┤
 *                                                                    │ pad        │ 230
 *                                                                    └────────────┘
 * A box found at (x, y) in the input maps back to the source as (x / scale, y / scale).
 */
export interface RgbFrame {
  /** Tightly packed RGB24, row after row: width * height * 3 bytes, no stride padding. */
  data: Uint8Array;
  width: number;
  height: number;
  /** frame pixels per source pixel (frame.width = round(source.width * scale)). */
  scale: number;
}

/** Where a frame sits in time. */
export interface FrameTime {
  /** Presentation time from the start of the source, milliseconds. */
  ptsMs: number;
  /** Wall-clock time: the source's start time + pts, epoch milliseconds. */
  tsMs: number;
}

/** Facts about a media source learned before decoding it. */
export interface SourceInfo {
  uri: string;
  width: number;
  height: number;
  /** Container duration in ms; null for live sources or when the container does not say. */
  durationMs: number | null;
  /** Nominal frame rate of the video stream, frames per second; null when unknown. */
  fps: number | null;
  /** Container creation time (epoch ms) when its tags carry one. */
  createdAtMs: number | null;
  /** Video codec as GStreamer names it, e.g. "H.264 (High Profile)". */
  codec: string | null;
}
