import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TwoWheelersByRelativeWidth } from '../../pipeline/track/two-wheelers-by-relative-width.ts';
import { isNarrow, SPLIT_LIMITS, splitWidths, type WidthSample } from '../../pipeline/track/width-split.ts';
import type { Detection } from '../../schemas/detection.ts';

// A street seen from a pole, horizon at row 60 of a 720-row picture: a car's box is 0.5 px wide per
// row below the horizon and 1.5 times as wide as tall, a motorbike's 0.17 px per row and upright.
// Widths wobble by up to ±10 % (a fixed pseudo-random pattern, so the test is the same every run).
const wobble = (i: number) => 1 + 0.1 * Math.sin(i * 12.9898);
function street(cars: number, bikes: number, carWidthPerRow = 0.5, carAspect = 1.5): WidthSample[] {
  const out: WidthSample[] = [];
  for (let i = 0; i < cars + bikes; i++) {
    const y = 150 + ((i * 37) % 560);
    const car = i < cars;
    const w = (car ? carWidthPerRow : 0.17) * (y - 60) * wobble(i);
    out.push([y, w, car ? w / carAspect : w / 0.8]);
  }
  return out;
}

describe('splitting vehicle boxes by width, allowing for distance', () => {
  it('finds the motorbikes of a mixed street at every distance, and the horizon', () => {
    const split = splitWidths(street(60, 60), 720);
    expect(split).not.toBeNull();
    if (!split) return;
    expect(Math.abs(split.horizonY - 60)).toBeLessThan(40);
    expect(split.ratio).toBeGreaterThan(2.5);
    for (const y of [200, 400, 700]) {
      expect(isNarrow(split, y, 0.17 * (y - 60))).toBe(true);
      expect(isNarrow(split, y, 0.5 * (y - 60))).toBe(false);
    }
  });

  it('gives no split for cars and vans alone, nor for cars and side-on buses', () => {
    // Vans 1.4 times as wide as cars.
    const vans = street(80, 0).map(([y, w, h], i) => (i % 3 ? [y, w, h] : [y, w * 1.4, h]) as WidthSample);
    expect(splitWidths(vans, 720)).toBeNull();
    // Side on, a car is 2.7 times as wide as tall and a bus 2.7 times as wide as a car: the narrow
    // group is not upright, so it is not two-wheelers.
    const buses = street(80, 0, 0.5, 2.7).map(
      ([y, w, h], i) => (i % 4 ? [y, w, h] : [y, w * 2.7, h * 2]) as WidthSample,
    );
    expect(splitWidths(buses, 720)).toBeNull();
  });

  it('waits for enough boxes', () => {
    expect(splitWidths(street(20, 20), 720)).not.toBeNull();
    expect(splitWidths(street(20, 20).slice(0, SPLIT_LIMITS.minSamples - 1), 720)).toBeNull();
  });
});

// Real boxes: YOLOX-Nano on the night motorbike clip (it calls nearly every motorbike `car`) and on
// the window clip's cars and vans (fixture's `about` says how they were taken).
const fixture = JSON.parse(
  readFileSync(new URL('./vehicle-widths.fixture.json', import.meta.url), 'utf8'),
) as {
  night: Array<[number, Detection['cls'], number, number, number, number, number, 0 | 1 | null]>;
  window: Array<[number, Detection['cls'], number, number, number, number, number]>;
};
function framesOf<T extends unknown[]>(rows: T[]): Map<number, T[]> {
  const frames = new Map<number, T[]>();
  for (const r of rows) frames.set(r[0] as number, [...(frames.get(r[0] as number) ?? []), r]);
  return frames;
}
const detection = (r: unknown[]): Detection => ({
  cls: r[1] as Detection['cls'],
  score: r[2] as number,
  box: { x: r[3] as number, y: r[4] as number, w: r[5] as number, h: r[6] as number },
});

