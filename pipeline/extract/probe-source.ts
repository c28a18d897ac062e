import { open, stat } from 'node:fs/promises';
import type { SourceInfo } from '../../schemas/frame.ts';
import type { ProbedSource } from '../../schemas/jobs.ts';
import { SourceError } from '../errors/source-error.ts';
import { type CapturedRun, runCapture } from './gst-process.ts';
import { locateSource, type SourceLocation } from './source-location.ts';

/**
 * Learns a source's video geometry, duration, frame rate, codec and creation time before decoding
 * it, with `gst-discoverer-1.0` (a child process, argument array, no shell: the same GStreamer
 * that will decode it, without native bindings in this process).
 *
 * The discoverer prints either
 *
 *   Properties:                              or   An error was encountered while discovering the file
 *     Duration: 0:00:37.688000000                  Resource not found.
 *     Live: no
 *     container #0: Quicktime
 *       video #1: H.264 (Main Profile)
 *         Width: 640
 *         Height: 352
 *         Frame rate: 24/1
 *         Pixel aspect ratio: 1/1
 *
 * and only with `-v` the tags (where the container's `datetime` lives) but then caps instead of
 * the codec's name, so both forms run side by side (about 80 ms each).
 *
 * Errors (SourceError, naming the file and quoting GStreamer):
 *   not-found   the file does not exist (or GStreamer says "Resource not found")
 *   truncated   an MP4/MOV whose top-level box runs past the end of the file (a recording cut
 *               short: its index, the moov box, usually sits at the end and is missing). Checked
 *               before the discoverer runs, which can hang until its timeout on such files.
 *   unreadable  anything else: not media, no video stream, missing decoder, timeout
 *
 * @example
 *   const info = await probeSource('samples/residential-street.mp4');
 *   // { uri: 'file:///…/residential-street.mp4', width: 640, height: 352, durationMs: 37688,
 *   //   fps: 24, createdAtMs: 1504619634000, codec: 'H.264 (Main Profile)' }
 */
export async function probeSource(pathOrUri: string, options: ProbeOptions = {}): Promise<SourceInfo> {
  return (await probeLocation(locateSource(pathOrUri), options)).info;
}

export interface ProbeOptions {
  /** Gives up after this long (the discoverer's own timeout). Default 10 s for files, 20 s for URIs. */
  timeoutMs?: number;
}

/** What the extractor needs beyond SourceInfo. */
export interface ProbeResult {
  info: SourceInfo;
  /** Pixel aspect ratio of the video stream (1/1 for square pixels). */
  par: { num: number; den: number };
  live: boolean;
}

/** probeSource for an already located source; used by the extractor. */
export async function probeLocation(loc: SourceLocation, options: ProbeOptions = {}): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? (loc.kind === 'file' ? 10_000 : 20_000);
  if (!(timeoutMs > 0)) throw new RangeError(`probe timeoutMs must be > 0, got ${timeoutMs}`);
  await checkLocalFile(loc);
  let run = await discover(loc, timeoutMs);
  // That race may exist elsewhere too; a local file answers in ~0.1 s, so one retry is cheap.
  if (run.timedOut && loc.kind === 'file') run = await discover(loc, timeoutMs);
  if (run.timedOut) {
    throw new SourceError(loc.name, 'unreadable', `gst-discoverer-1.0 did not answer within ${timeoutMs} ms`);
  }
  const parsed = run.parsed;
  if (parsed.error !== null || parsed.video === null) {
    throw await probeFailure(loc, parsed, run.plain);
  }
  const v = parsed.video;
  return {
    info: {
      uri: loc.uri,
      width: v.width,
      height: v.height,
      durationMs: parsed.live ? null : parsed.durationMs,
      fps: v.fps,
      createdAtMs: parsed.createdAtMs,
      codec: v.codec,
    },
    par: v.par,
    live: parsed.live,
  };
}

/**
 * The checks on a local file that need no GStreamer: an empty file, an MP4 without its moov index
 * (cut short, or never finished). Run by every probe, and before decoding a file probed earlier.
 */
