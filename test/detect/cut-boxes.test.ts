import { expect, test } from 'vitest';
import { markCut } from '../../pipeline/detect/cut-boxes.ts';
import type { Detection } from '../../schemas/detection.ts';

test('boxes reaching the lower edge (within 1 % of the height) are marked cut, the others not', () => {
  const at = (bottom: number): Detection => ({
    cls: 'car',
    score: 0.9,
    box: { x: 10, y: bottom - 50, w: 80, h: 50 },
  });
  const ds = [at(720), at(714), at(700), at(400)];
  markCut(ds, 720);
  expect(ds.map((d) => d.cut === true)).toEqual([true, true, false, false]);
});
