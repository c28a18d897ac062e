/**
 * Renders the frames of an annotation set as PNGs, for drawing and reviewing ground truth:
 *
 *   node --import tsx benchmarks/accuracy/render.ts benchmarks/accuracy/annotations/residential-street.json \
 *     --out /tmp/frames [--zoom 2] [--grid 20] [--gt] [--model centernet --min-score 0.1] [--crop x,y,w,h]
 *
 * --grid N   grey lines every N source pixels, labelled every 5th line (read coordinates off it)
 * --gt       the set's boxes: class colour, `#index`, difficult ones grey
 * --model    a model's detections down to --min-score (default 0.1), white, with their scores
 * --crop     only this source rectangle (zoomed), for crowded corners
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../pipeline/config/load-config.ts';
import { drawDetections, drawText, fillRect, type RgbImage } from '../../pipeline/detect/annotate/draw.ts';
import { writeImage } from '../../pipeline/detect/annotate/write-image.ts';
import { createDetector, resolveModel } from '../../pipeline/detect/detector-spec.ts';
import type { Detection } from '../../schemas/detection.ts';
import { annotatedFrames, loadAnnotationSet } from './dataset.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: '/tmp/cityflow-annotate' },
    zoom: { type: 'string', default: '2' },
    grid: { type: 'string', default: '0' },
    gt: { type: 'boolean', default: false },
    model: { type: 'string' },
    config: { type: 'string' },
    'min-score': { type: 'string', default: '0.1' },
    crop: { type: 'string' },
  },
});
const set = loadAnnotationSet(positionals[0] ?? '');
const zoom = Math.max(1, Math.round(Number(values.zoom)));
const grid = Number(values.grid);
const [cx, cy, cw, ch] = values.crop ? values.crop.split(',').map(Number) : [0, 0, set.width, set.height];
mkdirSync(values.out, { recursive: true });

const detector = values.model
  ? await createDetector({
      name: values.model,
      spec: {
        ...resolveModel(values.model, values.config ? loadConfig(values.config).models : {}),
        scoreThreshold: Number(values['min-score']),
      },
      threads: 2,
    })
  : null;
const forModel = detector
  ? annotatedFrames(set, detector.inputWidth, detector.inputHeight)[Symbol.asyncIterator]()
  : null;

for await (const { frame, picture } of annotatedFrames(set, set.width, set.height)) {
  let dets: Detection[] = [];
  if (detector && forModel) {
    const n = await forModel.next();
    if (!n.done) [dets] = await detector.detect([n.value.picture]);
  }
  const img = cropZoom(picture, cx, cy, cw, ch, zoom);
  const map = (d: { box: { x: number; y: number; w: number; h: number } }) => ({
    x: (d.box.x - cx) * zoom,
    y: (d.box.y - cy) * zoom,
    w: d.box.w * zoom,
    h: d.box.h * zoom,
  });
  if (grid > 0) drawGrid(img, grid, zoom, cx, cy);
  if (values.gt) {
    drawDetections(
      img,
      frame.objects.map((o, i) => ({ cls: o.cls, score: o.difficult ? 0 : 1, box: map(o), idx: i })),
      {
        thickness: 1,
        fontScale: 1,
        label: (d) => `#${(d as unknown as { idx: number }).idx}${d.score === 0 ? ' D' : ''}`,
        colour: (d) => (d.score === 0 ? [160, 160, 160] : [0, 255, 0]),
      },
    );
  }
  if (dets.length) {
    drawDetections(
      img,
      dets.map((d) => ({ ...d, box: map(d) })),
      {
        thickness: 1,
        fontScale: 1,
        label: (d) => `${d.cls.slice(0, 3)} ${d.score.toFixed(2)}`,
        colour: () => [255, 255, 255],
      },
    );
  }
  const file = join(values.out, `${set.name}-${String(frame.ptsMs).padStart(6, '0')}.png`);
  await writeImage(img, file);
  process.stdout.write(`${file}\n`);
}
await detector?.close();

function cropZoom(p: RgbImage, x0: number, y0: number, w: number, h: number, z: number): RgbImage {
  const W = w * z;
  const H = h * z;
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(p.height - 1, y0 + Math.floor(y / z));
    for (let x = 0; x < W; x++) {
      const sx = Math.min(p.width - 1, x0 + Math.floor(x / z));
      const s = (sy * p.width + sx) * 3;
      const d = (y * W + x) * 3;
      data[d] = p.data[s];
      data[d + 1] = p.data[s + 1];
      data[d + 2] = p.data[s + 2];
    }
  }
  return { data, width: W, height: H };
}

function drawGrid(img: RgbImage, step: number, z: number, x0: number, y0: number): void {
  const grey = [128, 128, 128] as const;
  for (let gx = Math.ceil(x0 / step) * step; (gx - x0) * z < img.width; gx += step) {
    fillRect(img, (gx - x0) * z, 0, 1, img.height, grey);
    if (gx % (5 * step) === 0) {
      fillRect(img, (gx - x0) * z + 1, 0, 6 * String(gx).length + 1, 9, [0, 0, 0]);
      drawText(img, (gx - x0) * z + 2, 1, String(gx), [255, 255, 0]);
    }
  }
  for (let gy = Math.ceil(y0 / step) * step; (gy - y0) * z < img.height; gy += step) {
    fillRect(img, 0, (gy - y0) * z, img.width, 1, grey);
    if (gy % (5 * step) === 0) {
      fillRect(img, 0, (gy - y0) * z + 1, 6 * String(gy).length + 1, 9, [0, 0, 0]);
      drawText(img, 1, (gy - y0) * z + 2, String(gy), [255, 255, 0]);
    }
  }
}