export async function checkLocalFile(loc: SourceLocation): Promise<void> {
  if (loc.path !== null) {
    // An empty file (a copy cut short at its start, a recorder that never wrote) says so plainly.
    if ((await stat(loc.path).catch(() => null))?.size === 0)
      throw new SourceError(loc.name, 'unreadable', 'the file is empty (0 bytes)');
    // An MP4 without its moov index cannot be played. Answer without the discoverer: on such files
    // it sometimes misses qtdemux's immediate error and sits out its whole timeout (measured: 5 of
    // 60 runs two at a time, 8 of 30 beside a busy core).
    const layout = await isoBmffLayout(loc.path);
    if (layout && !layout.hasMoov) {
      throw layout.cut
        ? new SourceError(
            loc.name,
            'truncated',
            `${describeCut(layout)}; an MP4 cannot be decoded without its moov index`,
          )
        : new SourceError(
            loc.name,
            'unreadable',
            'an MP4/MOV file without a moov index box cannot be decoded',
          );
    }
  }
}

/**
 * An earlier probe's findings (ProbedSource, as an extract job carries it) once the local file's
 * checks pass (it may have been cut short since), or a new probe when there are none.
 */
export async function probeUnlessProbed(
  loc: SourceLocation,
  probed: ProbedSource | undefined,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  if (!probed || !(await unchanged(loc, probed.file))) return probeLocation(loc, options);
  await checkLocalFile(loc);
  const { par, file: _file, ...info } = probed;
  return { info: { uri: loc.uri, ...info }, par, live: false };
}

/** Whether a local file still has the size and modification time it had when probed. */
async function unchanged(loc: SourceLocation, was: ProbedSource['file']): Promise<boolean> {
  if (!loc.path || !was) return !loc.path; // a local file probed without them: probe it again
  const st = await stat(loc.path).catch(() => null);
  return st !== null && st.size === was.bytes && st.mtimeMs === was.mtimeMs;
}

/** What a ProbeResult says of a file (and the file's size and time, from `stat`), as an extract job carries it. */
export function probedSource(r: ProbeResult, file?: { size: number; mtimeMs: number }): ProbedSource {
  const { uri: _uri, ...info } = r.info;
  return { ...info, par: r.par, ...(file ? { file: { bytes: file.size, mtimeMs: file.mtimeMs } } : {}) };
}

