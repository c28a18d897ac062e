// Extraction alone: decode the sample, sample at FPS, scale into the detector box.
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { FPS, report, SAMPLE } from './common.ts';

const t0 = performance.now();
let frames = 0;
for await (const _ of new FrameExtractor({
  uri: SAMPLE,
  fps: FPS,
  maxWidth: 512,
  maxHeight: 512,
  startTimeMs: 0,
}))
  frames++;
const s = (performance.now() - t0) / 1000;
report({ phase: 'extract', frames, seconds: s, framesPerSecond: frames / s });
