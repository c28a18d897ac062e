import type { ProductClass } from '../../schemas/classes.ts';
import type { Point, SceneLine } from '../../schemas/scene.ts';
import type { TrackedDetection } from '../track/byte-tracker.ts';
import { adoptVanished } from './adopt-vanished.ts';
import { coveredByAnother } from './covered-by-another.ts';
import { followedAlready } from './followed-already.ts';
import { bottomCentre, segmentsIntersect } from './geometry.ts';
import { grewAcross } from './grew-across.ts';
import { type LineZoneOptions, lineZoneOptions } from './line-zone-options.ts';
import {
  type Crossing,
  type CrossingDirection,
  cloneCounts,
  type LineCounts,
  type LineTrackState,
  type LineZoneState,
  type Side,
} from './line-zone-state.ts';
import { RETURN_BOX_SHARE, returnSide } from './return-side.ts';
import { stillSeen } from './still-seen.ts';
import { whereNow } from './where-now.ts';

export { DEFAULT_LINE_ZONE_OPTIONS, type LineZoneOptions } from './line-zone-options.ts';

export type {
  Crossing,
  CrossingDirection,
  LineCounts,
  LineTrackState,
  LineZoneState,
} from './line-zone-state.ts';

/** Sightings at most this many frame intervals apart make a course (one missed frame between). */
const RECENT_FRAMES = 2.5;
/** A new track whose velocity moves it less than this share of its size per frame interval stood still. */
const MOVED_SHARE = 0.25;

/**
 * Counts tracked objects crossing a line segment, per direction and class (after Roboflow
 * supervision's LineZone). The triggering point is the bottom-centre of the box, where the object
 * touches the ground, so the count does not depend on how tall the object is.
 *
 *                    left side: cross < 0          positive: 'left' (default)
 *   from ●━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━▶● to   right → left = positive
 *          ┆       right side: cross > 0      ┆     left → right = negative
 *          ┆◀──── counting strip ────────────▶┆
 *
 * Each track has a confirmed side: the side of its first observation, or of where it was before
 * (its `origin`, where the tracker knew it before confirming it, or one frame interval before that
 * for a track that entered the picture moving away from the line: whereBefore). An observation on
 * the other side adds one to `pending`, one on the confirmed side resets it; when `pending`
 * reaches inertiaFrames the side flips and one crossing is reported, positive when the new
 * side is the line's positive side. A track jittering across the line for fewer than inertiaFrames
 * frames thus counts nothing, one that stays counts once, and one that later crosses back counts a
 * negative (so net flow = positive − negative stays right).
 *
 * Only anchors whose projection falls on the segment (inside the strip between the perpendiculars at
 * its ends) and that lie farther than deadbandPx from it are observed; an object passing beyond the
 * line's ends is not counted. Frames where a track is missing neither confirm nor reset a pending
 * flip. Tracks not seen for forgetAfterMs are dropped. Classes outside the line's `classes` are
 * ignored entirely.
 *
 * @example
 *   const line = new LineZone({ id: 'stop-bar', from: [0, 600], to: [1920, 600] }, { inertiaFrames: 2 });
 *   for (const { detections, tsMs } of frames) {
 *     for (const c of line.update(tracker.update(detections, tsMs), tsMs)) console.log(c.trackId, c.direction);
 *   }
 *   console.log(line.counts()); // { positive, negative, byClass: { car: { positive, negative }, ... } }
 *   const resumed = LineZone.restore(JSON.parse(JSON.stringify(line.snapshot())), line.line, { inertiaFrames: 2 });
 */
export class LineZone {
  readonly line: SceneLine;
  private readonly o: Required<LineZoneOptions>;
  private readonly length: number;
  private readonly classes: ReadonlySet<ProductClass> | null;
  private tracks = new Map<number, LineTrackState>();
  private lastTsMs: number | null = null;
  private frameMs: number | null = null;
  private sinceMs: number | null = null;
  private tally: LineCounts = { positive: 0, negative: 0, byClass: {} };
  /** Ids whose state another id took over (adoptVanished), and when. */
  private handedOver = new Map<number, number>();

  constructor(line: SceneLine, options: LineZoneOptions = {}) {
    const o = lineZoneOptions(options);
    const length = Math.hypot(line.to[0] - line.from[0], line.to[1] - line.from[1]);
    if (!(length > 0 && Number.isFinite(length))) {
      throw new RangeError(`LineZone: line "${line.id}" must have a finite, non-zero length`);
    }
    this.line = line;
    this.o = o;
    this.length = length;
    this.classes = line.classes ? new Set(line.classes) : null;
  }