/** Runs the plain and the verbose discoverer side by side. */
async function discover(
  loc: SourceLocation,
  timeoutMs: number,
): Promise<{ parsed: DiscovererOutput; plain: CapturedRun; timedOut: boolean }> {
  const args = ['-t', String(Math.max(1, Math.ceil(timeoutMs / 1000))), loc.uri];
  let plain: CapturedRun;
  let verbose: CapturedRun;
  try {
    [plain, verbose] = await Promise.all([
      runCapture('gst-discoverer-1.0', args, timeoutMs + 5000),
      runCapture('gst-discoverer-1.0', ['-v', ...args], timeoutMs + 5000),
    ]);
  } catch (e) {
    throw new SourceError(loc.name, 'unreadable', `cannot run gst-discoverer-1.0: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const parsed = parseDiscovererOutput(plain.stdout, verbose.stdout);
  const timedOut =
    plain.timedOut ||
    verbose.timedOut ||
    parsed.error === 'Analyzing URI timed out' ||
    /^\s*Analyzing URI timed out$/m.test(verbose.stdout);
  return { parsed, plain, timedOut };
}

async function probeFailure(
  loc: SourceLocation,
  parsed: DiscovererOutput,
  run: { stdout: string; stderr: string; code: number | null },
): Promise<SourceError> {
  const gst = parsed.error ?? run.stderr.trim().split('\n').pop() ?? `exit code ${run.code}`;
  if (loc.path !== null) {
    try {
      const st = await stat(loc.path);
      if (st.isDirectory())
        return new SourceError(loc.name, 'unreadable', `is a directory (GStreamer: ${gst})`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        return new SourceError(loc.name, 'not-found', `no such file (GStreamer: ${gst})`);
      }
      return new SourceError(loc.name, 'unreadable', `${(e as Error).message} (GStreamer: ${gst})`);
    }
    const layout = await isoBmffLayout(loc.path);
    if (layout?.cut) {
      return new SourceError(loc.name, 'truncated', `${describeCut(layout)} (GStreamer: ${gst})`);
    }
  }
  if (/resource not found/i.test(gst)) return new SourceError(loc.name, 'not-found', `GStreamer: ${gst}`);
  if (parsed.error === null && parsed.video === null) {
    const streams = parsed.streams.length > 0 ? parsed.streams.join('; ') : 'none';
    return new SourceError(loc.name, 'unreadable', `no video stream (streams: ${streams})`);
  }
  return new SourceError(loc.name, 'unreadable', `not a media file GStreamer can read (GStreamer: ${gst})`);
}

/** "the file ends at byte 1217761 inside its 'mdat' box (…)": for error messages. */
export function describeCut(layout: IsoBmffLayout): string {
  const c = layout.cut;
  if (!c) return `all ${layout.fileSize} bytes of the file are whole`;
  return (
    `the file ends at byte ${layout.fileSize} inside its '${c.box}' box (which starts at ${c.offset} and ` +
    `declares ${c.size} bytes)${layout.hasMoov ? '' : ' and has no moov index'}: the recording was cut short`
  );
}

export interface DiscovererOutput {
  /** GStreamer's reason when discovery failed (error, invalid URI, timeout); null on success. */
  error: string | null;
  durationMs: number | null;
  live: boolean;
  createdAtMs: number | null;
  /** First video stream, null when there is none. */
  video: {
    codec: string | null;
    width: number;
    height: number;
    fps: number | null;
    par: { num: number; den: number };
  } | null;
  /** Every stream line (`audio #2: MPEG-4 AAC`), for error messages. */
  streams: string[];
}

/**
 * Parses `gst-discoverer-1.0` and `gst-discoverer-1.0 -v` output (the tags, hence the creation
 * time, come from the verbose one). Pure.
 */
export function parseDiscovererOutput(plain: string, verbose = ''): DiscovererOutput {
  const lines = plain.split(/\r?\n/);
  let error: string | null = null;
  let durationMs: number | null = null;
  let live = false;
  let video: DiscovererOutput['video'] = null;
  const streams: string[] = [];
  let inVideo = false;
  let videoIndent = 0;
  let w = 0;
  let h = 0;
  let fps: number | null = null;
  let par = { num: 1, den: 1 };
  let codec: string | null = null;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const indent = line.length - line.trimStart().length;
    const t = line.trim();
    if (t === 'An error was encountered while discovering the file') {
      error = lines[i + 1]?.trim() || 'unknown error';
      i++;
      continue;
    }
    if (t === 'URI is not valid' || t === 'Analyzing URI timed out' || t === 'Discoverer was busy') {
      error = t;
      continue;
    }
    const stream = /^(video|audio|subtitles|container|unknown) #\d+: (.*)$/.exec(t);
    if (stream) {
      if (stream[1] !== 'container') streams.push(t);
      if (inVideo) inVideo = false;
      if (stream[1] === 'video' && video === null && codec === null && w === 0) {
        inVideo = true;
        videoIndent = indent;
        codec = stream[2].trim() || null;
      }
      continue;
    }
    if (inVideo && indent <= videoIndent) inVideo = false;
    const kv = /^([A-Za-z ]+): (.*)$/.exec(t);
    if (!kv) continue;
    const [, key, value] = kv;
    if (inVideo) {
      if (key === 'Width') w = Number(value);
      else if (key === 'Height') h = Number(value);
      else if (key === 'Frame rate') {
        const f = /^(\d+)\/(\d+)$/.exec(value);
        fps = f && Number(f[1]) > 0 && Number(f[2]) > 0 ? Number(f[1]) / Number(f[2]) : null;
      } else if (key === 'Pixel aspect ratio') {
        const f = /^(\d+)\/(\d+)$/.exec(value);
        if (f && Number(f[1]) > 0 && Number(f[2]) > 0) par = { num: Number(f[1]), den: Number(f[2]) };
      }
    } else if (key === 'Duration' && durationMs === null) {
      durationMs = parseClockTime(value);
    } else if (key === 'Live') {
      live = value === 'yes';
    }
  }
  if (codec !== null || w > 0) {
    video = w > 0 && h > 0 ? { codec, width: w, height: h, fps, par } : null;
  }
  return { error, durationMs, live, createdAtMs: parseCreatedAt(verbose), video, streams };
}

/** `0:00:37.688000000` → 37688; GST_CLOCK_TIME_NONE (`99:99:99.999999999`) and 0 → null. */
export function parseClockTime(value: string): number | null {
  const m = /^(\d+):(\d{2}):(\d{2})\.(\d{1,9})$/.exec(value.trim());
  if (!m || (m[1] === '99' && m[2] === '99')) return null;
  const ns =
    BigInt(m[1]) * 3_600_000_000_000n + BigInt(m[2]) * 60_000_000_000n + BigInt(m[3]) * 1_000_000_000n;
  const frac = BigInt(m[4].padEnd(9, '0'));
  const ms = Number(ns + frac) / 1e6;
  return ms > 0 ? ms : null;
}

/**
 * The container's `datetime` tag from verbose output. GstDateTime prints ISO 8601 with as much
 * precision as it has: a full date-time (with zone, or UTC assumed) or a date alone (midnight
 * UTC) are used; a year or year-month alone is too vague to place frames and gives null.
 */
export function parseCreatedAt(verbose: string): number | null {
  const m = /^\s*datetime: (.+)$/m.exec(verbose);
  if (!m) return null;
  const v = m[1].trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return Date.parse(`${v}T00:00:00Z`);
  const dt = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  if (!dt) return null;
  const t = Date.parse(`${dt[1]}${dt[2] ?? 'Z'}`);
  return Number.isNaN(t) ? null : t;
}

export interface IsoBmffLayout {
  fileSize: number;
  hasMoov: boolean;
  /** The first top-level box that runs past the end of the file; null when every box is whole. */
  cut: { box: string; offset: number; size: number } | null;
}

/**
 * Walks the top-level boxes of an MP4/MOV/3GP file (headers only, a few reads) to tell a file cut
 * short from one that is whole; null when the file is not ISO BMFF.
 *
 *   ┌ftyp 28┐┌wide 8┐┌mdat 2424616 ·····························┐┌moov 10870┐
 *   0       28      36                       ▲ file ends here     2424652
 *                                             (mdat claims more bytes than exist, moov lost)
 */
export async function isoBmffLayout(path: string): Promise<IsoBmffLayout | null> {
  const fh = await open(path, 'r').catch(() => null);
  if (!fh) return null;
  try {
    const fileSize = (await fh.stat()).size;
    const head = Buffer.alloc(16);
    let offset = 0;
    let hasMoov = false;
    let first = true;
    while (offset < fileSize) {
      const { bytesRead } = await fh.read(head, 0, 16, offset);
      if (bytesRead < 8) return { fileSize, hasMoov, cut: { box: '(header)', offset, size: 8 } };
      const type = head.toString('latin1', 4, 8);
      if (!/^[a-zA-Z0-9 \xa9_-]{4}$/.test(type)) return null;
      if (first && !['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'styp'].includes(type)) {
        return null;
      }
      first = false;
      let size = head.readUInt32BE(0);
      if (size === 1) {
        if (bytesRead < 16) return { fileSize, hasMoov, cut: { box: type, offset, size: 16 } };
        size = Number(head.readBigUInt64BE(8));
      } else if (size === 0) {
        size = fileSize - offset; // "extends to the end of the file"
      }
      if (size < 8) return null;
      if (type === 'moov') hasMoov = true;
      if (offset + size > fileSize) return { fileSize, hasMoov, cut: { box: type, offset, size } };
      offset += size;
    }
    return { fileSize, hasMoov, cut: null };
  } catch {
    return null; // a directory, a device, an I/O error: not for this check to report
  } finally {
    await fh.close();
  }
}
