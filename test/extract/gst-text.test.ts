import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildGstLaunchArgs,
  fitInside,
  fpsFraction,
  packRgb,
} from '../../pipeline/extract/frame-extractor.ts';
import {
  describeGstMessage,
  parseGstLaunchStderr,
  reasonForGstError,
} from '../../pipeline/extract/gst-stderr.ts';
import { intField, parseFraction, parseGstStructure } from '../../pipeline/extract/gst-structure.ts';
import {
  parseClockTime,
  parseCreatedAt,
  parseDiscovererOutput,
} from '../../pipeline/extract/probe-source.ts';
import { locateFile, locateSource } from '../../pipeline/extract/source-location.ts';
import { SAMPLE } from '../helpers/make-clips.ts';

describe('parseGstStructure', () => {
  test('caps with types, features and several structures', () => {
    const s = parseGstStructure(
      'video/x-raw(memory:SystemMemory), width=(int)512, height=(int)282, framerate=(fraction)5/1, format=(string)RGB; video/x-raw, width=(int)1\0',
    );
    expect(s?.name).toBe('video/x-raw');
    expect(s && intField(s, 'width')).toBe(512);
    expect(s?.fields.get('format')).toBe('RGB');
    expect(parseFraction(s?.fields.get('framerate'))).toEqual({ num: 5, den: 1 });
    expect(s?.fields.size).toBe(4);
  });

  test('a segment event as gdppay serializes it, nested structure in quotes', () => {
    const ev = parseGstStructure(
      'GstEventSegment, segment=(GstSegment)"segment, flags=(GstSegmentFlags)GST_SEGMENT_FLAG_NONE, rate=(double)1, applied-rate=(double)1, format=(GstFormat)time, base=(guint64)0, offset=(guint64)0, start=(guint64)125000000, stop=(guint64)18446744073709551615, time=(guint64)125000000, position=(guint64)125000000, duration=(guint64)18446744073709551615;";',
    );
    expect(ev?.name).toBe('GstEventSegment');
    const seg = parseGstStructure(ev?.fields.get('segment') ?? '');
    expect(seg && intField(seg, 'start')).toBe(125_000_000);
    expect(seg && intField(seg, 'base')).toBe(0);
  });

  test('escaped strings, arrays and ranges do not split fields', () => {
    const s = parseGstStructure('x, a=(string)"p\\"q\\, r", b=(int){ 1, 2 }, c=(int)[ 1, 10 ], d=plain');
    expect(s?.fields.get('a')).toBe('p"q, r');
    expect(s?.fields.get('b')).toBe('{ 1, 2 }');
    expect(s?.fields.get('c')).toBe('[ 1, 10 ]');
    expect(s?.fields.get('d')).toBe('plain');
    expect(parseGstStructure('  \0')).toBeNull();
    expect(parseFraction('0/1')).toBeNull();
  });
});

