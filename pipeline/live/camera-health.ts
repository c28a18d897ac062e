import type { HealthSnapshot } from '../../schemas/health.ts';
import { ConfigError } from '../errors/config-error.ts';

/** What a camera is doing, as the API shows it. `connecting`: no frame yet since the supervisor started. */
export type CameraStatus = 'connecting' | 'online' | 'offline' | 'frozen';

/** A closed stretch of one status (or a piece of a long one), a `camera_health` row. */
export interface HealthInterval {
  status: Exclude<CameraStatus, 'connecting'>;
  startedMs: number;
  endedMs: number;
  /** Frames delivered in the interval. */
  frames: number;
  decodeErrors: number;
  restarts: number;
  blackFrames: number;
  blurredFrames: number;
  /** Why an offline interval began (the decoder's exit, the watchdog); '' otherwise. */
  reason: string;
}

export type HealthEventType = 'camera_offline' | 'camera_online' | 'camera_frozen' | 'camera_unfrozen';

/** A status change worth an alert. `startedMs`: when the condition began (last frame, moment of freezing). */
export interface HealthEvent {
  type: HealthEventType;
  tsMs: number;
  startedMs: number;
  /** Seconds the condition lasted (for offline/frozen: 0; for online/unfrozen: the length of the gap). */
  value: number;
  reason: string;
}

/** What one call changed: intervals to store and events to raise (both usually empty). */
export interface HealthUpdate {
  intervals: HealthInterval[];
  events: HealthEvent[];
}

export interface CameraHealthOptions {
  /** Open intervals longer than this are cut into pieces (so a long outage or fps drop shows up). Default 60 000 ms. */
  reportEveryMs?: number;
  /** Window for the live delivered-fps figure, ms. Default 10 000. */
  fpsWindowMs?: number;
}

/** The live status snapshot (Redis hash `<prefix>:health:<cameraId>`, for the API): schemas/health.ts. */
export type { HealthSnapshot };

/**
 * The health of one camera as a state machine fed by its supervisor:
 *
 *            frame                     frame, picture frozen
 *   connecting ───▶ online ◀──────────────────────────▶ frozen
 *        │            │  ▲     picture changes again      │
 *   down │       down │  │ frame                     down │
 *        ▼            ▼  │                                ▼
 *      offline ◀──────┴──┴──────────────────────────── offline
 *
 * Every status change closes an interval (a `camera_health` row: how long, frames, fps, decode
 * errors, restarts) and raises an event when it matters to an operator: camera_offline and
 * camera_frozen, then camera_online / camera_unfrozen when it recovers (with the gap's length).
 * An offline interval starts at the LAST FRAME received, not when the outage was noticed, so the
 * recorded gap is the real one (frame to frame).
 *
 * @example
 *   const h = new CameraHealth(Date.now());
 *   h.frame(t, { frozen: false, picture: 'ok' });   // → online (interval 'offline' none: never was)
 *   h.down(t2, 'gst-launch-1.0 exited with code 0'); // → events [camera_offline]
 *   h.frame(t3, { frozen: false, picture: 'ok' });  // → intervals [online, offline], events [camera_online]
 */
export class CameraHealth {
  readonly #reportEvery: number;
  readonly #fpsWindow: number;
  #status: CameraStatus = 'connecting';
  #since: number;
  #reason = '';
  #lastFrame: number | null = null;
  #recent: number[] = [];
  #totals = { decodeErrors: 0, restarts: 0 };
  #open = { frames: 0, decodeErrors: 0, restarts: 0, blackFrames: 0, blurredFrames: 0 };
  #picture: 'ok' | 'black' | 'blurred' = 'ok';