  /** A line zone that carries on from a {@link snapshot}. */
  static restore(state: LineZoneState, line: SceneLine, options: LineZoneOptions = {}): LineZone {
    if (state.version !== 1) throw new RangeError(`LineZone.restore: unknown state version ${state.version}`);
    if (state.lineId !== line.id) {
      throw new RangeError(`LineZone.restore: state is for line "${state.lineId}", not "${line.id}"`);
    }
    const z = new LineZone(line, options);
    z.lastTsMs = state.lastTsMs;
    z.frameMs = state.frameMs ?? null;
    z.sinceMs = state.sinceMs ?? null;
    z.tracks = new Map(state.tracks.map((t) => [t.trackId, { ...t }]));
    z.tally = cloneCounts(state.counts);
    z.handedOver = new Map(state.handedOver ?? []);
    return z;
  }

  /** Plain-JSON state; {@link LineZone.restore} resumes from it exactly. */
  snapshot(): LineZoneState {
    return {
      version: 1,
      lineId: this.line.id,
      lastTsMs: this.lastTsMs,
      frameMs: this.frameMs,
      sinceMs: this.sinceMs,
      tracks: [...this.tracks.values()].map((t) => ({ ...t })),
      counts: cloneCounts(this.tally),
      handedOver: [...this.handedOver],
    };
  }

  /** Crossings so far, per direction and per class. */
  counts(): LineCounts {
    return cloneCounts(this.tally);
  }

  /** Tracks currently remembered. */
  get trackCount(): number {
    return this.tracks.size;
  }

  /** Which side of the line a point is on, or null when outside the strip or within the deadband. */
  sideOf(p: Point, boxHeight = 0): Side | null {
    const [fx, fy] = this.line.from;
    const dx = this.line.to[0] - fx;
    const dy = this.line.to[1] - fy;
    const along = ((p[0] - fx) * dx + (p[1] - fy) * dy) / this.length;
    if (along < 0 || along > this.length) return null;
    return this.sideOfLine(p, boxHeight);
  }

  /** Which side of the (infinite) line a point is on, or null within the deadband (`share` of the box). */
  private sideOfLine(p: Point, boxHeight: number, share = this.o.deadbandBoxShare): Side | null {
    const [fx, fy] = this.line.from;
    const dx = this.line.to[0] - fx;
    const dy = this.line.to[1] - fy;
    const px = p[0] - fx;
    const py = p[1] - fy;
    const c = (dx * py - dy * px) / this.length; // signed distance, > 0 right of from→to on screen
    // On the line itself, or within the jitter of the box: no side.
    if (Math.abs(c) <= Math.max(this.o.deadbandPx, share * boxHeight)) return null;
    return c > 0 ? 'right' : 'left';
  }

  /**
   * One frame's tracked detections (taken at tsMs); returns the crossings this frame confirmed.
   * `goneAfterMs`: how long a track may be missing before the tracker drops it for good (its lost
   * buffer; default forgetAfterMs), after which a track that vanished on a course across the line
   * counts (see the class doc).
   */
  update(tracked: readonly TrackedDetection[], tsMs: number, goneAfterMs = this.o.forgetAfterMs): Crossing[] {
    if (!Number.isFinite(tsMs)) throw new RangeError(`LineZone.update: tsMs must be finite, got ${tsMs}`);
    if (this.lastTsMs !== null && tsMs < this.lastTsMs) {
      throw new RangeError(`LineZone.update: tsMs went backwards (${tsMs} < ${this.lastTsMs})`);
    }
    const previousTsMs = this.lastTsMs;
    this.lastTsMs = tsMs;
    // The update rate, smoothed; a gap (outage, skipped segment) is none: it starts a new run.
    const step = previousTsMs === null ? 0 : tsMs - previousTsMs;
    const gap = previousTsMs === null || step >= 10_000 || (this.frameMs !== null && step > 3 * this.frameMs);
    if (gap) this.sinceMs = tsMs;
    else if (step > 0) this.frameMs = this.frameMs === null ? step : 0.9 * this.frameMs + 0.1 * step;
    const out: Crossing[] = [];
    const present = new Set(tracked.map((d) => d.trackId));
    for (const d of tracked) {
      if (this.classes && !this.classes.has(d.cls)) continue;
      const c = this.observe(d, tsMs, present, tracked);
      if (c) out.push(this.count(c.trackId, c.cls, c.side, tsMs));
    }
    for (const [id, t] of this.tracks) {
      if (t.lastSeenMs === tsMs) continue;
      // Missing: did its course cross the segment before this frame? Asked at each frame while
      // it is recent (RECENT_FRAMES, one missed frame between; at least its first missed frame),
      // as a vehicle passing behind another at the line is missed twice at 2 fps, until answered.
      // Never once another track stood where it would be: the same object under two ids (stillSeen).
      const recent =
        t.lastSeenMs === previousTsMs ||
        (this.frameMs !== null && tsMs - t.lastSeenMs <= RECENT_FRAMES * this.frameMs);
      if (recent && !t.exitSide && !t.followed) {
        t.followed = stillSeen(t, id, tracked, tsMs);
        t.exitSide = t.followed ? undefined : this.exitSide(t, tsMs);
      }
      const gone = tsMs - t.lastSeenMs;
      if (t.exitSide && t.cls && gone > goneAfterMs) {
        out.push(this.count(id, t.cls, t.exitSide, tsMs));
        this.tracks.delete(id);
      } else if (gone > this.o.forgetAfterMs) this.tracks.delete(id);
    }
    for (const [id, atMs] of this.handedOver)
      if (tsMs - atMs > this.o.forgetAfterMs) this.handedOver.delete(id);
    return out;
  }

