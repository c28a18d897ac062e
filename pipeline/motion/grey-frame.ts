import type { RgbFrame } from '../../schemas/frame.ts';

/** A small greyscale picture for motion estimation: one byte per pixel, row after row. */
export interface GreyFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Halves an RGB frame in each direction and turns it grey: each output pixel is the mean luma of a
 * 2×2 block (BT.601 weights, in integers). Averaging the block also takes out most of the sensor
 * noise that would otherwise dominate block matching on dark night frames.
 *
 *   RGB 416×234 (292 KB) ──▶ grey 208×117 (24 KB)
 *
 * @example
 *   const g = greyHalf(frame); // g.width === Math.floor(frame.width / 2)
 */
export function greyHalf(frame: RgbFrame): GreyFrame {
  const width = Math.max(1, frame.width >> 1);
  const height = Math.max(1, frame.height >> 1);
  const src = frame.data;
  const stride = frame.width * 3;
  const out = new Uint8Array(width * height);
  const small = frame.width < 2 || frame.height < 2;
  for (let y = 0; y < height; y++) {
    const r0 = 2 * y * stride;
    const r1 = small ? r0 : r0 + stride;
    for (let x = 0; x < width; x++) {
      const a = r0 + 6 * x;
      const b = small ? a : a + 3;
      const c = r1 + 6 * x;
      const d = small ? c : c + 3;
      // 77 R + 150 G + 29 B over 256 = BT.601 luma; four pixels, so divide by 1024.
      const sum =
        77 * (src[a] + src[b] + src[c] + src[d]) +
        150 * (src[a + 1] + src[b + 1] + src[c + 1] + src[d + 1]) +
        29 * (src[a + 2] + src[b + 2] + src[c + 2] + src[d + 2]);
      out[y * width + x] = sum >> 10;
    }
  }
  return { data: out, width, height };
}

/**
 * Largest grey difference at which a pixel is unchanged between two pictures: a frame the camera or
 * its recorder repeated decodes within a few levels of the first (re-encoding noise, up to 7 on the
 * bundled night clip's stalls), while where something moved it differs by more (12 to 50 where one
 * small far object moved on a still street).
 */
export const SAME_PICTURE_MAX_DIFF = 8;

/**
 * The share of pixels that changed from `a` to `b` by more than SAME_PICTURE_MAX_DIFF: 0 for the
 * same picture (a repeated frame, or a street where nothing moved), 0.01–0.2 where traffic moves
 * (a 10 fps decoder, the bundled clips); 1 for pictures of different sizes.
 *
 * @example
 *   changedShare(greyHalf(previous), greyHalf(frame)); // 0: nothing moved, or the stream repeated itself
 */
export function changedShare(a: GreyFrame, b: GreyFrame): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  const x = a.data;
  const y = b.data;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    if (d > SAME_PICTURE_MAX_DIFF || d < -SAME_PICTURE_MAX_DIFF) n++;
  }
  return x.length ? n / x.length : 0;
}
