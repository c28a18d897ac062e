import { describe, expect, test } from 'vitest';
import { cropResize } from '../../pipeline/plates/image-ops.ts';
import { plateCandidates } from '../../pipeline/plates/plate-candidates.ts';
import { PlateFinder } from '../../pipeline/plates/plate-finder.ts';
import { decodeSlots, PLATE_ALPHABET } from '../../pipeline/plates/plate-reader.ts';
import { textBoxesFromMap } from '../../pipeline/plates/text-map.ts';

describe('plate candidates from text lines', () => {
  const noGrow = { growWidth: 0, growHeight: 0 };

  test('two stacked lines of similar width become one two-line candidate', () => {
    const top = { x: 100, y: 100, w: 60, h: 25 };
    const bottom = { x: 95, y: 130, w: 72, h: 26 };
    const c = plateCandidates([top, bottom], noGrow);
    expect(c).toContainEqual({ box: { x: 95, y: 100, w: 72, h: 56 }, layout: 'two-line' });
    // Each line alone is plate-shaped too and stays a candidate; the reader decides.
    expect(c.filter((k) => k.layout === 'one-line')).toHaveLength(2);
  });

  test('a line split at its dash is joined again, and the joined line stacks over the second', () => {
    const c = plateCandidates(
      [
        { x: 100, y: 100, w: 30, h: 24 }, // 59
        { x: 138, y: 101, w: 32, h: 24 }, // X1
        { x: 95, y: 130, w: 80, h: 25 }, // 234.56
      ],
      noGrow,
    );
    expect(c).toContainEqual({ box: { x: 100, y: 100, w: 70, h: 25 }, layout: 'one-line' });
    expect(c).toContainEqual({ box: { x: 95, y: 100, w: 80, h: 55 }, layout: 'two-line' });
  });

  test('lines side by side, far apart or of very different widths are not merged', () => {
    const a = { x: 0, y: 0, w: 60, h: 20 };
    expect(plateCandidates([a, { x: 200, y: 0, w: 60, h: 20 }], noGrow)).toHaveLength(2);
    expect(plateCandidates([a, { x: 0, y: 80, w: 60, h: 20 }], noGrow)).toHaveLength(2);
    expect(
      plateCandidates([a, { x: 0, y: 22, w: 200, h: 20 }], noGrow).some((c) => c.layout === 'two-line'),
    ).toBe(false);
  });

  test('not plate-shaped lines are dropped; candidates grow before reading', () => {
    expect(plateCandidates([{ x: 0, y: 0, w: 400, h: 20 }], noGrow)).toEqual([]);
    const [c] = plateCandidates([{ x: 100, y: 100, w: 100, h: 20 }], { growWidth: 0.2, growHeight: 0.5 });
    expect(c.box).toEqual({ x: 90, y: 95, w: 120, h: 30 });
  });
});

describe('text boxes from a DB probability map', () => {
  test('regions above threshold become boxes grown by the unclip distance; faint and thin ones are dropped', () => {
    const w = 100;
    const h = 60;
    const map = new Float32Array(w * h);
    const fill = (x0: number, y0: number, bw: number, bh: number, p: number) => {
      for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) map[y * w + x] = p;
    };
    fill(10, 10, 30, 10, 0.9); // a text line
    fill(60, 40, 20, 8, 0.45); // above threshold, but faint on average
    fill(60, 10, 30, 2, 0.9); // too thin
    const boxes = textBoxesFromMap(map, w, h);
    expect(boxes).toHaveLength(1);
    const d = (30 * 10 * 1.5) / (2 * 40);
    expect(boxes[0].x).toBeCloseTo(10 - d);
    expect(boxes[0].w).toBeCloseTo(30 + 2 * d);
    expect(boxes[0].h).toBeCloseTo(10 + 2 * d);
  });
});

describe('reader output decoding and crops', () => {
  test('the best character per slot, padding dropped, confidence over all slots', () => {
    const n = PLATE_ALPHABET.length;
    const plate = new Float32Array(10 * n);
    const want = 'AB12_____';
    for (let s = 0; s < 10; s++) {
      const ch = want[s] ?? '_';
      plate[s * n + PLATE_ALPHABET.indexOf(ch)] = s === 0 ? 0.6 : 1;
    }
    const r = decodeSlots(plate, null, 0);
    expect(r.text).toBe('AB12');
    expect(r.charConfidence).toEqual([expect.closeTo(0.6), 1, 1, 1]);
    expect(r.confidence).toBeCloseTo(0.96);
    expect(r.region).toBe('Unknown');
  });

  test('cropResize samples the box, repeating edge pixels outside the picture', () => {
    // 4x2 picture: left half red, right half blue.
    const data = new Uint8Array(4 * 2 * 3);
    for (let i = 0; i < 8; i++) data.set(i % 4 < 2 ? [255, 0, 0] : [0, 0, 255], i * 3);
    const pic = { data, width: 4, height: 2 };
    const left = cropResize(pic, { x: -2, y: 0, w: 3, h: 2 }, 3, 2);
    expect([...left.subarray(0, 3)]).toEqual([255, 0, 0]);
    const right = cropResize(pic, { x: 2, y: 0, w: 2, h: 2 }, 2, 1);
    expect([...right]).toEqual([0, 0, 255, 0, 0, 255]);
  });
});

describe('which reads are plates', () => {
  const finder = new PlateFinder({ locate: async () => [] }, { read: async () => [] });
  const read = (text: string, p = 0.95) => ({
    text,
    charConfidence: [...text].map(() => p),
    confidence: p,
    region: 'Vietnam',
    regionConfidence: 0.9,
  });
  const box = { x: 0, y: 0, w: 100, h: 30 };

  test('a plate needs 5 characters, a digit, a letter and confident characters', () => {
    expect(finder.accept(read('51F12345'), 'one-line', box)?.display).toBe('51F-123.45');
    expect(finder.accept(read('23456'), 'one-line', box)).toBeNull(); // a two-line plate's lower line
    expect(finder.accept(read('CITROEN'), 'one-line', box)).toBeNull(); // a badge
    expect(finder.accept(read('51F1'), 'one-line', box)).toBeNull();
    expect(finder.accept(read('51F12345', 0.7), 'one-line', box)).toBeNull();
    const unsure = { ...read('51F12345'), charConfidence: [0.99, 0.99, 0.3, 0.99, 0.99, 0.99, 0.99, 0.99] };
    expect(finder.accept(unsure, 'one-line', box)).toBeNull();
  });
});
