import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { RgbFrame, SourceInfo } from '../../schemas/frame.ts';
import { ConfigError } from '../errors/config-error.ts';
import { SourceError } from '../errors/source-error.ts';
import { BufferPool, releaseOnce } from './buffer-pool.ts';
import {
  type ExtractedFrame,
  type FrameExtractorOptions,
  type FrameGeometry,
  type FrameSamplingOptions,
  validateExtractorOptions,
} from './frame-extractor-options.ts';
import { GdpError, GdpReader } from './gdp-reader.ts';
import { buildGstLaunchArgs, fitInside, packRgb, rgbCaps, segmentTimes } from './gst-frame-pipeline.ts';
import { gstChildEnv } from './gst-process.ts';
import { describeGstMessage, parseGstLaunchStderr, reasonForGstError } from './gst-stderr.ts';
import { describeCut, isoBmffLayout, probeUnlessProbed } from './probe-source.ts';
import type { SourceLocation } from './source-location.ts';

// The options and the gst-launch pipeline live beside this file; importers may keep using this one.
export * from './frame-extractor-options.ts';
export { buildGstLaunchArgs, fitInside, fpsFraction, packRgb } from './gst-frame-pipeline.ts';

const GRACE_MS = 3000;
/** How long a decoder may take to start (its first output), whatever stallTimeoutMs says. */
const START_GRACE_MS = 30_000;
const STDERR_KEEP = 128 * 1024;

/**
 * Decodes a video file or stream with a `gst-launch-1.0` child process and hands out
 * frames sampled at a fixed rate, scaled to fit a box, as tightly packed RGB with their PTS.
 *
 * Why a child process: no usable Node binding exists (GStreamer's Node bindings are unmaintained), and a child costs the
 * same CPU, cannot crash or leak into this process, and is killed as a whole. `setpriv
 * --pdeathsig TERM` makes it die with its parent, so a crashed worker leaves no decoder behind.
 *
 * The pipeline (file sources):
 *
 *   filesrc location=F ! decodebin                        demux + decode (all frames: codecs need them)
 *     ! videorate ! video/x-raw,framerate=5/1             drop to the sampling rate FIRST, so only
 *                                                         kept frames are scaled and converted
 *     ! videoscale add-borders=false                      scale in the decoder's YUV (1.5 B/px, not 3)
 *     ! videoconvert                                      YUV → RGB on the small frame
 *     ! video/x-raw,format=RGB,width=W,height=H,pixel-aspect-ratio=P
 *     ! gdppay ! fdsink fd=1                              framed buffers + PTS on stdout
 *
 * videorate emits one frame per slot of the sampling grid (PTS exactly n / fps, duplicating or
 * dropping source frames), so the PTS are regular and the same for every run over the same file.
 * PTS are reported as running time (buffer PTS − segment start), so an MPEG-TS whose clock starts
 * at 0.125 s still yields 0, 200, 400 ms.
 *
 * Scaling: one factor for both axes, `scale = min(1, maxWidth / width, maxHeight / height)`, size
 * rounded (RgbFrame's contract); never upscaled, since enlarging adds no information and the
 * detector pads small frames anyway. The source's pixel aspect ratio is kept, so boxes map back to
 * source pixels by dividing by `scale` (anamorphic sources therefore give non-square pixels).
 * `add-borders=false`: videoscale would otherwise paint a black row to fix the sub-pixel aspect
 * error of rounding (282 vs 281.6).
 *
 *   source 640×352 ─ scale min(512/640, 512/352, 1) = 0.8 ─▶ frame 512×282
 *
 * Backpressure: stdout is read only while the consumer pulls. When it stops, Node stops reading
 * the pipe, the pipe fills (64 KiB) and gst-launch blocks in write(); memory stays at about one
 * frame plus the stream's buffer, whatever the file's length.
 *
 * Errors are SourceErrors, thrown by the iterator AFTER every frame decoded before the fault has
 * been delivered (the caller keeps what it processed):
 *   - an `ERROR:` from GStreamer → corrupt / unreadable / not-found / decoder-exit (gst-stderr.ts)
 *   - a non-zero exit or a signal without an ERROR line → decoder-exit
 *   - a clean exit whose last PTS falls short of the container's duration by more than the
 *     tolerance → truncated (truncated MP4/MKV decode "successfully" to the cut and exit 0); for an
 *     MP4 whose boxes are all whole (so not cut) → corrupt, as its data must be damaged
 *   - probing failures (not-found, unreadable, truncated) → thrown by start()
 *
 * @example
 *   import { FrameExtractor } from './pipeline/extract/frame-extractor.ts';
 *
 *   const ex = new FrameExtractor({
 *     path: 'samples/residential-street.mp4',
 *     fps: 5,
 *     maxWidth: 512,
 *     maxHeight: 512,
 *     startTimeMs: Date.parse('2017-09-05T13:53:54Z'),
 *   });
 *   try {
 *     const info = await ex.start(); // optional: iterating starts it too
 *     console.log(info.width, info.height, ex.output); // 640 352 { width: 512, height: 282, scale: 0.8 }
 *     for await (const { frame, time, index } of ex) {
 *       console.log(index, time.ptsMs, frame.data.length); // 0 0 433152, 1 200 433152, …
 *       if (index === 9) break; // breaking out kills gst-launch-1.0
 *     }
 *   } finally {
 *     await ex.close();
 *   }
 */