  /**
   * The source ended: tracks that vanished on a course across the line, waiting out the tracker's
   * lost buffer, count now (at the last update's time: no frame will bring them back). Starts afresh.
   */
  flush(): Crossing[] {
    const out: Crossing[] = [];
    for (const [id, t] of this.tracks) {
      if (t.exitSide && t.cls && this.lastTsMs !== null)
        out.push(this.count(id, t.cls, t.exitSide, this.lastTsMs));
    }
    this.tracks.clear();
    this.handedOver.clear();
    this.lastTsMs = null;
    this.sinceMs = null;
    return out;
  }

  /** One tracked detection: updates its track; returns the side it crossed to, if it did. */
  private observe(
    d: TrackedDetection,
    tsMs: number,
    present: ReadonlySet<number>,
    tracked: readonly TrackedDetection[],
  ): { trackId: number; cls: ProductClass; side: Side } | null {
    const anchor = bottomCentre(d.box) as [number, number];
    let side = this.sideOfLine(anchor, d.box.h);
    // An id whose state another id took over while it was missing starts afresh on its return:
    // where it is now, taking over nothing and inferring nothing from before (that state went on
    // under the other id; taking a far track's across the line counted a crossing no one made).
    const handed = this.handedOver.delete(d.trackId);
    let t = this.tracks.get(d.trackId);
    if (!t && !handed) {
      const adopted = adoptVanished(
        this.tracks,
        d.trackId,
        anchor,
        Math.max(d.box.w, d.box.h),
        tsMs,
        present,
        d.cls,
      );
      if (adopted) this.handedOver.set(adopted.fromId, tsMs);
      t = adopted?.state;
    }
    // A track's first report may say where it was before it was confirmed: its confirmed side
    // starts there, so a vehicle seen once on each side of the line (2 fps, a fast car) counts.
    const before = t || handed ? null : this.whereBefore(d, tsMs, side, tracked);
    if (!t && before) {
      t = { trackId: d.trackId, side: before.side, pending: 0, lastSeenMs: tsMs, anchor: before.at };
      this.tracks.set(d.trackId, t);
    }
    if (t) {
      // A course needs two recent sightings; after a gap (missed frames, an adopted id) it starts anew.
      const recent = tsMs - t.lastSeenMs <= RECENT_FRAMES * (this.frameMs ?? tsMs - t.lastSeenMs);
      t.prev = t.last && t.lastH && recent ? { at: t.last, h: t.lastH, tsMs: t.lastSeenMs } : undefined;
      t.lastSeenMs = tsMs;
      t.last = anchor;
      t.lastH = d.box.h;
      t.velocity = [d.velocity.vx, d.velocity.vy];
      t.cls = d.cls;
      t.size = Math.max(d.box.w, d.box.h);
      t.exitSide = undefined;
      t.followed = undefined;
    }
    // Counted and not yet clear of the line: a box on it jitters across it (return-side.ts).
    if (side && t?.countedMs !== undefined && !t.clear)
      side = returnSide(t, side, this.sideOfLine(anchor, d.box.h, RETURN_BOX_SHARE));
    if (!side) return null;
    if (!t) {
      const fresh = {
        trackId: d.trackId,
        side,
        pending: 0,
        lastSeenMs: tsMs,
        anchor,
        last: anchor,
        lastH: d.box.h,
        cls: d.cls,
        size: Math.max(d.box.w, d.box.h),
      };
      this.tracks.set(d.trackId, { ...fresh, velocity: [d.velocity.vx, d.velocity.vy] });
      return null;
    }
    if (side === t.side) {
      t.pending = 0;
      t.anchor = anchor;
      return null;
    }
    if (++t.pending < this.inertia) return null;
    const from = t.anchor;
    t.side = side;
    t.pending = 0;
    t.anchor = anchor;
    // Counted only when the path crossed the segment itself, not the line beyond its ends.
    if (from && !segmentsIntersect(from, anchor, this.line.from, this.line.to)) return null;
    return { trackId: d.trackId, cls: d.cls, side };
  }

