import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../pipeline/errors/config-error.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { SAMPLE } from '../helpers/cli.ts';

async function firstFrame(opts: Partial<ConstructorParameters<typeof FrameExtractor>[0]>) {
  const x = new FrameExtractor({
    uri: SAMPLE,
    fps: 1,
    maxWidth: 640,
    maxHeight: 640,
    startTimeMs: 0,
    ...opts,
  } as never);
  for await (const f of x) {
    await x.close();
    return f.frame;
  }
  throw new Error('no frame');
}

describe('FrameExtractor crop (region of interest)', () => {
  test('delivers exactly the region, at full detail when it fits', async () => {
    const crop = { x: 200, y: 100, width: 240, height: 160 };
    const [full, part] = await Promise.all([firstFrame({}), firstFrame({ crop })]);
    expect([part.width, part.height, part.scale]).toEqual([240, 160, 1]);
    // Same pixels as that rectangle of the uncropped frame (640x352 at scale 1), within decoder rounding.
    let maxDiff = 0;
    for (let y = 0; y < crop.height; y += 7) {
      for (let x = 0; x < crop.width; x += 7) {
        for (let c = 0; c < 3; c++) {
          const a = part.data[(y * crop.width + x) * 3 + c];
          const b = full.data[((y + crop.y) * 640 + x + crop.x) * 3 + c];
          maxDiff = Math.max(maxDiff, Math.abs(a - b));
        }
      }
    }
    expect(maxDiff).toBeLessThanOrEqual(4);
  });

  test('a region larger than the box is scaled to fit, keeping its aspect', async () => {
    const f = await firstFrame({
      crop: { x: 0, y: 52, width: 640, height: 300 },
      maxWidth: 320,
      maxHeight: 320,
    });
    expect([f.width, f.height, f.scale]).toEqual([320, 150, 0.5]);
  });

  test('a region outside the source is a ConfigError naming crop and the sizes', async () => {
    await expect(firstFrame({ crop: { x: 600, y: 0, width: 100, height: 100 } })).rejects.toThrow(
      ConfigError,
    );
    await expect(firstFrame({ crop: { x: 600, y: 0, width: 100, height: 100 } })).rejects.toThrow(
      /crop.*640x352/,
    );
    expect(
      () =>
        new FrameExtractor({
          uri: SAMPLE,
          fps: 1,
          maxWidth: 64,
          maxHeight: 64,
          startTimeMs: 0,
          crop: { x: -1, y: 0, width: 20, height: 20 },
        }),
    ).toThrow(/crop/);
  });
});
