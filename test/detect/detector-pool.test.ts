import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CenternetDetector } from '../../pipeline/detect/centernet/centernet-detector.ts';
import { markCut } from '../../pipeline/detect/cut-boxes.ts';
import { DetectorPool } from '../../pipeline/detect/detector-pool.ts';
import { BUILTIN_MODELS } from '../../pipeline/detect/detector-spec.ts';
import { ThreadedDetector } from '../../pipeline/detect/threaded-detector.ts';
import { ModelError } from '../../pipeline/errors/model-error.ts';
import { attachMotion } from '../../pipeline/motion/detection-motion.ts';
import { greyHalf } from '../../pipeline/motion/grey-frame.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { decodeRgbFrames } from '../helpers/gst-frames.ts';

// The detector off the main thread: same answers as in-process, input order kept, event loop free.
let frames: RgbFrame[];
let reference: CenternetDetector;

beforeAll(async () => {
  const raw = await decodeRgbFrames(SAMPLE, { width: 512, height: 282, framerate: '1/4' });
  // Views on one buffer, as the detect stage reads them from a segment file.
  const joined = new Uint8Array(raw.reduce((n, f) => n + f.length, 0));
  for (const [i, f] of raw.entries()) joined.set(f, i * f.length);
  frames = raw.map((f, i) => ({
    data: joined.subarray(i * f.length, (i + 1) * f.length),
    width: 512,
    height: 282,
    scale: 0.8,
  }));
  reference = await CenternetDetector.create({ intraOpNumThreads: 1 });
});
afterAll(() => reference.close());

/** The reference detector's answers as the detector's thread gives them: boxes at the lower edge marked cut. */
async function referenceDetect(fs: RgbFrame[]) {
  const out = await reference.detect(fs);
  for (const [i, f] of fs.entries()) markCut(out[i], f.height / f.scale);
  return out;
}