  /**
   * Where a new track was before its first report, and on which side: its origin (where the tracker
   * first knew it); or, if that is on its side now, where its velocity puts it one frame interval
   * earlier, if the way from there crosses the segment. A vehicle entering the picture near the line
   * at 2 fps crosses it before any analysed frame shows it whole (cut by the edge, or not found): it
   * was on the other side a moment ago and counts. Not for a track moving less than MOVED_SHARE of
   * its size in that interval (a parked car's jitter), an origin the box's bottom left only by
   * changing shape (grewAcross: its measured motion went the other way), a box mostly under a larger one of another
   * track (covered-by-another.ts), near a track that just counted or is about to (followedAlready),
   * nor in a run's first three intervals (the source's start, or after an outage).
   *
   *   one interval earlier             origin        first report
   *   ○ · · · · · · · · · · ━━┃━━ · · · ● · · · · · · ●   ──▶ velocity
   *   origin − velocity·Δt   line
   */
  private whereBefore(
    d: TrackedDetection,
    tsMs: number,
    sideNow: Side | null,
    tracked: readonly TrackedDetection[],
  ): { side: Side; at: [number, number] } | null {
    // No origin: a box the picture's lower edge cuts, whose bottom is the edge's, not the vehicle's.
    if (!d.origin) return null;
    const side = this.sideOfLine(d.origin, d.box.h);
    const known = side ? { side, at: d.origin } : null;
    if (side && side !== sideNow) return grewAcross(d, d.origin, this.line) ? null : known;
    // Its origin is one to three frames old; one more before it must fall inside the watched run.
    const watched = this.sinceMs === null || tsMs - this.sinceMs > 3 * (this.frameMs ?? Infinity);
    const dt = (this.frameMs ?? 0) / 1000;
    const move: [number, number] = [d.velocity.vx * dt, d.velocity.vy * dt];
    const moved = Math.hypot(...move) >= MOVED_SHARE * Math.max(d.box.w, d.box.h);
    if (!sideNow || !moved || !watched || coveredByAnother(d, tracked)) return known;
    if (followedAlready(this.tracks, d, d.origin, sideNow, tsMs, this.frameMs)) return known;
    const at: [number, number] = [d.origin[0] - move[0], d.origin[1] - move[1]];
    const then = this.sideOfLine(at, d.box.h);
    // An origin on the line itself (within the dead band) may lie a pixel short of it: the way on
    // from there to the first report is what crossed.
    const to = side ? d.origin : (bottomCentre(d.box) as [number, number]);
    if (then && then !== sideNow && segmentsIntersect(at, to, this.line.from, this.line.to))
      return { side: then, at };
    return known;
  }

  /**
   * The side a track that went missing was heading to, if the path from its last anchor on its side
   * to where it would be now (whereNow: its perspective course, else its velocity) crossed the
   * segment onto the other side; else undefined.
   */
  private exitSide(t: LineTrackState, tsMs: number): Side | undefined {
    const [to] = whereNow(t, tsMs);
    if (!to || !t.last) return undefined;
    const side = this.sideOfLine(to, 0);
    // The path from its last anchor on the confirmed side is what crossed (it may have been seen
    // since beyond the line, its flip pending, or on the line itself, where no side is told).
    const from = t.anchor ?? t.last;
    if (!side || side === t.side || !segmentsIntersect(from, to, this.line.from, this.line.to))
      return undefined;
    return side;
  }

  /** Observations on the new side a flip needs now: inertiaFrames, or inertiaMs in frame intervals. */
  private get inertia(): number {
    const byTime = this.frameMs ? Math.ceil(this.o.inertiaMs / this.frameMs - 1e-9) : 1;
    return Math.max(this.o.inertiaFrames, byTime);
  }

  /** Tallies one crossing to `side`. */
  private count(trackId: number, cls: ProductClass, side: Side, tsMs: number): Crossing {
    const t = this.tracks.get(trackId);
    if (t) {
      t.side = side;
      t.countedMs = tsMs;
      t.clear = false;
    }
    const direction: CrossingDirection = side === (this.line.positive ?? 'left') ? 'positive' : 'negative';
    this.tally[direction]++;
    const byClass = this.tally.byClass[cls] ?? { positive: 0, negative: 0 };
    byClass[direction]++;
    this.tally.byClass[cls] = byClass;
    return { lineId: this.line.id, trackId, cls, direction, tsMs };
  }
}
