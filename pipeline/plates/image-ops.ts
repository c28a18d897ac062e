import type { Box } from '../../schemas/detection.ts';
import type { RgbPicture } from '../extract/image-source.ts';

/**
 * Samples `box` of `pic` into an outW × outH RGB24 buffer with bilinear interpolation (no aspect kept:
 * the plate reader was trained on plain resizes). Parts of the box outside the picture repeat the
 * edge pixels, so a box enlarged past the border still gives a full crop.
 *
 * @example
 *   const crop = cropResize(picture, { x: 396, y: 340, w: 203, h: 46 }, 128, 64); // 128*64*3 bytes
 */
export function cropResize(
  pic: RgbPicture,
  box: Box,
  outW: number,
  outH: number,
  out?: Uint8Array,
): Uint8Array {
  const dst = out ?? new Uint8Array(outW * outH * 3);
  const sx = box.w / outW;
  const sy = box.h / outH;
  const { data, width, height } = pic;
  for (let y = 0; y < outH; y++) {
    const fy = clamp(box.y + (y + 0.5) * sy - 0.5, 0, height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = clamp(box.x + (x + 0.5) * sx - 0.5, 0, width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const wx = fx - x0;
      const a = (y0 * width + x0) * 3;
      const b = (y0 * width + x1) * 3;
      const c = (y1 * width + x0) * 3;
      const d = (y1 * width + x1) * 3;
      const o = (y * outW + x) * 3;
      for (let k = 0; k < 3; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * wx;
        const bottom = data[c + k] + (data[d + k] - data[c + k]) * wx;
        dst[o + k] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return dst;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
