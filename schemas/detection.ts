import type { ProductClass } from './classes.ts';

/** An axis-aligned box in source-frame pixels: top-left corner and size. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One object found in one frame. */
export interface Detection {
  cls: ProductClass;
  /** Detector confidence in [0, 1]. */
  score: number;
  /** In the pixels of the original source frame (not the detector input). */
  box: Box;
  /** Set by the tracker when one runs; absent before. */
  trackId?: number;
  /**
   * Measured image motion since the previous analysed frame, when the decoder's in-between frames
   * were looked at (pipeline/motion/): dtMs earlier, the box's centre was (dx, dy) back and its size
   * `scale` times what it is now (absent: the same size). Source pixels.
   * `cut`: the box reaches the lower edge of the motion step's small grey frames, so the tracker
   * traces no ground position from it (its bottom is the edge's).
   */
  motion?: { dx: number; dy: number; dtMs: number; scale?: number; cut?: boolean };
  /**
   * The box reaches the analysed picture's lower edge: its bottom is the edge's, not where the
   * object touches the ground, so it says nothing of the object's ground position (set by the
   * detect stage).
   */
  cut?: boolean;
}
