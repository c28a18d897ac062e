import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SourceError } from '../../pipeline/errors/source-error.ts';
import { isoBmffLayout, probeSource } from '../../pipeline/extract/probe-source.ts';
import { CLIP, type Clips, makeClips, SAMPLE } from '../helpers/make-clips.ts';

let clips: Clips;
beforeAll(async () => {
  clips = await makeClips();
});
afterAll(() => clips?.cleanup());

async function probeError(source: string): Promise<SourceError> {
  const e = await probeSource(source).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SourceError);
  return e as SourceError;
}

describe('probeSource', () => {
  test('the sample footage', async () => {
    expect(await probeSource(SAMPLE)).toEqual({
      uri: pathToFileURL(SAMPLE).href,
      width: 640,
      height: 352,
      durationMs: 37688,
      fps: 24,
      createdAtMs: Date.parse('2017-09-05T13:53:54Z'),
      codec: 'H.264 (Main Profile)',
    });
  });

  test('accepts file:// URIs', async () => {
    expect((await probeSource(pathToFileURL(clips.h264Mp4).href)).width).toBe(CLIP.width);
  });

  test.each([
    ['h264Mp4', /^H\.264/, 3000],
    ['h264Mkv', /^H\.264/, 3000],
    ['h264Ts', /^H\.264/, 3000],
    ['h265Mkv', /^H\.265/, 3000],
    ['h265Mp4', /^H\.265/, 3000],
  ] as const)('%s', async (key, codec, ms) => {
    const info = await probeSource(clips[key]);
    expect(info).toMatchObject({ width: CLIP.width, height: CLIP.height, fps: CLIP.fps });
    expect(info.codec).toMatch(codec);
    expect(info.durationMs).toBeGreaterThan(ms - 50);
    expect(info.durationMs).toBeLessThan(ms + 50);
  });

  test('missing file → not-found, naming the file and GStreamer', async () => {
    const e = await probeError(clips.missing);
    expect(e.reason).toBe('not-found');
    expect(e.source).toBe(clips.missing);
    expect(e.message).toContain(clips.missing);
    expect(e.message).toMatch(/GStreamer: Resource not found/);
  });

  test("random bytes → unreadable with GStreamer's reason", async () => {
    const e = await probeError(clips.randomBytes);
    expect(e.reason).toBe('unreadable');
    expect(e.message).toContain(clips.randomBytes);
    expect(e.message).toMatch(/Could not determine type of stream/);
  });

  test('audio only → unreadable: no video stream', async () => {
    const e = await probeError(clips.audioOnlyWav);
    expect(e.reason).toBe('unreadable');
    expect(e.message).toMatch(/no video stream \(streams: audio #0: WAV\)/);
  });

  test('an empty file → unreadable, saying it is empty', async () => {
    const empty = join(clips.dir, 'empty.mp4');
    writeFileSync(empty, '');
    const e = await probeError(empty);
    expect(e.reason).toBe('unreadable');
    expect(e.message).toBe(`${empty}: unreadable: the file is empty (0 bytes)`);
  });

  test('a directory → unreadable', async () => {
    expect((await probeError(clips.dir)).reason).toBe('unreadable');
  });

  test('MP4 cut before its moov box → truncated at once, with the box layout', async () => {
    const t0 = performance.now();
    const e = await probeError(clips.truncatedSample);
    expect(e.reason).toBe('truncated');
    expect(e.message).toContain(clips.truncatedSample);
    expect(e.message).toMatch(/ends at byte 1217761 inside its 'mdat' box .* no moov index/);
    // Decided from the box headers: gst-discoverer can hang to its timeout on this file.
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  test('MP4 with its moov first and cut in half still probes (the extractor catches it)', async () => {
    const info = await probeSource(clips.truncatedFaststart);
    expect(info.durationMs).toBeCloseTo(37688, -1);
  });
});

describe('isoBmffLayout', () => {
  test('tells whole, cut and non-MP4 files apart', async () => {
    expect(await isoBmffLayout(SAMPLE)).toMatchObject({ hasMoov: true, cut: null });
    expect(await isoBmffLayout(clips.truncatedSample)).toMatchObject({
      hasMoov: false,
      cut: { box: 'mdat', offset: 36 },
    });
    expect((await isoBmffLayout(clips.truncatedFaststart))?.cut?.box).toBe('mdat');
    expect(await isoBmffLayout(clips.h264Mkv)).toBeNull();
    expect(await isoBmffLayout(clips.randomBytes)).toBeNull();
    expect(await isoBmffLayout(clips.missing)).toBeNull();
  });
});
