import type { FrameTime, RgbFrame } from '../../schemas/frame.ts';
import { ConfigError } from '../errors/config-error.ts';
import { type MotionChain, MotionSampler } from '../motion/motion-sampler.ts';
import { CameraHealth, type HealthSnapshot, type HealthUpdate } from './camera-health.ts';
import { classifyPicture, FrozenDetector, type PictureThresholds, pictureStats } from './image-checks.ts';
import { LiveDecoder, type LiveFrame } from './live-decoder.ts';
import type { RtspTransport } from './live-source.ts';
import { RestartBackoff, type RestartBackoffOptions } from './restart-backoff.ts';
import { type LiveSegment, WallClockSegmenter } from './wall-clock-segmenter.ts';

/** A live frame placed on the wall clock. For live sources ptsMs = tsMs (the epoch is the source's start). */
export interface LiveCameraFrame {
  frame: RgbFrame;
  /** With keepSource: the frame at the source's resolution (plate reading). */
  source?: RgbFrame;
  time: FrameTime;
  /** The grey frames since the previous analysed frame, for motion estimation (with motionSteps). */
  motion?: MotionChain;
}

export interface CameraSupervisorOptions {
  cameraId: string;
  uri: string;
  fps: number;
  maxWidth: number;
  maxHeight: number;
  rtspTransport?: RtspTransport;
  /**
   * No frame for this long (once frames flowed) → the decoder is stopped and restarted. Default
   * max(1000, 3 frame intervals); for HLS (`.m3u8`) at least 6 s, as its frames come a segment at a time.
   */
  watchdogMs?: number;
  /** No first frame this long after (re)connecting → restart. Default 10 000 ms. */
  firstFrameTimeoutMs?: number;
  /** A picture unchanged this long is frozen. Default 10 s. */
  frozenAfterMs?: number;
  frozenMaxMeanDelta?: number;
  picture?: PictureThresholds;
  backoff?: RestartBackoffOptions;
  /** Segment length on the wall-clock grid, ms. */
  segmentMs: number;
  /** How long past its end a segment waits for late frames before it is handed out anyway. Default 1000 ms. */
  segmentGraceMs?: number;
  /** The camera's last segment handed out before this supervisor (a restart, a takeover); -1: none. */
  afterSegment?: number;
  /** Health intervals longer than this are cut into rows. Default 60 000 ms. */
  healthReportMs?: number;
  /** GST_PLUGIN_FEATURE_RANK for the decoder (hardware decoders). */
  featureRank?: string;
  /**
   * Region of interest, source pixels: only it is decoded into frames. A live stream tells its size
   * only once connected, so the first connection learns it and reconnects with the crop at once.
   */
  roi?: { x: number; y: number; width: number; height: number };
  /**
   * Decode fps × motionSteps frames per second and hand out every motionSteps-th with the grey
   * frames between (pipeline/motion/); 0 or absent: fps only, no motion chains.
   */
  motionSteps?: number;
  /** Also keep each frame at the source's resolution (LiveDecoder keepSource), for plate reading. */
  keepSource?: boolean;
}

/** The least default watchdog of an HLS source: three segments of the common 2 s. */
const HLS_WATCHDOG_MS = 6000;

/** What #runOnce returns when it ended a connection only to learn the picture's size. */
const LEARNED_SIZE = Symbol('learned the picture size');

export interface CameraSupervisorSink {
  /** A finished segment; calls are serialized, in segment order. */
  segment(seg: LiveSegment<LiveCameraFrame>): Promise<void>;
  /** Intervals to store and events to raise; serialized with segment(). */
  health(update: HealthUpdate): Promise<void>;
  /** Something worth a log line (restarts and their reasons). */
  log?(msg: string, fields: Record<string, unknown>): void;
}

const TICK_MS = 250;

/**
 * Keeps one live camera decoding, whatever it does: a LiveDecoder per connection, a frame watchdog,
 * a restart after ANY exit (an RTSP-over-TCP server that dies ends gst-launch with code 0), with
 * exponential backoff and jitter between attempts, and the camera's health and segments kept across
 * restarts.
 *
 *   connect ──frames──▶ watchdog ok ──▶ picture checks ─▶ CameraHealth ──▶ sink.health
 *      ▲                    │                          └▶ WallClockSegmenter ──▶ sink.segment
 *      │  backoff.next()    │ exit / no frame for watchdogMs / no first frame
 *      └────────────────────┘ (health.down: offline from the last frame)
 *
 * Time: a frame's wall time is anchored on arrival at the first frame of each connection
 * (anchor = arrival − PTS) and then follows the PTS, so frames keep the camera's own spacing;
 * it re-anchors if the two drift apart by more than 2 s, and never goes backwards.
 *
 * @example
 *   const sup = new CameraSupervisor(
 *     { cameraId: 'cam-1', uri: 'rtsp://10.0.0.7/stream1', fps: 2, maxWidth: 512, maxHeight: 512, segmentMs: 10_000 },
 *     { segment: async (s) => queue(s), health: async (u) => record(u) },
 *   );
 *   sup.start();
 *   console.log(sup.snapshot().status); // 'connecting' → 'online'
 *   await sup.stop();
 */
