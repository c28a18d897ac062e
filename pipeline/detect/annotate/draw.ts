import type { ProductClass } from '../../../schemas/classes.ts';
import type { Detection } from '../../../schemas/detection.ts';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font5x7.ts';

/** A tightly packed RGB24 image (width * height * 3 bytes, row after row), drawn on in place. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export type Rgb = readonly [r: number, g: number, b: number];

/** One colour per product class, picked to stay distinct from each other and from street scenes. */
export const CLASS_COLOURS: Record<ProductClass, Rgb> = {
  car: [0, 200, 255],
  truck: [255, 140, 0],
  bus: [255, 220, 0],
  motorcycle: [220, 60, 255],
  bicycle: [0, 255, 120],
  person: [255, 40, 80],
};

/**
 * Fills a rectangle (clipped to the image). The first row is written pixel by pixel, the others are
 * copies of it (`copyWithin`), so a large fill costs a few memcpy calls, not a loop per pixel.
 */
export function fillRect(img: RgbImage, x: number, y: number, w: number, h: number, colour: Rgb): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w));
  const y1 = Math.min(img.height, Math.round(y + h));
  if (x1 <= x0 || y1 <= y0) return;
  const d = img.data;
  const stride = img.width * 3;
  const start = y0 * stride + x0 * 3;
  const end = start + (x1 - x0) * 3;
  for (let i = start; i < end; i += 3) {
    d[i] = colour[0];
    d[i + 1] = colour[1];
    d[i + 2] = colour[2];
  }
  for (let y = y0 + 1; y < y1; y++) d.copyWithin(y * stride + x0 * 3, start, end);
}

/** The outline of a box, `thickness` pixels wide, drawn inside the box's edges. */
export function strokeRect(
  img: RgbImage,
  x: number,
  y: number,
  w: number,
  h: number,
  colour: Rgb,
  thickness = 2,
): void {
  const t = Math.max(1, Math.min(thickness, Math.ceil(w / 2), Math.ceil(h / 2)));
  fillRect(img, x, y, w, t, colour); // top
  fillRect(img, x, y + h - t, w, t, colour); // bottom
  fillRect(img, x, y + t, t, h - 2 * t, colour); // left
  fillRect(img, x + w - t, y + t, t, h - 2 * t, colour); // right
}

/** Size in pixels of a text line drawn at `scale` (each font pixel becomes scale × scale). */
export function textSize(text: string, scale = 1): { width: number; height: number } {
  const n = [...text].length;
  return {
    width: n === 0 ? 0 : ((n - 1) * GLYPH_ADVANCE + GLYPH_WIDTH) * scale,
    height: GLYPH_HEIGHT * scale,
  };
}

/** Draws one line of text with its top-left corner at (x, y), clipped to the image. Returns its width. */
export function drawText(img: RgbImage, x: number, y: number, text: string, colour: Rgb, scale = 1): number {
  const s = Math.max(1, Math.round(scale));
  let cx = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const bits = glyph(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (bits[gy * GLYPH_WIDTH + gx]) fillRect(img, cx + gx * s, top + gy * s, s, s, colour);
      }
    }
    cx += GLYPH_ADVANCE * s;
  }
  return textSize(text, s).width;
}

/** Black or white, whichever reads better on `bg` (ITU-R BT.601 luma). */
export function contrastColour(bg: Rgb): Rgb {
  return 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2] > 140 ? [0, 0, 0] : [255, 255, 255];
}

export interface DrawDetectionsOptions {
  /** Outline width in pixels; default grows with the image (2 px up to 720 lines). */
  thickness?: number;
  /** Label font scale; default ceil(height / 300), so 7 px glyphs become 14 px on a 352-line frame. */
  fontScale?: number;
  /** Label text per detection; default `CAR 0.87`. */
  label?: (d: Detection) => string;
  /** Colour per detection; default by class (CLASS_COLOURS). */
  colour?: (d: Detection) => Rgb;
}

/**
 * Draws detections (boxes in this image's pixels) with a filled label tab above each box (inside the
 * box when there is no room above), the box colour by class. Lower scores are drawn first, so the
 * labels of the most confident boxes stay on top where they overlap.
 */
export function drawDetections(img: RgbImage, detections: Detection[], o: DrawDetectionsOptions = {}): void {
  const thickness = o.thickness ?? Math.max(2, Math.round(img.height / 360));
  const fontScale = o.fontScale ?? Math.max(1, Math.ceil(img.height / 300));
  const label = o.label ?? ((d: Detection) => `${d.cls} ${d.score.toFixed(2)}`);
  const colourOf = o.colour ?? ((d: Detection) => CLASS_COLOURS[d.cls]);
  const sorted = [...detections].sort((a, b) => a.score - b.score);
  for (const d of sorted) strokeRect(img, d.box.x, d.box.y, d.box.w, d.box.h, colourOf(d), thickness);
  const pad = fontScale;
  for (const d of sorted) {
    const text = label(d);
    const colour = colourOf(d);
    const size = textSize(text, fontScale);
    const tabW = size.width + 2 * pad;
    const tabH = size.height + 2 * pad;
    const x = Math.min(Math.max(0, Math.round(d.box.x)), Math.max(0, img.width - tabW));
    const above = Math.round(d.box.y) - tabH;
    const y = above >= 0 ? above : Math.max(0, Math.round(d.box.y));
    fillRect(img, x, y, tabW, tabH, colour);
    drawText(img, x + pad, y + pad, text, contrastColour(colour), fontScale);
  }
}