describe('TwoWheelersByRelativeWidth on real detections', () => {
  it('gives the night motorbikes back as motorcycles once it has learnt, and leaves the cars', () => {
    const widths = new TwoWheelersByRelativeWidth({ frame: { width: 596, height: 308 } });
    const tally = { bikes: 0, bikesFound: 0, cars: 0, carsTaken: 0 };
    for (const rows of framesOf(fixture.night).values()) {
      const out = widths.relabel(rows.map(detection));
      if (!widths.split) continue;
      rows.forEach((r, i) => {
        if (r[7] === null || !['car', 'truck', 'bus'].includes(r[1])) return;
        const relabelled = out[i]?.cls === 'motorcycle';
        if (r[7] === 1) {
          tally.bikes++;
          if (relabelled) tally.bikesFound++;
        } else {
          tally.cars++;
          if (relabelled) tally.carsTaken++;
        }
      });
    }
    expect(tally.bikes).toBeGreaterThan(30);
    expect(tally.bikesFound / tally.bikes).toBeGreaterThan(0.85);
    expect(tally.carsTaken / tally.cars).toBeLessThan(0.05);
  });

  it('relabels nothing on a street of cars and vans', () => {
    const widths = new TwoWheelersByRelativeWidth();
    for (const rows of framesOf(fixture.window).values()) {
      const input = rows.map(detection);
      expect(widths.relabel(input).map((d) => d.cls)).toEqual(input.map((d) => d.cls));
    }
    expect(widths.split).toBeNull();
  });

  it('carries on from a snapshot exactly as without the break, and starts afresh from a bad one', () => {
    const frames = [...framesOf(fixture.night).values()].map((rows) => rows.map(detection));
    const whole = new TwoWheelersByRelativeWidth();
    const first = new TwoWheelersByRelativeWidth();
    for (const f of frames.slice(0, 10)) {
      whole.relabel(f);
      first.relabel(f);
    }
    const resumed = TwoWheelersByRelativeWidth.restore(JSON.parse(JSON.stringify(first.snapshot())));
    for (const f of frames.slice(10)) expect(resumed.relabel(f)).toEqual(whole.relabel(f));
    const bad = TwoWheelersByRelativeWidth.restore({ samples: 'x' } as never);
    expect(bad.snapshot().samples).toEqual([]);
  });

  it('learnAhead: a camera first seconds get the split those seconds show, learnt once', () => {
    // The night clip's first 10 s at 2 fps: one segment, as the track stage gets it.
    const rows = [...framesOf(fixture.night).entries()].filter(([frame]) => frame < 200).map(([, r]) => r);
    const segment = rows.map((r) => r.map(detection));
    const bikesFoundIn = (out: Detection[][], upTo: number) => {
      let found = 0;
      let bikes = 0;
      for (const [f, r] of rows.slice(0, upTo).entries()) {
        for (const [i, row] of r.entries()) {
          if (row[7] !== 1 || !['car', 'truck', 'bus'].includes(row[1])) continue;
          bikes++;
          if (out[f][i]?.cls === 'motorcycle') found++;
        }
      }
      return { found, bikes };
    };
    const inOrder = new TwoWheelersByRelativeWidth({ frame: { width: 596, height: 308 } });
    const plain = segment.map((f) => inOrder.relabel(f));
    const ahead = new TwoWheelersByRelativeWidth({ frame: { width: 596, height: 308 } });
    ahead.learnAhead(segment);
    const looked = segment.map((f) => ahead.relabel(f));
    // The first three seconds: learning as they come, no split yet; looked ahead, the bikes found.
    const first = { plain: bikesFoundIn(plain, 6), looked: bikesFoundIn(looked, 6) };
    expect(first.plain.bikes).toBe(6);
    expect(first.plain.found).toBe(0);
    expect(first.looked.found).toBe(6);
    // Each box learnt once: the same samples as learning in order, and nothing left to skip.
    expect(ahead.snapshot().samples).toEqual(inOrder.snapshot().samples);
    expect(ahead.split).toEqual(inOrder.split);
    expect(ahead.snapshot().ahead).toBe(0);
    // With a split, looking ahead changes nothing.
    const before = ahead.snapshot();
    ahead.learnAhead(segment);
    expect(ahead.snapshot()).toEqual(before);
  });

  it('leaves boxes cut by the left or right edge as the detector named them', () => {
    const widths = new TwoWheelersByRelativeWidth({ frame: { width: 596, height: 308 } });
    for (const rows of framesOf(fixture.night).values()) widths.relabel(rows.map(detection));
    expect(widths.split).not.toBeNull();
    const narrowCar = (x: number): Detection => ({
      cls: 'car',
      score: 0.8,
      box: { x, y: 200, w: 22, h: 24 },
    });
    const [inside, atLeft, atRight] = widths.relabel([narrowCar(300), narrowCar(0), narrowCar(574)]);
    expect([inside?.cls, atLeft?.cls, atRight?.cls]).toEqual(['motorcycle', 'car', 'car']);
  });

  it('learns from a vehicle standing still once, not in every frame', () => {
    const widths = new TwoWheelersByRelativeWidth({ frame: { width: 640, height: 360 } });
    const parked = (dx: number): Detection[] => [
      { cls: 'car', score: 0.9, box: { x: 100 + dx, y: 200, w: 80, h: 50 } },
      { cls: 'car', score: 0.9, box: { x: 300, y: 150, w: 50, h: 30 } },
    ];
    for (let i = 0; i < 50; i++) widths.relabel(parked(i % 2));
    expect(widths.snapshot().samples).toHaveLength(2);
    widths.relabel(parked(40)); // the first one drives off
    expect(widths.snapshot().samples).toHaveLength(3);
  });

  it('refuses options out of range', () => {
    expect(() => new TwoWheelersByRelativeWidth({ maxSamples: 10 })).toThrow(/maxSamples/);
    expect(() => new TwoWheelersByRelativeWidth({ minScore: 2 })).toThrow(/minScore/);
  });
});