export class CameraSupervisor {
  readonly #o: CameraSupervisorOptions;
  readonly #sink: CameraSupervisorSink;
  readonly #health: CameraHealth;
  readonly #frozen: FrozenDetector;
  readonly #segmenter: WallClockSegmenter<LiveCameraFrame>;
  readonly #backoff: RestartBackoff;
  readonly #watchdogMs: number;
  #decoder: LiveDecoder | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #wake: (() => void) | null = null;
  #tick: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();
  #lastTs = 0;
  #decoderName: string | null = null;
  #failures: unknown[] = [];
  /** The stream's picture size, once seen (for the region of interest). */
  #sourceSize: { width: number; height: number } | null = null;

  constructor(o: CameraSupervisorOptions, sink: CameraSupervisorSink) {
    if (!(o.fps > 0)) throw new ConfigError(`camera ${o.cameraId}`, 'fps', `must be > 0, got ${o.fps}`);
    this.#o = o;
    this.#sink = sink;
    // HLS delivers a segment's frames at once, seconds apart: a frame-rate watchdog would restart a
    // healthy HLS camera between segments.
    const hls = /\.m3u8($|\?)/i.test(o.uri);
    this.#watchdogMs = o.watchdogMs ?? Math.max(hls ? HLS_WATCHDOG_MS : 1000, 3000 / o.fps);
    if (!(this.#watchdogMs > 0)) throw new ConfigError(`camera ${o.cameraId}`, 'watchdogMs', 'must be > 0');
    this.#health = new CameraHealth(Date.now(), { reportEveryMs: o.healthReportMs });
    this.#frozen = new FrozenDetector({
      frozenAfterMs: o.frozenAfterMs ?? 10_000,
      maxMeanDelta: o.frozenMaxMeanDelta,
    });
    this.#segmenter = new WallClockSegmenter(o.segmentMs, o.segmentGraceMs ?? 1000, o.afterSegment ?? -1);
    this.#backoff = new RestartBackoff(o.backoff);
  }

  /** The pid of the running gst-launch-1.0, if any (tests use it). */
  get decoderPid(): number | undefined {
    return this.#decoder?.pid;
  }

  /** Errors thrown by the sink (a sink must not throw; they are kept, not lost). */
  get sinkFailures(): readonly unknown[] {
    return this.#failures;
  }