describe('gst-launch stderr', () => {
  let dir: string;
  let truncated: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cityflow-gst-text-'));
    truncated = join(dir, 'half.mp4');
    const b = readFileSync(SAMPLE);
    writeFileSync(truncated, b.subarray(0, b.length >> 1));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a real qtdemux error (MP4 cut before its moov) parses and maps to unreadable', async () => {
    // gst-launch now and then hangs on such a file instead of failing (the product never runs it on
    // one: FrameExtractor recognises a cut MP4 from its box headers first, and stops a stalled
    // decoder); give each try 20 s and try again.
    let r: { stderr: string; code: number; killed?: boolean } | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      r = await promisify(execFile)(
        'gst-launch-1.0',
        ['-q', 'filesrc', `location=${truncated}`, '!', 'decodebin', '!', 'fakesink'],
        { env: { ...process.env, LC_ALL: 'C.UTF-8' }, timeout: 20_000, killSignal: 'SIGKILL' },
      ).then(
        () => null,
        (e: { stderr: string; code: number; killed?: boolean }) => e,
      );
      if (!r?.killed) break;
    }
    expect(r?.code).toBe(1);
    const parsed = parseGstLaunchStderr(r?.stderr ?? '');
    expect(parsed.errors).toHaveLength(1);
    const [e] = parsed.errors;
    expect(e.element).toMatch(/GstQTDemux:qtdemux0$/);
    expect(e.message).toBe('This file contains no playable streams.');
    expect(e.debug).toBe('no known streams found');
    expect(describeGstMessage(e)).toBe(
      'qtdemux0: This file contains no playable streams. (no known streams found)',
    );
    expect(reasonForGstError(e)).toBe('unreadable');
  });

  test('reasons', () => {
    const m = (element: string | null, message: string, debug: string | null = null) => ({
      element,
      message,
      debug,
    });
    expect(reasonForGstError(m('/GstPipeline:pipeline0/GstFileSrc:filesrc0', 'Resource not found.'))).toBe(
      'not-found',
    );
    expect(
      reasonForGstError(
        m(
          '/GstPipeline:pipeline0/GstDecodeBin:decodebin0/GstTypeFindElement:typefind',
          'Could not determine type of stream.',
        ),
      ),
    ).toBe('unreadable');
    expect(
      reasonForGstError(
        m(
          '/GstPipeline:pipeline0/GstDecodeBin:decodebin0/avdec_h264:avdec_h264-0',
          'Could not decode stream.',
        ),
      ),
    ).toBe('corrupt');
    expect(
      reasonForGstError(
        m(
          '/GstPipeline:pipeline0/GstDecodeBin:decodebin0/GstMatroskaDemux:matroskademux0',
          'Internal data stream error.',
          'streaming stopped, reason error (-5)',
        ),
      ),
    ).toBe('corrupt');
    expect(
      reasonForGstError(
        m(
          '/GstPipeline:pipeline0/GstDecodeBin:decodebin0/GstQTDemux:qtdemux0',
          'Internal data stream error.',
          'streaming stopped, reason not-negotiated (-4)',
        ),
      ),
    ).toBe('decoder-exit');
    expect(reasonForGstError(m(null, 'erroneous pipeline: no element "foo"'))).toBe('decoder-exit');
  });

  test('the same error printed twice (prerolling, then again) counts once', () => {
    const once =
      'ERROR: from element /GstPipeline:pipeline0/GstDecodeBin:decodebin0/GstQTDemux:qtdemux0: This file contains no playable streams.\n' +
      'Additional debug info:\n../gst/isomp4/qtdemux.c(509): gst_qtdemux_post_no_playable_stream_error (): /GstPipeline:pipeline0/GstDecodeBin:decodebin0/GstQTDemux:qtdemux0:\n' +
      "no known streams found\nERROR: pipeline doesn't want to preroll.\n";
    const p = parseGstLaunchStderr(once + once);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0].debug).toBe('no known streams found');
  });

  test('syntax errors arrive as WARNING but count as errors; follow-up lines are folded', () => {
    const p = parseGstLaunchStderr(
      'WARNING: from element /GstPipeline:pipeline0/GstX:x0: Something odd.\nAdditional debug info:\nx.c(1): f (): /GstPipeline:pipeline0/GstX:x0:\nmore\nWARNING: erroneous pipeline: no element "nope"\n',
    );
    expect(p.warnings).toEqual([
      { element: '/GstPipeline:pipeline0/GstX:x0', message: 'Something odd.', debug: 'more' },
    ]);
    expect(p.errors).toEqual([
      { element: null, message: 'erroneous pipeline: no element "nope"', debug: null },
    ]);
  });
});

describe('gst-discoverer-1.0 output', () => {
  const plain = `Analyzing file:///work/main/samples/residential-street.mp4
Done discovering file:///work/main/samples/residential-street.mp4

Properties:
  Duration: 0:00:37.688000000
  Seekable: yes
  Live: no
  container #0: Quicktime
    audio #2: MPEG-4 AAC
      Stream ID: x/002
      Language: <unknown>
    video #1: H.264 (Main Profile)
      Stream ID: 8f78/001
      Width: 640
      Height: 352
      Depth: 24
      Frame rate: 24/1
      Pixel aspect ratio: 1/1
      Interlaced: false
      Bitrate: 514672
      Max bitrate: 0
`;
  const verbose = `Properties:
  Duration: 0:00:37.688000000
  Tags: 
      video codec: H.264 / AVC
      datetime: 2017-09-05T13:53:54Z
      container format: ISO MP4/M4A
`;

  test('a video file', () => {
    expect(parseDiscovererOutput(plain, verbose)).toEqual({
      error: null,
      durationMs: 37688,
      live: false,
      createdAtMs: Date.parse('2017-09-05T13:53:54Z'),
      video: { codec: 'H.264 (Main Profile)', width: 640, height: 352, fps: 24, par: { num: 1, den: 1 } },
      streams: ['audio #2: MPEG-4 AAC', 'video #1: H.264 (Main Profile)'],
    });
  });

  test('errors, audio only, NTSC rates, live', () => {
    expect(
      parseDiscovererOutput(
        'Done discovering file:///x\nAn error was encountered while discovering the file\n Resource not found.\n\n',
      ).error,
    ).toBe('Resource not found.');
    const audio = parseDiscovererOutput(
      'Properties:\n  Duration: 0:00:01.000000000\n  audio #0: WAV\n    Channels: 1\n',
    );
    expect(audio.video).toBeNull();
    expect(audio.streams).toEqual(['audio #0: WAV']);
    const ntsc = parseDiscovererOutput(
      'Properties:\n  Live: yes\n  video #0: H.265\n    Width: 1440\n    Height: 1080\n    Frame rate: 30000/1001\n    Pixel aspect ratio: 4/3\n',
    );
    expect(ntsc.live).toBe(true);
    expect(ntsc.video?.fps).toBeCloseTo(29.97, 2);
    expect(ntsc.video?.par).toEqual({ num: 4, den: 3 });
  });

  test('clock times and creation dates', () => {
    expect(parseClockTime('0:00:02.002483000')).toBe(2002.483);
    expect(parseClockTime('1:02:03.5')).toBe(3_723_500);
    expect(parseClockTime('99:99:99.999999999')).toBeNull();
    expect(parseClockTime('0:00:00.000000000')).toBeNull();
    expect(parseCreatedAt('  datetime: 2026-11-22T16:13:51.326059Z')).toBe(
      Date.parse('2026-11-22T16:13:51.326Z'),
    );
    expect(parseCreatedAt('  datetime: 2017-09-05T15:53:54+02:00')).toBe(Date.parse('2017-09-05T13:53:54Z'));
    expect(parseCreatedAt('  datetime: 2017-09-05T13:53')).toBe(Date.parse('2017-09-05T13:53:00Z'));
    expect(parseCreatedAt('  datetime: 2017-09-05')).toBe(Date.parse('2017-09-05T00:00:00Z'));
    expect(parseCreatedAt('  datetime: 2017')).toBeNull();
    expect(parseCreatedAt('no tags')).toBeNull();
  });
});

