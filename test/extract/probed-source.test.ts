import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ConfigError } from '../../pipeline/errors/config-error.ts';
import { SourceError } from '../../pipeline/errors/source-error.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { probedSource, probeLocation, probeSource } from '../../pipeline/extract/probe-source.ts';
import { locateSource } from '../../pipeline/extract/source-location.ts';
import { planFiles } from '../../workers/backfill/plan-files.ts';
import { SAMPLE } from '../helpers/make-clips.ts';

// A file probed once (a backfill plans every file) is decoded without the discoverer running again:
// the extract job carries what the probe found.

const dir = mkdtempSync(join(tmpdir(), 'cityflow-probed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BOX = { fps: 2, maxWidth: 416, maxHeight: 416, startTimeMs: Date.parse('2026-11-30T00:00:00Z') };

async function frames(ex: FrameExtractor): Promise<Buffer[]> {
  const out: Buffer[] = [];
  try {
    for await (const f of ex) out.push(Buffer.from(f.frame.data));
  } finally {
    await ex.close();
  }
  return out;
}

test("a backfill's plan carries each file's probe, as the discoverer gave it, with the file's size and time", async () => {
  const r = await planFiles([SAMPLE], { cameraId: 'cam', startMs: BOX.startTimeMs });
  expect(r.failures).toEqual([]);
  const info = await probeSource(SAMPLE);
  const st = statSync(SAMPLE);
  expect(r.plans[0].probe).toEqual({
    width: info.width,
    height: info.height,
    durationMs: info.durationMs,
    fps: info.fps,
    createdAtMs: info.createdAtMs,
    codec: info.codec,
    par: { num: 1, den: 1 },
    file: { bytes: st.size, mtimeMs: st.mtimeMs },
  });
});

test('decoding with the earlier probe gives the same frames as probing again', async () => {
  const probed = probedSource(await probeLocation(locateSource(SAMPLE)), statSync(SAMPLE));
  const again = await frames(new FrameExtractor({ path: SAMPLE, ...BOX }));
  const ex = new FrameExtractor({ path: SAMPLE, ...BOX, probed });
  const info = await ex.start();
  expect(info).toMatchObject({ width: 640, height: 352, durationMs: 37688 });
  const reused = await frames(ex);
  expect(reused.length).toBe(again.length);
  expect(reused.length).toBeGreaterThan(70);
  expect(reused.every((f, i) => f.equals(again[i]))).toBe(true);
});

test('the earlier probe is used while the file is unchanged, and the file probed again once it changed', async () => {
  const st = statSync(SAMPLE);
  // A probe that says something the discoverer would not: it shows which one the extractor used.
  const probed = { ...probedSource(await probeLocation(locateSource(SAMPLE)), st), width: 320, height: 176 };
  const same = new FrameExtractor({ path: SAMPLE, ...BOX, probed });
  expect((await same.start()).width).toBe(320);
  await same.close();
  const changed = { ...probed, file: { bytes: st.size + 1, mtimeMs: st.mtimeMs } };
  const again = new FrameExtractor({ path: SAMPLE, ...BOX, probed: changed });
  expect((await again.start()).width).toBe(640);
  await again.close();
});

test('a file cut short since its probe is refused before decoding, naming the cut', async () => {
  const cut = join(dir, 'cut.mp4');
  const bytes = readFileSync(SAMPLE);
  writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
  const whole = probedSource(await probeLocation(locateSource(SAMPLE)), statSync(SAMPLE));
  for (const probed of [
    whole,
    { ...whole, file: { bytes: statSync(cut).size, mtimeMs: statSync(cut).mtimeMs } },
  ]) {
    const err = await new FrameExtractor({ path: cut, ...BOX, probed }).start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).reason).toBe('truncated');
    expect((err as SourceError).message).toContain(cut);
  }
});

test('a probe of an impossible size is refused, naming `probed`, before anything runs', () => {
  const probe = { durationMs: 1000, fps: 25, createdAtMs: null, codec: null, par: { num: 1, den: 1 } };
  for (const [width, height] of [
    [0, 720],
    [1280.5, 720],
    [16384, 16384],
  ]) {
    expect(() => new FrameExtractor({ path: SAMPLE, ...BOX, probed: { ...probe, width, height } })).toThrow(
      /probed.*\d/,
    );
    expect(() => new FrameExtractor({ path: SAMPLE, ...BOX, probed: { ...probe, width, height } })).toThrow(
      ConfigError,
    );
  }
});