  constructor(nowMs: number, o: CameraHealthOptions = {}) {
    this.#since = nowMs;
    this.#reportEvery = o.reportEveryMs ?? 60_000;
    this.#fpsWindow = o.fpsWindowMs ?? 10_000;
    if (!(this.#reportEvery > 0)) throw new ConfigError('CameraHealth', 'reportEveryMs', 'must be > 0');
    if (!(this.#fpsWindow > 0)) throw new ConfigError('CameraHealth', 'fpsWindowMs', 'must be > 0');
  }

  get status(): CameraStatus {
    return this.#status;
  }

  /** A frame arrived at `tsMs`; `frozen` and `picture` come from the picture checks. */
  frame(
    tsMs: number,
    c: { frozen: boolean; frozenSinceMs?: number; picture: 'ok' | 'black' | 'blurred' },
  ): HealthUpdate {
    const u: HealthUpdate = { intervals: [], events: [] };
    const gapFrom = this.#lastFrame ?? this.#since;
    if (this.#status === 'offline' || this.#status === 'connecting') {
      const wasOffline = this.#status === 'offline';
      this.#to(u, 'online', tsMs, '');
      if (wasOffline) {
        u.events.push({
          type: 'camera_online',
          tsMs,
          startedMs: gapFrom,
          value: (tsMs - gapFrom) / 1000,
          reason: '',
        });
      }
    }
    if (c.frozen && this.#status === 'online') {
      const since = c.frozenSinceMs ?? tsMs;
      this.#to(u, 'frozen', tsMs, 'picture unchanged');
      u.events.push({
        type: 'camera_frozen',
        tsMs,
        startedMs: since,
        value: (tsMs - since) / 1000,
        reason: 'picture unchanged',
      });
    } else if (!c.frozen && this.#status === 'frozen') {
      const since = this.#since;
      this.#to(u, 'online', tsMs, '');
      u.events.push({
        type: 'camera_unfrozen',
        tsMs,
        startedMs: since,
        value: (tsMs - since) / 1000,
        reason: '',
      });
    }
    this.#open.frames++;
    if (c.picture === 'black') this.#open.blackFrames++;
    if (c.picture === 'blurred') this.#open.blurredFrames++;
    this.#picture = c.picture;
    this.#lastFrame = tsMs;
    this.#recent.push(tsMs);
    while (this.#recent.length && this.#recent[0] <= tsMs - this.#fpsWindow) this.#recent.shift();
    this.#cut(u, tsMs);
    return u;
  }

  /**
   * The source stopped delivering at `nowMs` (decoder exited, watchdog fired, connection failed).
   * The offline interval starts at the last frame (or at the start when there never was one).
   */
  down(nowMs: number, reason: string): HealthUpdate {
    const u: HealthUpdate = { intervals: [], events: [] };
    if (this.#status === 'offline') {
      this.#reason = reason; // keep the latest cause for the live status
      return u;
    }
    // (A frame's time follows its PTS from an anchor, so it may lie a few ms past nowMs: keep it.)
    const from = this.#lastFrame ?? this.#since;
    this.#to(u, 'offline', from, reason);
    u.events.push({ type: 'camera_offline', tsMs: nowMs, startedMs: from, value: 0, reason });
    return u;
  }

  /** The decoder reported a decode error (it may still deliver frames). */
  decodeError(): void {
    this.#open.decodeErrors++;
    this.#totals.decodeErrors++;
  }

  /** The supervisor restarted the decoder. */
  restarted(): void {
    this.#open.restarts++;
    this.#totals.restarts++;
  }

  /** Periodic call: cuts a long open interval into a row. */
  tick(nowMs: number): HealthUpdate {
    const u: HealthUpdate = { intervals: [], events: [] };
    this.#cut(u, nowMs);
    return u;
  }

  /** Closes the open interval (the supervisor stops: camera removed, worker shutting down). */
  close(nowMs: number): HealthUpdate {
    const u: HealthUpdate = { intervals: [], events: [] };
    if (this.#status !== 'connecting' && nowMs > this.#since) u.intervals.push(this.#interval(nowMs));
    this.#since = nowMs;
    return u;
  }

  snapshot(nowMs: number): HealthSnapshot {
    const recent = this.#recent.filter((t) => t > nowMs - this.#fpsWindow).length;
    const window = Math.min(this.#fpsWindow, Math.max(1, nowMs - this.#since));
    return {
      status: this.#status,
      sinceMs: this.#since,
      lastFrameMs: this.#lastFrame,
      fps: this.#status === 'offline' ? 0 : (recent * 1000) / Math.max(window, 1000),
      decodeErrors: this.#totals.decodeErrors,
      restarts: this.#totals.restarts,
      black: this.#status !== 'offline' && this.#picture === 'black',
      blurred: this.#status !== 'offline' && this.#picture === 'blurred',
      reason: this.#reason,
    };
  }

  #cut(u: HealthUpdate, nowMs: number): void {
    if (this.#status !== 'connecting' && nowMs - this.#since >= this.#reportEvery) {
      u.intervals.push(this.#interval(nowMs));
      this.#since = nowMs;
    }
  }

  #to(u: HealthUpdate, status: CameraStatus, atMs: number, reason: string): void {
    // A 'connecting' stretch is not stored: it ends as online (nothing to report) or offline
    // (then the offline interval starts where connecting did).
    if (this.#status !== 'connecting' && atMs > this.#since) u.intervals.push(this.#interval(atMs));
    if (!(this.#status === 'connecting' && status === 'offline')) this.#since = Math.max(this.#since, atMs);
    this.#status = status;
    this.#reason = reason;
  }

  #interval(endMs: number): HealthInterval {
    const i: HealthInterval = {
      status: this.#status as HealthInterval['status'],
      startedMs: this.#since,
      endedMs: endMs,
      ...this.#open,
      reason: this.#reason,
    };
    this.#open = { frames: 0, decodeErrors: 0, restarts: 0, blackFrames: 0, blurredFrames: 0 };
    return i;
  }
}