describe('geometry and pipeline', () => {
  test('fitInside keeps the aspect ratio and never upscales', () => {
    expect(fitInside(640, 352, 512, 512)).toEqual({ width: 512, height: 282, scale: 0.8 });
    expect(fitInside(1920, 1080, 512, 512)).toEqual({ width: 512, height: 288, scale: 512 / 1920 });
    expect(fitInside(352, 640, 512, 512)).toEqual({ width: 282, height: 512, scale: 0.8 });
    expect(fitInside(320, 240, 512, 512)).toEqual({ width: 320, height: 240, scale: 1 });
    expect(fitInside(10000, 10, 100, 100)).toEqual({ width: 100, height: 1, scale: 0.01 });
  });

  test('fpsFraction', () => {
    expect(fpsFraction(5)).toEqual({ num: 5, den: 1 });
    expect(fpsFraction(0.5)).toEqual({ num: 1, den: 2 });
    expect(fpsFraction(30000 / 1001)).toEqual({ num: 30000, den: 1001 });
    expect(fpsFraction(Math.PI)).toBeNull();
  });

  test('packRgb removes the 4-byte row padding', () => {
    // 3x2 RGB: rows of 9 bytes padded to 12.
    const padded = Uint8Array.from([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0, 0, 0,
    ]);
    expect([...packRgb(padded, 3, 2)]).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
    const tight = new Uint8Array(4 * 2 * 3);
    expect(packRgb(tight, 4, 2).buffer).toBe(tight.buffer); // no copy when there is no padding
    expect(() => packRgb(new Uint8Array(10), 3, 2)).toThrow(/does not hold 3x2/);
  });

  test('the pipeline drops frames before scaling, and converts last', () => {
    const args = buildGstLaunchArgs(
      locateFile('/data/a b!.mp4'),
      { num: 5, den: 1 },
      { width: 512, height: 282 },
      { num: 1, den: 1 },
    );
    expect(args.join(' ')).toBe(
      '-q filesrc location=/data/a b!.mp4 ! decodebin ! videorate ! video/x-raw,framerate=5/1 ! videoscale add-borders=false ! videoconvert ! ' +
        'video/x-raw,format=RGB,width=512,height=282,pixel-aspect-ratio=1/1 ! gdppay ! fdsink fd=1',
    );
    const live = buildGstLaunchArgs(
      locateSource('rtsp://cam/1'),
      { num: 5, den: 1 },
      { width: 8, height: 8 },
      { num: 1, den: 1 },
    );
    expect(live.slice(0, 3)).toEqual(['-q', 'uridecodebin', 'uri=rtsp://cam/1']);
  });

  test('source locations', () => {
    expect(locateSource('file:///data/a%20b.mp4')).toMatchObject({ kind: 'file', path: '/data/a b.mp4' });
    expect(locateSource('rtsp://cam/1')).toMatchObject({ kind: 'network', path: null, name: 'rtsp://cam/1' });
    expect(locateSource('rel/x.mp4')).toMatchObject({ kind: 'file', name: 'rel/x.mp4' });
    expect(locateFile('rtsp:odd-name.mp4').kind).toBe('file');
  });
});