  snapshot(): HealthSnapshot & { decoder: string | null } {
    return { ...this.#health.snapshot(Date.now()), decoder: this.#decoderName };
  }

  start(): void {
    if (this.#running) return;
    this.#tick = setInterval(() => this.#onTick(), TICK_MS);
    this.#running = this.#loop();
  }

  /** Stops the decoder, hands out the open segment and closes the open health interval. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    if (this.#tick) clearInterval(this.#tick);
    await this.#decoder?.close();
    await this.#running;
    const last = this.#segmenter.flush();
    if (last) this.#emit(() => this.#sink.segment(last));
    const closing = this.#health.close(Date.now());
    this.#emit(() => this.#sink.health(closing));
    await this.#chain;
  }

  async #loop(): Promise<void> {
    let first = true;
    while (!this.#stopped) {
      if (!first) {
        const delay = this.#backoff.next();
        this.#log('camera restarting', { inMs: Math.round(delay), failures: this.#backoff.failures });
        await this.#sleep(delay);
        if (this.#stopped) break;
        this.#health.restarted();
      }
      first = false;
      const reason = await this.#runOnce();
      if (this.#stopped) break;
      if (reason === LEARNED_SIZE) {
        first = true; // not a failure: reconnect at once, with the crop
        continue;
      }
      this.#update(this.#health.down(Date.now(), reason));
      this.#frozen.reset();
      this.#log('camera down', { reason });
    }
  }

  /** One connection: frames until the decoder ends or the watchdog fires. Returns why it ended. */
  async #runOnce(): Promise<string | typeof LEARNED_SIZE> {
    const o = this.#o;
    const size = this.#sourceSize;
    const steps = o.motionSteps ?? 0;
    // A new sampler per connection: no motion chain spans an outage.
    const sampler = steps ? new MotionSampler(o.fps) : null;
    let dec: LiveDecoder;
    try {
      dec = new LiveDecoder({
        uri: o.uri,
        // With motion, decode faster (the decoder allows 60 fps at most) and keep the analysed frames.
        fps: steps ? Math.min(60, o.fps * steps) : o.fps,
        maxWidth: o.maxWidth,
        maxHeight: o.maxHeight,
        rtspTransport: o.rtspTransport,
        featureRank: o.featureRank,
        ...(o.keepSource ? { keepSource: true } : {}),
        ...(o.roi && size ? { crop: { ...o.roi, sourceWidth: size.width, sourceHeight: size.height } } : {}),
      });
    } catch (e) {
      // The region does not fit this stream's picture: say so (health, logs) and look again later,
      // the camera may be reconfigured meanwhile.
      this.#sourceSize = null;
      return `camera ${o.cameraId}: ${(e as Error).message}`;
    }
    this.#decoder = dec;
    dec.onWarning = () => this.#health.decodeError();
    const it = dec.frames()[Symbol.asyncIterator]();
    let anchor: number | null = null;
    let firstAt: number | null = null;
    let lastAt: number | null = null;
    try {
      for (;;) {
        const limit: number = anchor === null ? (o.firstFrameTimeoutMs ?? 10_000) : this.#watchdogMs;
        const next: IteratorResult<LiveFrame> | 'timeout' = await this.#within(it.next(), limit);
        if (next === 'timeout') {
          await dec.close();
          await it.return(undefined).catch(() => {});
          return anchor === null
            ? `no first frame within ${limit} ms of connecting`
            : `no frame for ${limit} ms (watchdog; the camera stalled)`;
        }
        if (next.done) break;
        const f: LiveFrame = next.value;
        if (o.roi && !size) {
          // The first frame tells the picture's size; these uncropped frames are not delivered.
          this.#sourceSize = dec.sourceSize;
          if (this.#sourceSize) {
            await dec.close();
            await it.return(undefined).catch(() => {});
            const learned = { ...this.#sourceSize };
            this.#log('camera picture size learned; reconnecting with the region of interest', learned);
            return LEARNED_SIZE;
          }
          continue;
        }
        if (anchor === null || Math.abs(anchor + f.ptsMs - f.receivedMs) > 2000)
          anchor = f.receivedMs - f.ptsMs;
        const tsMs = Math.round(anchor + f.ptsMs);
        if (tsMs <= this.#lastTs) continue; // never backwards (a re-anchor right after a restart)
        this.#lastTs = tsMs;
        firstAt ??= tsMs;
        lastAt = tsMs;
        this.#decoderName = dec.decoder ?? this.#decoderName;
        const frame = {
          frame: f.frame,
          time: { ptsMs: tsMs, tsMs },
          ...(f.source ? { source: f.source } : {}),
          ...(sampler && f.release ? { release: f.release } : {}), // the sampler releases motion frames
        };
        for (const analysed of sampler ? sampler.push(frame) : [frame]) this.#onFrame(analysed);
        if (this.#stopped) break;
      }
    } finally {
      this.#flush(sampler);
      if (firstAt !== null && lastAt !== null) this.#backoff.ranFor(lastAt - firstAt);
    }
    return (await dec.ended).reason;
  }

  /** The connection ended: a repeat the sampler held, waiting for a new picture, is analysed. */
  #flush(sampler: MotionSampler | null): void {
    const last = sampler?.flush();
    if (last && !this.#stopped) this.#onFrame(last);
  }

  #onFrame(f: LiveCameraFrame): void {
    const fz = this.#frozen.update(f.frame, f.time.tsMs);
    const picture = classifyPicture(pictureStats(f.frame), this.#o.picture);
    this.#update(this.#health.frame(f.time.tsMs, { frozen: fz.frozen, frozenSinceMs: fz.sinceMs, picture }));
    for (const seg of this.#segmenter.push(f).done) this.#emit(() => this.#sink.segment(seg));
  }

  #onTick(): void {
    const now = Date.now();
    const due = this.#segmenter.flushDue(now);
    if (due) this.#emit(() => this.#sink.segment(due));
    this.#update(this.#health.tick(now));
  }

  #update(u: HealthUpdate): void {
    if (u.intervals.length || u.events.length) this.#emit(() => this.#sink.health(u));
  }

  #emit(fn: () => Promise<void>): void {
    this.#chain = this.#chain.then(fn).catch((e) => {
      this.#failures.push(e);
      this.#log('camera sink failed', { err: (e as Error).message });
    });
  }

  #log(msg: string, fields: Record<string, unknown>): void {
    this.#sink.log?.(msg, { camera: this.#o.cameraId, ...fields });
  }

  async #within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      t = setTimeout(() => r('timeout'), ms);
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
  }
}