describe('ThreadedDetector', () => {
  test('gives the same detections as the detector in this thread, and leaves the event loop free', async () => {
    const threaded = await ThreadedDetector.create({
      name: 'centernet',
      spec: BUILTIN_MODELS.centernet,
      threads: 1,
    });
    expect(threaded.name).toBe('centernet');
    expect([threaded.inputWidth, threaded.inputHeight]).toEqual([512, 512]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const t0 = performance.now();
    const got = await threaded.detect(frames);
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    expect(got).toEqual(await referenceDetect(frames));
    expect(got.some((d) => d.some((x) => x.cls === 'car'))).toBe(true);
    expect(got.some((d) => d.some((x) => x.cut))).toBe(true); // the sample street's cars at its lower edge
    // A blocked loop would tick about once per inference; a free one every few ms.
    expect(ticks).toBeGreaterThan(Math.min(elapsed / 10, 20));
    await threaded.close();
  });

  test('a bad model option fails at creation with a ModelError naming the problem', async () => {
    await expect(
      ThreadedDetector.create({
        name: 'mine',
        spec: { ...BUILTIN_MODELS.centernet, file: '/nonexistent/model.onnx' },
      }),
    ).rejects.toThrow(ModelError);
    await expect(
      ThreadedDetector.create({
        name: 'centernet',
        spec: { ...BUILTIN_MODELS.centernet, scoreThreshold: 2 },
      }),
    ).rejects.toThrow(/scoreThreshold/);
  });

  test('a pool whose instances (started together) cannot load fails with their ModelError', async () => {
    const err = await DetectorPool.create(
      { name: 'mine', spec: { ...BUILTIN_MODELS['yolox-nano'], file: '/nonexistent/model.onnx' } },
      { instances: 3 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/^model mine: (?!model mine).*nonexistent\/model\.onnx/);
  });

  test('after close, detect rejects instead of hanging', async () => {
    const threaded = await ThreadedDetector.create({
      name: 'centernet',
      spec: BUILTIN_MODELS.centernet,
      threads: 1,
    });
    await threaded.close();
    await expect(threaded.detect(frames.slice(0, 1))).rejects.toThrow(/exited/);
  });
});

describe('DetectorPool', () => {
  test('spreads frames over its instances and returns results in input order, with per-frame times', async () => {
    const pool = await DetectorPool.create(
      { name: 'centernet', spec: BUILTIN_MODELS.centernet, threads: 1 },
      { instances: 2 },
    );
    const expected = await referenceDetect(frames);
    // Two overlapping calls share the pool; each gets its own frames' results back, in order.
    const reversed = [...frames].reverse();
    const [a, b] = await Promise.all([pool.detectTimed(frames), pool.detectTimed(reversed)]);
    expect(a.detections).toEqual(expected);
    expect(b.detections).toEqual([...expected].reverse());
    expect(a.ms).toHaveLength(frames.length);
    expect(a.ms.every((ms) => ms > 0)).toBe(true);
    await pool.close();
  });

  test('batches frames of concurrent calls (cameras) up to batchSize, waiting at most maxWaitMs', async () => {
    const spec = { name: 'centernet', spec: BUILTIN_MODELS.centernet, threads: 1 };
    const expected = await reference.detect(frames.slice(0, 4));
    const pool = await DetectorPool.create(spec, { instances: 1, batchSize: 4, maxWaitMs: 200 });
    // Two "cameras" each send two frames at about the same time: one model run of four frames.
    const [a, b] = await Promise.all([pool.detect(frames.slice(0, 2)), pool.detect(frames.slice(2, 4))]);
    expect(pool.stats).toEqual({ runs: 1, frames: 4 });
    // Batched inference gives the same boxes as one frame at a time (within float rounding).
    const got = [...a, ...b];
    got.forEach((dets, i) => {
      expect(dets.map((d) => d.cls)).toEqual(expected[i].map((d) => d.cls));
      for (const [j, d] of dets.entries())
        expect(Math.abs(d.box.x - expected[i][j].box.x)).toBeLessThan(0.01);
    });
    await pool.close();
    // Without a wait, an idle instance runs what is queued at once.
    const eager = await DetectorPool.create(spec, { instances: 1, batchSize: 4 });
    await eager.detect(frames.slice(0, 2));
    expect(eager.stats).toEqual({ runs: 1, frames: 2 });
    await eager.close();
  });

  test("traces a frame's detections back through its motion chain in the detector's thread, as attachMotion would here", async () => {
    // The sample at 10 fps: every fifth frame analysed (2 fps), its chain the six frames up to it.
    const w = 256;
    const h = 141;
    const raw = await decodeRgbFrames(SAMPLE, { width: w, height: h, framerate: '10/1' });
    const at10 = raw.map((data) => ({ data, width: w, height: h, scale: w / 640 }));
    const pool = await DetectorPool.create(
      { name: 'yolox-nano', spec: BUILTIN_MODELS['yolox-nano'], threads: 1 },
      { instances: 2 },
    );
    const analysed = at10.filter((_, i) => i >= 5 && i % 5 === 0);
    const chains = analysed.map((_, k) => at10.slice(5 * k, 5 * k + 6).map(greyHalf));
    const plain = await pool.detect(analysed);
    const expected = plain.map((found, k) => {
      const copy = found.map((d) => ({ ...d, box: { ...d.box } }));
      attachMotion(copy, chains[k], { scale: w / 640, frameWidth: w }, 500);
      return copy;
    });
    const traced = await pool.detectTimed(
      analysed.map((f, k) => ({ ...f, trace: { chain: chains[k], frameWidth: w, dtMs: 500 } })),
    );
    expect(traced.detections).toEqual(expected);
    // Cars drive through the sample: some detections moved, and the times exclude nothing odd.
    expect(
      traced.detections.flat().filter((d) => d.motion && Math.abs(d.motion.dx) > 5).length,
    ).toBeGreaterThan(5);
    expect(traced.ms.every((ms) => ms > 0)).toBe(true);
    await pool.close();
  });

  test('rejects a size that is not a positive integer', async () => {
    await expect(
      DetectorPool.create({ name: 'centernet', spec: BUILTIN_MODELS.centernet }, { instances: 0 }),
    ).rejects.toThrow(/instances/);
  });
});