export class FrameExtractor implements AsyncIterable<ExtractedFrame> {
  readonly #loc: SourceLocation;
  readonly #fps: { num: number; den: number };
  readonly #opts: FrameSamplingOptions;
  #starting: Promise<SourceInfo> | null = null;
  #info: SourceInfo | null = null;
  #output: FrameGeometry | null = null;
  #args: string[] | null = null;
  #child: ChildProcessByStdio<null, Readable, Readable> | null = null;
  #exited: Promise<ChildExit> | null = null;
  #stderr = '';
  #iterated = false;
  #closing = false;
  #frames = 0;
  #lastPtsMs: number | null = null;
  #stalled = false;
  #stallLimitMs = 0;

  constructor(options: FrameExtractorOptions) {
    const v = validateExtractorOptions(options);
    this.#loc = v.loc;
    this.#fps = v.fps;
    this.#opts = v.sampling;
  }

  /** The probed source. Available once start() has resolved. */
  get info(): SourceInfo {
    if (!this.#info) throw new Error('FrameExtractor: info is available after start()');
    return this.#info;
  }

  /** Size and scale of the frames. Available once start() has resolved. */
  get output(): FrameGeometry {
    if (!this.#output) throw new Error('FrameExtractor: output is available after start()');
    return this.#output;
  }

  /** The gst-launch-1.0 arguments (for logs). Available once start() has resolved. */
  get gstLaunchArgs(): readonly string[] {
    if (!this.#args) throw new Error('FrameExtractor: gstLaunchArgs are available after start()');
    return this.#args;
  }

  /** Process id of the running gst-launch-1.0 (setpriv execs it, so the pid is the decoder's). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Frames delivered so far and the PTS of the last one. */
  get progress(): { frames: number; lastPtsMs: number | null } {
    return { frames: this.#frames, lastPtsMs: this.#lastPtsMs };
  }

  /** What the source name in errors is: the path as given, or the URI. */
  get source(): string {
    return this.#loc.name;
  }

  /** Probes the source and starts the decoder. Idempotent; iterating calls it. */
  start(): Promise<SourceInfo> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<SourceInfo> {
    const probe = await probeUnlessProbed(this.#loc, this.#opts.probed, {
      timeoutMs: this.#opts.probeTimeoutMs,
    });
    const info = probe.info;
    this.#info = info;
    const crop = this.#opts.crop;
    if (crop && (crop.x + crop.width > info.width || crop.y + crop.height > info.height)) {
      throw new ConfigError(
        'FrameExtractor',
        'crop',
        `${crop.width}x${crop.height} at (${crop.x}, ${crop.y}) does not fit in the ${info.width}x${info.height} source ${this.#loc.name}`,
      );
    }
    const region = crop ?? { width: info.width, height: info.height };
    this.#output = fitInside(region.width, region.height, this.#opts.maxWidth, this.#opts.maxHeight);
    this.#args = buildGstLaunchArgs(
      this.#loc,
      this.#fps,
      this.#output,
      probe.par,
      crop ? { ...crop, sourceWidth: info.width, sourceHeight: info.height } : undefined,
    );
    if (this.#closing) return info;
    const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'gst-launch-1.0', ...this.#args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: gstChildEnv(),
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal, error: null }));
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      this.#stderr += d;
      if (this.#stderr.length > 2 * STDERR_KEEP) this.#stderr = this.#stderr.slice(-STDERR_KEEP);
    });
    // Errors surface through the iterator (stdout) and the exit status, not as unhandled events.
    child.stdout.on('error', () => {});
    return info;
  }

  [Symbol.asyncIterator](): AsyncGenerator<ExtractedFrame, void, undefined> {
    return this.frames();
  }

  /** The frames, once: a second iteration throws. Breaking out of the loop kills the decoder. */
  async *frames(): AsyncGenerator<ExtractedFrame, void, undefined> {
    if (this.#iterated) throw new Error('FrameExtractor: frames can be iterated only once');
    this.#iterated = true;
    try {
      await this.start();
      const child = this.#child;
      if (this.#closing || !child) return;
      yield* this.#decode(child);
    } finally {
      await this.#stopChild();
    }
  }

  async *#decode(child: ChildProcessByStdio<null, Readable, Readable>): AsyncGenerator<ExtractedFrame> {
    const info = this.info;
    const out = this.output;
    // Motion frames are dropped after a look: their buffers come back through release().
    const pool = new BufferPool(4);
    const reader = new GdpReader({ alloc: (n) => pool.alloc(n) });
    let caps: { width: number; height: number } | null = null;
    let segment = { startNs: 0, baseNs: 0 };
    let streamFault: Error | null = null;
    try {
      const chunks = (child.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      for (;;) {
        // Only this await waits on the decoder (at a yield, the consumer holds the pace), so a timer
        // around it measures the decoder's silence and nothing else.
        // Before its first output the decoder is starting (prerolling, probing the stream): that is
        // no stall, so the first wait has at least START_GRACE_MS.
        const started = this.#frames > 0 || caps !== null;
        const next = await this.#withStallTimeout(chunks.next(), started ? 0 : START_GRACE_MS);
        if (next.done) break;
        for (const pkt of reader.push(next.value)) {
          if (pkt.kind === 'caps') {
            caps = rgbCaps(pkt.caps);
            if (caps.width !== out.width || caps.height !== out.height) {
              // Not expected (the capsfilter fixes the size); trust the stream if it happens.
              this.#output = { width: caps.width, height: caps.height, scale: caps.width / info.width };
            }
          } else if (pkt.kind === 'event') {
            if (pkt.name === 'GstEventSegment') segment = segmentTimes(pkt.structure?.fields.get('segment'));
          } else {
            if (!caps) throw new GdpError('a buffer arrived before any caps');
            if (pkt.ptsNs === null) continue; // untimed buffer: cannot be placed; videorate never makes one
            const ptsMs = (Math.max(0, pkt.ptsNs - segment.startNs) + segment.baseNs) / 1e6;
            const frame: RgbFrame = {
              data: packRgb(pkt.payload, caps.width, caps.height),
              width: caps.width,
              height: caps.height,
              scale: this.#output?.scale ?? out.scale,
            };
            const index = this.#frames++;
            this.#lastPtsMs = ptsMs;
            const release = releaseOnce(pool, frame.data);
            yield { frame, time: { ptsMs, tsMs: this.#opts.startTimeMs + ptsMs }, index, release };
          }
        }
      }
      reader.end();
    } catch (e) {
      if (this.#closing) return;
      streamFault = e instanceof Error ? e : new Error(String(e));
      // Stop a decoder that is still writing into a stream we can no longer follow.
      await this.#stopChild();
    }
    const exit = await (this.#exited as Promise<ChildExit>);
    if (this.#stalled) {
      const s = this.#stallLimitMs / 1000;
      throw new SourceError(
        this.#loc.name,
        'decoder-exit',
        `the decoder sent nothing for ${s} s after ${this.#frames} frame(s) and was stopped (stalled)`,
      );
    }
    if (this.#closing) return;
    const failure = await this.#failure(exit, streamFault);
    if (failure) throw failure;
  }

  /** Resolves like `p`, or stops the decoder and rejects when it stays silent for stallTimeoutMs. */
  async #withStallTimeout<T>(p: Promise<T>, atLeastMs = 0): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    this.#stallLimitMs = Math.max(atLeastMs, this.#opts.stallTimeoutMs ?? 30_000);
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#stalled = true;
        reject(new Error('decoder stalled'));
      }, this.#stallLimitMs);
    });
    try {
      return await Promise.race([p, stalled]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The SourceError this run ended with, or null if it ended well. */
  async #failure(exit: ChildExit, streamFault: Error | null): Promise<SourceError | null> {
    const name = this.#loc.name;
    const at = `after ${this.#frames} frames${this.#lastPtsMs === null ? '' : ` (last PTS ${fmtS(this.#lastPtsMs)})`}`;
    if (exit.error) {
      return new SourceError(
        name,
        'decoder-exit',
        `cannot start setpriv/gst-launch-1.0: ${exit.error.message}`,
        {
          cause: exit.error,
        },
      );
    }
    const gst = parseGstLaunchStderr(this.#stderr);
    if (gst.errors.length > 0) {
      const e = gst.errors[0];
      return new SourceError(name, reasonForGstError(e), `${describeGstMessage(e)} ${at}`);
    }
    if (exit.code !== 0) {
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
      const tail = this.#stderr.trim().split('\n').slice(-3).join(' | ');
      return new SourceError(name, 'decoder-exit', `gst-launch-1.0 ${how} ${at}${tail ? `: ${tail}` : ''}`);
    }
    if (streamFault) {
      return new SourceError(name, 'decoder-exit', `unreadable frame stream ${at}: ${streamFault.message}`, {
        cause: streamFault,
      });
    }
    const durationMs = this.info.durationMs;
    if (durationMs === null) {
      return this.#frames === 0
        ? new SourceError(name, 'decoder-exit', 'gst-launch-1.0 ended without a frame')
        : null;
    }
    const interval = (1000 * this.#fps.den) / this.#fps.num;
    const tolerance = this.#opts.truncationToleranceMs ?? Math.max(1000, 2 * interval);
    const last = this.#lastPtsMs;
    if (last === null || durationMs - last > tolerance) {
      const ended =
        `decoding ended at PTS ${last === null ? 'none (no frame)' : fmtS(last)} but the container says ` +
        `${fmtS(durationMs)} (${this.#frames} frames at ${this.#opts.fps} fps, about ` +
        `${Math.ceil(durationMs / interval)} expected)`;
      // An MP4 whose boxes are all whole was not cut short: its data is damaged (GStreamer
      // conceals both the same way, exit 0). Other containers cannot be told apart cheaply.
      const layout = this.#loc.path === null ? null : await isoBmffLayout(this.#loc.path);
      if (layout && !layout.cut) {
        return new SourceError(
          name,
          'corrupt',
          `${ended}, yet all ${layout.fileSize} bytes of the file are whole`,
        );
      }
      return new SourceError(name, 'truncated', layout?.cut ? `${ended}: ${describeCut(layout)}` : ended);
    }
    return null;
  }

  /** Stops the decoder (if running) and releases its pipes. Safe to call at any time, repeatedly. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#starting?.catch(() => {});
    await this.#stopChild();
  }

  async #stopChild(): Promise<void> {
    const child = this.#child;
    if (!child || !this.#exited) return;
    let timer: NodeJS.Timeout | undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      timer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
    }
    // Drop what is left unread: the 'close' event waits for stdout to close, and a paused stdout
    // with data buffered would never see its end (the consumer stopped pulling: that is why we are
    // here). stderr keeps flowing so its last lines still reach error messages.
    child.stdout.destroy();
    await this.#exited;
    clearTimeout(timer);
  }
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error: Error | null;
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}
