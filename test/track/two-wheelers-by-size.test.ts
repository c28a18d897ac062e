import { describe, expect, it } from 'vitest';
import { TwoWheelersBySize } from '../../pipeline/track/two-wheelers-by-size.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { SceneCalibration } from '../../schemas/scene.ts';

// A camera looking straight down: 100 px per metre, the ground 10 m × 10 m in the picture's
// 1000 × 1000 px.
const TOP_DOWN: SceneCalibration = {
  image: [
    [0, 0],
    [1000, 0],
    [1000, 1000],
    [0, 1000],
  ],
  world: [
    [0, 0],
    [10, 0],
    [10, 10],
    [0, 10],
  ],
};

// A perspective view of a 7 m carriageway: the kerbs converge towards a vanishing point at y = 95.
// Row 224 spans the 7 m in 248 px, row 150 in 107 px, so a 0.8 m motorbike is 28 px wide at the
// bottom row and 12 px near the top; a 1.8 m car 64 px and 28 px.
const PERSPECTIVE: SceneCalibration = {
  image: [
    [150, 224],
    [398, 224],
    [269, 150],
    [161.5, 150],
  ],
  world: [
    [0, 0],
    [7, 0],
    [7, 42],
    [0, 42],
  ],
};

const box = (cls: Detection['cls'], x: number, bottom: number, w: number, h = w): Detection => ({
  cls,
  score: 0.7,
  box: { x, y: bottom - h, w, h },
});

describe('TwoWheelersBySize', () => {
  it('measures the bottom edge on the ground and relabels cars narrower than 1.3 m', () => {
    const sizes = new TwoWheelersBySize(TOP_DOWN);
    expect(sizes.groundWidth(box('car', 300, 500, 80))).toBeCloseTo(0.8, 6);
    const out = sizes.relabel([
      box('car', 300, 500, 80),
      box('car', 500, 500, 180),
      box('car', 700, 500, 129),
    ]);
    expect(out.map((d) => d.cls)).toEqual(['motorcycle', 'car', 'motorcycle']);
  });

  it('relabels narrow trucks too, and keeps the order, the scores and every other class as given', () => {
    const given = [
      box('person', 100, 400, 40),
      box('bicycle', 200, 400, 50),
      box('car', 400, 400, 60),
      box('truck', 600, 400, 90), // a motorbike loaded with goods
      box('bus', 800, 600, 190),
    ];
    const out = new TwoWheelersBySize(TOP_DOWN).relabel(given);
    expect(out[0]).toBe(given[0]);
    expect(out[1]).toBe(given[1]);
    expect(out[2]).toEqual({ ...given[2], cls: 'motorcycle' });
    expect(out[3]).toEqual({ ...given[3], cls: 'motorcycle' });
    expect(out[4]).toBe(given[4]);
    expect(given[2].cls).toBe('car'); // the input is not changed
  });

  it('tells a motorbike from a car by where it stands, not by its size in pixels', () => {
    const sizes = new TwoWheelersBySize(PERSPECTIVE);
    // Both 28 px wide: a motorbike near the camera, a car far off.
    const near = box('car', 250, 224, 28);
    const far = box('car', 200, 150, 28);
    expect(sizes.groundWidth(near)).toBeCloseTo(0.79, 1);
    expect(sizes.groundWidth(far)).toBeCloseTo(1.83, 1);
    expect(sizes.relabel([near, far]).map((d) => d.cls)).toEqual(['motorcycle', 'car']);
  });

  it('leaves boxes cut by the left or right edge, and boxes far off the calibrated ground, alone', () => {
    const sizes = new TwoWheelersBySize(TOP_DOWN, { frame: { width: 1000, height: 1000 } });
    expect(sizes.groundWidth(box('car', 0, 500, 60))).toBeNull();
    expect(sizes.groundWidth(box('car', 940, 500, 60))).toBeNull();
    // Without the frame the right edge is unknown and the box is measured.
    expect(new TwoWheelersBySize(TOP_DOWN).groundWidth(box('car', 940, 500, 60))).toBeCloseTo(0.6, 6);
    // Beyond the vanishing row, and far beyond the calibrated area.
    const view = new TwoWheelersBySize(PERSPECTIVE);
    expect(view.groundWidth(box('car', 200, 90, 10))).toBeNull();
    expect(view.groundWidth(box('car', 160, 97, 3))).toBeNull();
    expect(view.relabel([box('car', 160, 97, 3)])[0].cls).toBe('car');
  });

  it('validates its options', () => {
    expect(() => new TwoWheelersBySize(TOP_DOWN, { maxWidthM: 0 })).toThrow(/maxWidthM/);
    expect(() => new TwoWheelersBySize(TOP_DOWN, { maxWidthM: Number.NaN })).toThrow(/maxWidthM/);
    expect(() => new TwoWheelersBySize(TOP_DOWN, { trustMargin: -1 })).toThrow(/trustMargin/);
    const folded: SceneCalibration = {
      ...TOP_DOWN,
      image: [TOP_DOWN.image[0], TOP_DOWN.image[0], TOP_DOWN.image[2], TOP_DOWN.image[3]],
    };
    expect(() => new TwoWheelersBySize(folded)).toThrow();
  });
});
