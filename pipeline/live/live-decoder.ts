import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { RgbFrame } from '../../schemas/frame.ts';
import { ConfigError } from '../errors/config-error.ts';
import { BufferPool, releaseOnce } from '../extract/buffer-pool.ts';
import { fitInside, fpsFraction, packRgb } from '../extract/frame-extractor.ts';
import { GdpReader } from '../extract/gdp-reader.ts';
import { gstChildEnv } from '../extract/gst-process.ts';
import { describeGstMessage, parseGstLaunchStderr } from '../extract/gst-stderr.ts';
import { intField, parseGstStructure } from '../extract/gst-structure.ts';
import { cropResize } from '../plates/image-ops.ts';
import { liveSourceElements, type RtspTransport } from './live-source.ts';

export interface LiveDecoderOptions {
  uri: string;
  /** Frames per second to deliver (at most; a slower camera delivers fewer: frames are only dropped). */
  fps: number;
  /** The box frames are scaled to fit in (aspect ratio kept, never upscaled). */
  maxWidth: number;
  maxHeight: number;
  rtspTransport?: RtspTransport;
  /** GST_PLUGIN_FEATURE_RANK for the child (hardware decoders first); '' or absent: GStreamer's choice. */
  featureRank?: string;
  /**
   * A region of interest (source pixels) and the source's size: only the region is decoded into
   * frames (videocrop before videoscale, so a small region keeps its detail). The size must be the
   * stream's (a live stream says it only once connected: see CameraSupervisor).
   */
  crop?: { x: number; y: number; width: number; height: number; sourceWidth: number; sourceHeight: number };
  /**
   * Also hand out each frame at the source's resolution (`source`, of the region when cropped), for
   * plate reading: GStreamer then delivers full frames and the box-sized `frame` is scaled here.
   */
  keepSource?: boolean;
}

/** A decoded live frame: `ptsMs` is the pipeline's running time, `receivedMs` the wall clock on arrival. */
export interface LiveFrame {
  frame: RgbFrame;
  /** With keepSource: the frame at the source's resolution (scale 1, of the region when cropped). */
  source?: RgbFrame;
  ptsMs: number;
  receivedMs: number;
  /**
   * Gives `frame`'s bytes back to the decoder for a later frame: call it when the frame is dropped
   * and nothing refers to it (see BufferPool). Absent with keepSource.
   */
  release?: () => void;
}

/** How a decoder run ended: never "fine" for a live source, so always with a reason. */
export interface LiveDecoderEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: string;
}

const GRACE_MS = 2000;

/**
 * One connection to a live camera: a `gst-launch-1.0` child that receives, decodes, drops frames
 * down to the sampling rate and scales them, and hands them out as RGB with their PTS.
 *
 *   <source elements> ! videorate drop-only=true ! video/x-raw,framerate=F
 *     ! videoscale name=scale ! videoconvert
 *     ! video/x-raw,format=RGB,width=[1,W],height=[1,H],pixel-aspect-ratio=1/1
 *     ! gdppay ! fdsink fd=3
 *
 * Unlike a file (FrameExtractor), nothing is probed first: a probe is one more RTSP session per
 * reconnection, and gst-discoverer cannot tell an RTSP stream's size without decoding it. Instead
 * the capsfilter gives RANGES with square pixels, and videoscale's fixation picks the largest size
 * with the source's aspect ratio that fits (1280×720 → 512×288, 400×300 stays). The source's size
 * (needed to map boxes back to source pixels) is read from `-v`, which prints each pad's caps on
 * stdout; so the frames travel on fd 3, not stdout. `drop-only`: videorate would otherwise fill a
 * stall with copies of the last frame once the stream resumes (a burst of stale frames).
 *
 * A live source never ends well: any exit (an RTSP-over-TCP server that dies ends gst-launch with
 * code 0, like an end of stream) ends the iteration, and `ended` says why. Supervision (watchdog,
 * restarts) is the caller's: see CameraSupervisor.
 *
 * @example
 *   const d = new LiveDecoder({ uri: 'rtsp://127.0.0.1:8554/cam', fps: 2, maxWidth: 512, maxHeight: 512 });
 *   for await (const f of d.frames()) console.log(f.ptsMs, f.frame.width, f.frame.scale);
 *   console.log((await d.ended).reason); // e.g. "gst-launch-1.0 exited with code 0 (end of stream) after 40 frames"
 */
