/**
 * Where ground positions from a calibration can be trusted: the rectangle around the calibration's
 * own ground points, widened by `margin` times its extent on each side. Far outside it (towards the
 * horizon) one pixel is metres, so speeds and widths measured there are noise.
 *
 *        margin·dx   dx   margin·dx
 *      ┌───────────┬────┬───────────┐
 *      │           │cal.│           │  (the same margin·dy above and below)
 *      └───────────┴────┴───────────┘
 *
 * @example
 *   const trusted = new TrustedGround(scene.calibration.world, 2);
 *   if (trusted.contains(homography.toWorld(anchor))) { ... }
 */
export class TrustedGround {
  /** [minX, minY, maxX, maxY], metres. */
  private readonly box: [number, number, number, number];

  constructor(world: ReadonlyArray<readonly [number, number]>, margin: number) {
    if (!world.length) throw new RangeError('TrustedGround: the calibration has no ground points');
    if (!(Number.isFinite(margin) && margin >= 0)) {
      throw new RangeError(`TrustedGround: trustMargin must be a finite number >= 0, got ${margin}`);
    }
    const xs = world.map((p) => p[0]);
    const ys = world.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const [mx, my] = [(x1 - x0) * margin, (y1 - y0) * margin];
    this.box = [x0 - mx, y0 - my, x1 + mx, y1 + my];
  }

  /** Whether a ground point (metres) lies in the trusted rectangle; null (no ground point) does not. */
  contains(p: readonly [number, number] | null): boolean {
    if (!p) return false;
    const [x0, y0, x1, y1] = this.box;
    return p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1;
  }
}
