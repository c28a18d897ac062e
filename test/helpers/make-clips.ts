import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The real footage shipped with the repo: 640x352 H.264, 24 fps, 37.688 s, moov at the END. */
export const SAMPLE = resolve(import.meta.dirname, '../../samples/residential-street.mp4');

/** Geometry of the generated clips. */
export const CLIP = { width: 320, height: 240, fps: 30, seconds: 3 } as const;

/** Paths of generated test media, all under `dir`. */
export interface Clips {
  dir: string;
  h264Mp4: string;
  h264Mkv: string;
  h264Ts: string;
  h265Mkv: string;
  h265Mp4: string;
  /** H.264 + Vorbis audio in MKV: the extractor must ignore the audio stream. */
  h264WithAudioMkv: string;
  /** SMPTE colour bars (vertical stripes in the top two thirds), H.264 in MKV. */
  barsMkv: string;
  /** Audio only (WAV): no video stream. */
  audioOnlyWav: string;
  /** The first 50 % of the bytes of SAMPLE; its moov box is at the end, so it is lost. */
  truncatedSample: string;
  /** SAMPLE remuxed with the moov box first (mp4mux faststart), not re-encoded. */
  faststartSample: string;
  /** The first 50 % of faststartSample: index intact, media data cut in half. */
  truncatedFaststart: string;
  /** The first 50 % of a 6 s H.264 MKV (Matroska states its duration in the header). */
  truncatedMkv: string;
  /** 64 KiB of random bytes named .mp4. */
  randomBytes: string;
  /** A path that does not exist. */
  missing: string;
  cleanup(): void;
}

async function gst(args: string[]): Promise<void> {
  await run('gst-launch-1.0', ['-q', ...args], { timeout: 60_000 });
}

/** videotestsrc caps: format=I420 or x264enc makes 10-bit 4:4:4 (see NOTES.md). */
function testVideo(seconds: number = CLIP.seconds, pattern = 'ball'): string[] {
  return [
    'videotestsrc',
    `pattern=${pattern}`,
    `num-buffers=${seconds * CLIP.fps}`,
    '!',
    `video/x-raw,format=I420,width=${CLIP.width},height=${CLIP.height},framerate=${CLIP.fps}/1`,
  ];
}

const x264 = ['x264enc', 'speed-preset=ultrafast', 'key-int-max=30', '!', 'h264parse'];
const x265 = ['x265enc', 'speed-preset=ultrafast', '!', 'h265parse'];

function truncateHalf(from: string, to: string): void {
  const b = readFileSync(from);
  writeFileSync(to, b.subarray(0, Math.floor(b.length / 2)));
}

/**
 * Generates the clips (about 1-2 s on 2 cores) into a fresh temporary directory unless `dir` is
 * given. Call `cleanup()` when done.
 */
export async function makeClips(dir = mkdtempSync(join(tmpdir(), 'cityflow-clips-'))): Promise<Clips> {
  const p = (name: string) => join(dir, name);
  const c: Clips = {
    dir,
    h264Mp4: p('h264.mp4'),
    h264Mkv: p('h264.mkv'),
    h264Ts: p('h264.ts'),
    h265Mkv: p('h265.mkv'),
    h265Mp4: p('h265.mp4'),
    h264WithAudioMkv: p('h264-vorbis.mkv'),
    barsMkv: p('bars.mkv'),
    audioOnlyWav: p('audio.wav'),
    truncatedSample: p('sample-truncated.mp4'),
    faststartSample: p('sample-faststart.mp4'),
    truncatedFaststart: p('sample-faststart-truncated.mp4'),
    truncatedMkv: p('long-truncated.mkv'),
    randomBytes: p('random.mp4'),
    missing: p('does-not-exist.mp4'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  const longMkv = p('long.mkv');
  // Two at a time: the reference machine has 2 cores.
  const jobs: (() => Promise<void>)[] = [
    () => gst([...testVideo(), '!', ...x264, '!', 'mp4mux', '!', 'filesink', `location=${c.h264Mp4}`]),
    () => gst([...testVideo(), '!', ...x264, '!', 'matroskamux', '!', 'filesink', `location=${c.h264Mkv}`]),
    () => gst([...testVideo(), '!', ...x264, '!', 'mpegtsmux', '!', 'filesink', `location=${c.h264Ts}`]),
    () => gst([...testVideo(), '!', ...x265, '!', 'matroskamux', '!', 'filesink', `location=${c.h265Mkv}`]),
    () => gst([...testVideo(), '!', ...x265, '!', 'mp4mux', '!', 'filesink', `location=${c.h265Mp4}`]),
    () =>
      gst([
        ...testVideo(),
        '!',
        ...x264,
        '!',
        'matroskamux',
        'name=mux',
        '!',
        'filesink',
        `location=${c.h264WithAudioMkv}`,
        'audiotestsrc',
        `num-buffers=${CLIP.seconds * 43}`,
        '!',
        'audioconvert',
        '!',
        'vorbisenc',
        '!',
        'mux.',
      ]),
    () =>
      gst([
        ...testVideo(CLIP.seconds, 'smpte'),
        '!',
        ...x264,
        '!',
        'matroskamux',
        '!',
        'filesink',
        `location=${c.barsMkv}`,
      ]),
    () =>
      gst(['audiotestsrc', 'num-buffers=20', '!', 'wavenc', '!', 'filesink', `location=${c.audioOnlyWav}`]),
    () => gst([...testVideo(6), '!', ...x264, '!', 'matroskamux', '!', 'filesink', `location=${longMkv}`]),
    () =>
      gst([
        'filesrc',
        `location=${SAMPLE}`,
        '!',
        'qtdemux',
        '!',
        'h264parse',
        '!',
        'mp4mux',
        'faststart=true',
        '!',
        'filesink',
        `location=${c.faststartSample}`,
      ]),
  ];
  try {
    for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2).map((j) => j()));
  } catch (e) {
    c.cleanup();
    throw e;
  }
  truncateHalf(SAMPLE, c.truncatedSample);
  truncateHalf(c.faststartSample, c.truncatedFaststart);
  truncateHalf(longMkv, c.truncatedMkv);
  // Seeded bytes: a fixed "random" file, so a failure reproduces.
  const bytes = Buffer.alloc(64 * 1024);
  let x = 0x2545f491;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  writeFileSync(c.randomBytes, bytes);
  return c;
}