export class LiveDecoder {
  readonly args: string[];
  #child: ChildProcess | null = null;
  #stderr = '';
  #stdout = '';
  #source: { width: number; height: number } | null = null;
  #sourceWaiters: Array<() => void> = [];
  #decoder: string | null = null;
  #warnings = 0;
  #frames = 0;
  #closing = false;
  #ended: Promise<LiveDecoderEnd> | null = null;
  readonly #featureRank: string;
  readonly #intervalMs: number;
  /** Whether videorate samples the stream; without it (MJPEG) frames are thinned here by PTS. */
  readonly #sampledByVideorate: boolean;
  /** Called for each decoder warning GStreamer prints (a damaged frame, a lost packet). */
  onWarning: ((message: string) => void) | null = null;

  constructor(readonly options: LiveDecoderOptions) {
    const f = fpsFraction(options.fps);
    if (!(options.fps > 0 && options.fps <= 60) || !f) {
      throw new ConfigError('LiveDecoder', 'fps', `must be a number in (0, 60], got ${options.fps}`);
    }
    for (const k of ['maxWidth', 'maxHeight'] as const) {
      if (!(Number.isInteger(options[k]) && options[k] >= 16)) {
        throw new ConfigError('LiveDecoder', k, `must be an integer >= 16, got ${options[k]}`);
      }
    }
    this.#featureRank = options.featureRank ?? '';
    this.#intervalMs = (1000 * f.den) / f.num;
    const src = liveSourceElements(options.uri, options.rtspTransport);
    this.#sampledByVideorate = src.videorate;
    const rate = src.videorate
      ? ['!', 'videorate', 'drop-only=true', '!', `video/x-raw,framerate=${f.num}/${f.den}`]
      : [];
    const c = options.crop;
    if (c) {
      const inside =
        c.x >= 0 && c.y >= 0 && c.x + c.width <= c.sourceWidth && c.y + c.height <= c.sourceHeight;
      if (!(inside && c.width >= 16 && c.height >= 16)) {
        throw new ConfigError(
          'LiveDecoder',
          'roi',
          `${c.width}x${c.height} at (${c.x}, ${c.y}) does not fit the ${c.sourceWidth}x${c.sourceHeight} picture`,
        );
      }
    }
    // videocrop takes margins: what is left of, above, right of and below the region.
    const crop = c
      ? [
          '!',
          'videocrop',
          'name=crop',
          `left=${c.x}`,
          `top=${c.y}`,
          `right=${c.sourceWidth - c.x - c.width}`,
          `bottom=${c.sourceHeight - c.y - c.height}`,
        ]
      : [];
    this.args = [
      '-v',
      ...src.elements,
      ...rate,
      ...crop,
      '!',
      'videoscale',
      'name=scale',
      'add-borders=false',
      '!',
      'videoconvert',
      '!',
      options.keepSource
        ? 'video/x-raw,format=RGB,width=[1,16384],height=[1,16384],pixel-aspect-ratio=1/1'
        : `video/x-raw,format=RGB,width=[1,${options.maxWidth}],height=[1,${options.maxHeight}],pixel-aspect-ratio=1/1`,
      '!',
      'gdppay',
      '!',
      'fdsink',
      'fd=3',
    ];
  }

  /** Process id of gst-launch-1.0 while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The source's picture size, once negotiated. */
  get sourceSize(): { width: number; height: number } | null {
    return this.#source;
  }

