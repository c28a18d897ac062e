/**
 * Both real models on a real photo: the street scene with a double-decker bus that Debian's
 * opencv-doc package ships (London, a bus, a white car on the left, a taxi on the right, pedestrians).
 * `npm test` installs opencv-doc (infra/setup.sh --test); without it these tests skip, saying so.
 *
 * Boxes annotated by hand on the 546x413 photo, in its pixels.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Detector } from '../../pipeline/detect/detector.ts';
import { BUILTIN_MODELS, createDetector } from '../../pipeline/detect/detector-spec.ts';
import { verifiedModels } from '../../pipeline/detect/verified-models.ts';
import { decodeImage } from '../../pipeline/extract/image-source.ts';
import { iou } from '../../pipeline/geometry/box-iou.ts';
import type { Box, Detection } from '../../schemas/detection.ts';
import type { ModelSpec } from '../../schemas/model.ts';
import { ROOT } from '../helpers/cli.ts';

const PHOTO = '/usr/share/doc/opencv-doc/opencv4/html/pexels_double_decker_bus.jpg';
const YOLOX = join(ROOT, '../shared/models/yolox_nano.onnx');

const BUS: Box = { x: 70, y: 118, w: 415, h: 272 };
const WHITE_CAR_LEFT: Box = { x: 4, y: 284, w: 60, h: 46 };
const TAXI_RIGHT: Box = { x: 458, y: 286, w: 88, h: 104 };

const best = (found: Detection[], cls: string, box: Box) =>
  Math.max(0, ...found.filter((d) => d.cls === cls).map((d) => iou(d.box, box)));

const YOLOX_SPEC: ModelSpec = verifiedModels.yoloxNano(YOLOX);

const models: Array<[string, ModelSpec, string | null]> = [
  ['centernet', BUILTIN_MODELS.centernet, null],
  ['yolox-nano', YOLOX_SPEC, existsSync(YOLOX) ? null : '../shared/models/yolox_nano.onnx is absent'],
];

const open: Detector[] = [];
afterAll(async () => {
  for (const d of open) await d.close();
});

describe.skipIf(!existsSync(PHOTO))(
  `real photo (skipped: ${PHOTO} is absent; apt-get install opencv-doc)`,
  () => {
    for (const [name, spec, skip] of models) {
      test.skipIf(skip !== null)(
        `${name}: the bus, the white car and the taxi${skip ? ` (skipped: ${skip})` : ''}`,
        async () => {
          const detector = await createDetector({ name, spec, threads: 1 });
          open.push(detector);
          const image = await decodeImage(PHOTO, {
            maxWidth: detector.inputWidth,
            maxHeight: detector.inputHeight,
          });
          expect([image.source.width, image.source.height]).toEqual([546, 413]);
          const [found] = await detector.detect([image.frame]);
          expect(best(found, 'bus', BUS)).toBeGreaterThan(0.8);
          expect(best(found, 'car', WHITE_CAR_LEFT)).toBeGreaterThan(0.6);
          expect(Math.max(best(found, 'car', TAXI_RIGHT), best(found, 'truck', TAXI_RIGHT))).toBeGreaterThan(
            0.6,
          );
          // One bus, not a bus and a truck for the same vehicle.
          expect(
            found.filter((d) => (d.cls === 'bus' || d.cls === 'truck') && iou(d.box, BUS) > 0.5),
          ).toHaveLength(1);
        },
      );
    }
  },
);