  /** The decoder element decodebin chose (e.g. `avdec_h264`, `nvh264dec`, `jpegdec`), once known. */
  get decoder(): string | null {
    return this.#decoder;
  }

  /** Frames delivered and decoder warnings so far. */
  get counts(): { frames: number; warnings: number } {
    return { frames: this.#frames, warnings: this.#warnings };
  }

  /** Resolves when the child has exited, with the reason (available after frames() started). */
  get ended(): Promise<LiveDecoderEnd> {
    if (!this.#ended) throw new Error('LiveDecoder: ended is available once frames() has started');
    return this.#ended;
  }

  /** The frames until the decoder exits or close() is called. Iterate once. */
  async *frames(): AsyncGenerator<LiveFrame, void, undefined> {
    if (this.#child) throw new Error('LiveDecoder: frames can be iterated only once');
    const env = gstChildEnv();
    if (this.#featureRank) env.GST_PLUGIN_FEATURE_RANK = this.#featureRank;
    const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'gst-launch-1.0', ...this.args], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env,
    });
    this.#child = child;
    this.#ended = new Promise((resolve) => {
      child.once('error', (e) =>
        resolve({ code: null, signal: null, reason: `cannot start gst-launch-1.0: ${e.message}` }),
      );
      child.once('close', (code, signal) => resolve({ code, signal, reason: this.#reason(code, signal) }));
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => this.#onStdout(d));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => this.#onStderr(d));
    const data = child.stdio[3] as Readable;
    data.on('error', () => {});
    // Frames are mostly dropped after a look (motion frames): their buffers come back through release().
    const pool = new BufferPool(4);
    const reader = new GdpReader({ alloc: (n) => pool.alloc(n) });
    let caps: { width: number; height: number } | null = null;
    let keptPts: number | null = null;
    try {
      for await (const chunk of data as AsyncIterable<Buffer>) {
        for (const pkt of reader.push(chunk)) {
          if (pkt.kind === 'caps') {
            const c = pkt.caps;
            const w = c && intField(c, 'width');
            const h = c && intField(c, 'height');
            if (w && h) caps = { width: w, height: h };
          } else if (pkt.kind === 'buffer' && caps && pkt.ptsNs !== null) {
            // Sources without videorate (MJPEG) come at their own rate: keep one per sampling interval.
            // Not after videorate: drop-only keeps the source's timestamps, so a 24 fps stream sampled
            // at 5 fps comes with gaps of 5 and 4 source frames (208 / 167 ms), and thinning those
            // again would drop every fifth or sixth sample (4.1 frames/s instead of 5).
            const pts = pkt.ptsNs / 1e6;
            if (!this.#sampledByVideorate) {
              if (keptPts !== null && pts - keptPts < this.#intervalMs * 0.9) continue;
              keptPts = pts;
            }
            const receivedMs = Date.now();
            const src = await this.#sourceSizeSoon();
            this.#frames++;
            const decoded: RgbFrame = {
              data: packRgb(pkt.payload, caps.width, caps.height),
              width: caps.width,
              height: caps.height,
              // frame pixels per source pixel: of the region when cropped
              scale: this.options.crop
                ? caps.width / this.options.crop.width
                : src
                  ? caps.width / src.width
                  : 1,
            };
            yield {
              ...(this.options.keepSource
                ? this.#withSource(decoded)
                : { frame: decoded, release: releaseOnce(pool, decoded.data) }),
              ptsMs: pkt.ptsNs / 1e6,
              receivedMs,
            };
          }
        }
        if (this.#closing) break;
      }
    } catch (e) {
      if (!this.#closing) this.#stderr += `\nERROR: unreadable frame stream: ${(e as Error).message}\n`;
    } finally {
      await this.close();
    }
  }

  /** keepSource: the decoded frame (copied: the reader may reuse its buffer) and its box-sized copy. */
  #withSource(decoded: RgbFrame): { frame: RgbFrame; source: RgbFrame } {
    const source = { ...decoded, data: decoded.data.slice() };
    const fit = fitInside(source.width, source.height, this.options.maxWidth, this.options.maxHeight);
    const whole = { x: 0, y: 0, w: source.width, h: source.height };
    const frame = {
      data: cropResize(source, whole, fit.width, fit.height),
      width: fit.width,
      height: fit.height,
      scale: source.scale * fit.scale,
    };
    return { frame, source };
  }

  /** Stops the decoder. Safe at any time, repeatedly. */
  async close(): Promise<void> {
    this.#closing = true;
    const child = this.#child;
    if (!child || !this.#ended) return;
    let timer: NodeJS.Timeout | undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      timer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
    }
    (child.stdio[3] as Readable | null)?.destroy();
    await this.#ended;
    clearTimeout(timer);
  }

  /** The source size is printed on stdout around when the first frame arrives on fd 3: wait briefly. */
  async #sourceSizeSoon(): Promise<{ width: number; height: number } | null> {
    if (this.#source) return this.#source;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      this.#sourceWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
    return this.#source;
  }

  #onStdout(d: string): void {
    this.#stdout += d;
    const lines = this.#stdout.split('\n');
    this.#stdout = lines.pop() ?? '';
    for (const line of lines) {
      // /GstPipeline:pipeline0/GstVideoScale:scale.GstPad:sink: caps = video/x-raw, format=(string)I420, width=(int)1280, ...
      // (with a region of interest, the crop's input is the source picture: GstVideoCrop:crop.GstPad:sink)
      const m = (
        this.options.crop
          ? /GstVideoCrop:crop\.GstPad:sink: caps = (.*)$/
          : /GstVideoScale:scale\.GstPad:sink: caps = (.*)$/
      ).exec(line);
      if (m && !this.#source) {
        const st = parseGstStructure(m[1]);
        const w = st && intField(st, 'width');
        const h = st && intField(st, 'height');
        if (w && h) {
          this.#source = { width: w, height: h };
          for (const wake of this.#sourceWaiters.splice(0)) wake();
        }
      }
      // The decoder decodebin plugged: /GstPipeline:pipeline0/GstDecodeBin:decodebin0/GstNvH264Dec:nvh264dec0.GstPad:src: caps = ...
      // (software: …/avdec_h264:avdec_h264-0.GstPad:src: …); the element name minus its number.
      const dec = /\/[\w-]+:([\w-]*dec[\w-]*)\.GstPad:src: caps = video\/x-raw/.exec(line);
      if (dec && !this.#decoder && !/decodebin/.test(dec[1])) this.#decoder = dec[1].replace(/-?\d+$/, '');
    }
  }

  #onStderr(d: string): void {
    this.#stderr += d;
    if (this.#stderr.length > 256 * 1024) this.#stderr = this.#stderr.slice(-128 * 1024);
    for (const m of d.matchAll(/^WARNING: from element (\S+): (.*)$/gm)) {
      this.#warnings++;
      this.onWarning?.(`${m[1].split('/').pop()}: ${m[2]}`);
    }
  }

  #reason(code: number | null, signal: NodeJS.Signals | null): string {
    const gst = parseGstLaunchStderr(this.#stderr);
    const after = `after ${this.#frames} frame(s)`;
    if (gst.errors.length) return `${describeGstMessage(gst.errors[0])} ${after}`;
    if (this.#closing && (signal === 'SIGTERM' || signal === 'SIGKILL')) return `stopped ${after}`;
    if (signal) return `gst-launch-1.0 was killed by ${signal} ${after}`;
    if (code === 0)
      return `gst-launch-1.0 exited with code 0 (end of stream: the server closed the session) ${after}`;
    return `gst-launch-1.0 exited with code ${code} ${after}`;
  }
}
