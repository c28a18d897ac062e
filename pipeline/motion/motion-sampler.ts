import type { ExtractedFrame } from '../extract/frame-extractor.ts';
import { changedShare, type GreyFrame, greyHalf } from './grey-frame.ts';

/** The small grey frames from the previous analysed frame (first) to this one (last). */
export interface MotionChain {
  frames: GreyFrame[];
  /** PTS of the chain's first frame (the previous analysed frame), ms. */
  fromPtsMs: number;
}

/** An analysed frame, with the motion chain that leads to it (absent on a source's first frame). */
export interface SampledFrame extends ExtractedFrame {
  motion?: MotionChain;
}

/**
 * Analysis at `fps` from a decoder running faster (fps × steps): the frames between analysed ones
 * are kept only as small grey frames (grey-frame.ts) chaining each analysed frame to the previous
 * one, for motion estimation (box-motion.ts). The decoder decodes every source frame anyway; this
 * turns a few more of them into 24 KB pictures instead of throwing them away.
 *
 *   decoded at 10 fps:  0    100  200  300  400  500 ms ...
 *   analysed at 2 fps:  ●─────────────────────────●        chain = grey(0), grey(100), ... grey(500)
 *
 * A frame is analysed when its PTS reaches the next slot of the `fps` grid (m / fps); on the
 * decoder's regular grid (n / (fps × steps)) that is every steps-th frame, exactly the frames a
 * decoder at `fps` would give: the same PTS, segments and ids.
 *
 * Except where the stream stalled (files and live cameras alike): a frame due for analysis that
 * repeats the picture before it (no pixel changed: changedShare 0) within STALL_MS of a picture of
 * a moving street (one that changed MOVING_SHARE of its pixels or more), and is followed by
 * another repeat, is not analysed; the next new picture is, and the next slot is at least half an
 * interval after that. A stalled stream shows the street as it was when it stalled, under later
 * timestamps, then jumps ahead; analysed, a repeat tells the tracker that every vehicle stood
 * still and then leapt, and the speed of every vehicle over the stall comes out wrong (the night
 * clip's 0.4 s stall read two motorbikes 25 % fast at 2 fps and 20 % slow at 5 fps). A lone repeat
 * (a picture shown twice, then a new one: a camera sending fewer frames than the decoder's rate, a
 * recording converted to another frame rate) is analysed in its slot: waiting for the next picture
 * would move the analysed frames off the grid all the time on such a source, for an error of one
 * decoded frame. A still street repeats itself too, without a stall: its frames are analysed on
 * the grid as before, as are those of a stream that stalls while nothing moves; a stream frozen
 * longer (a frozen camera) is analysed on the grid again once STALL_MS have passed since its last
 * moving picture. A source that ends while a repeat waits has it analysed (flush(): a file's last
 * frames often repeat its last picture).
 *
 * @example
 *   const ex = new FrameExtractor({ path, fps: 2 * 5, maxWidth: 416, maxHeight: 416, startTimeMs });
 *   for await (const f of sampleWithMotion(ex, 2)) detect(f.frame, f.motion?.frames);
 */
export async function* sampleWithMotion(
  frames: AsyncIterable<ExtractedFrame>,
  fps: number,
): AsyncGenerator<SampledFrame, void, undefined> {
  const sampler = new MotionSampler<ExtractedFrame>(fps);
  for await (const f of frames) yield* sampler.push(f);
  const last = sampler.flush();
  if (last) yield last;
}

/** What the sampler takes: a decoded frame (its index is the sampler's to give). */
type DecodedFrame = Omit<ExtractedFrame, 'index'> & { index?: number };

/** An analysed frame: the decoded one, numbered, with its chain and without release(). */
type Analysed<F extends DecodedFrame> = Omit<F, 'release'> & { index: number; motion?: MotionChain };

/**
 * The step-by-step form of {@link sampleWithMotion}, for sources that push frames (live cameras):
 * push() every decoded frame; it returns the frames analysed by then (none, one, or a repeat held
 * in its slot and the frame after it), with their chains, and gives the others' buffers back
 * (`release`) once their grey copies are made (a held repeat once the next frame came); flush()
 * when the source ends. A new connection starts a new sampler, so no chain spans an outage.
 *
 * @example
 *   const sampler = new MotionSampler(2);
 *   for (const f of decoded) for (const a of sampler.push(f)) segmenter.push(a);
 *   const last = sampler.flush(); if (last) segmenter.push(last);
 */
export class MotionSampler<F extends DecodedFrame = DecodedFrame> {
  private readonly interval: number;
  private chain: GreyFrame[] = [];
  private fromPtsMs = 0;
  private next = Number.NEGATIVE_INFINITY; // PTS from which the next frame is analysed
  private index = 0;
  private movingPtsMs = Number.NEGATIVE_INFINITY; // PTS of the last picture that changed MOVING_SHARE
  private held: F | null = null; // the latest repeat due for analysis, kept in case the source ends
  private latest: F | null = null; // the latest motion frame, kept in case the source ends after it
  private repeats = 0; // how many decoded frames in a row, up to the previous one, repeated a picture

  constructor(fps: number) {
    if (!(fps > 0 && Number.isFinite(fps)))
      throw new RangeError(`MotionSampler: fps must be > 0, got ${fps}`);
    this.interval = 1000 / fps;
  }

  push(f: F): Analysed<F>[] {
    const pts = f.time.ptsMs;
    const grey = greyHalf(f.frame);
    // The previous decoded frame's grey copy is the chain's last. (A source's first frame is a new
    // picture; whether anything moves, it cannot tell.)
    const previous = this.chain[this.chain.length - 1];
    const changed = previous ? changedShare(previous, grey) : null;
    const out: Analysed<F>[] = [];
    this.latest?.release?.();
    this.latest = null;
    if (this.held && changed !== 0 && this.repeats === 1) {
      // The repeat held in its slot was alone, a new picture right after it: no stall, but a frame
      // shown twice (a camera, or a recording converted to another frame rate, does that now and
      // then). Analysed in its slot, as it would have been without the rule.
      out.push(this.analyse(this.held, false));
      this.held = null;
    }
    this.repeats = changed === 0 ? this.repeats + 1 : 0;
    if (changed !== null && changed >= MOVING_SHARE) this.movingPtsMs = pts;
    this.chain.push(grey);
    // A quarter of a millisecond of slack: grid PTS come as rounded nanoseconds.
    const due = pts >= this.next - 0.25;
    const stalled = changed === 0 && pts - this.movingPtsMs <= STALL_MS;
    if (due && stalled) {
      // It waits for the next new picture; kept (unreleased) in case the source ends first.
      this.held?.release?.();
      this.held = f;
    } else if (!due) {
      // A motion frame: its grey copy is all that is kept once the next frame comes.
      this.latest = f;
    } else {
      const late = this.held !== null;
      this.held?.release?.();
      this.held = null;
      out.push(this.analyse(f, late));
    }
    return out;
  }

  /**
   * The source ended: a repeat that waited for a new picture is analysed after all (a file's last
   * frames often repeat its last picture), so the last sighting of the street is not lost. Else
   * the last decoded frame is, when it came half an interval or more after the last analysed one:
   * at 2 fps a clip may go on for almost half a second after its last slot, and a vehicle that
   * crosses the line then would go uncounted (nothing later shows it on the other side).
   *
   *   decoded at 10 fps:  ... 10.0  10.1  10.2  10.3  10.4  10.5  10.6  10.7  10.8  10.9 | end
   *   analysed at 2 fps:      ●                             ●                          ● (flush)
   */
  flush(): Analysed<F> | null {
    const { held, latest } = this;
    this.held = null;
    this.latest = null;
    if (held) {
      latest?.release?.();
      return this.analyse(held, false);
    }
    if (!latest) return null;
    if (latest.time.ptsMs - this.fromPtsMs >= this.interval / 2) return this.analyse(latest, false);
    latest.release?.();
    return null;
  }

  /**
   * Numbers an analysed frame, gives it the chain since the previous one and starts the next.
   * `late`: it is the first new picture after a stall, analysed in place of a repeat.
   */
  private analyse(f: F, late: boolean): Analysed<F> {
    const pts = f.time.ptsMs;
    const motion = this.chain.length >= 2 ? { frames: this.chain, fromPtsMs: this.fromPtsMs } : undefined;
    this.chain = [this.chain[this.chain.length - 1]];
    this.fromPtsMs = pts;
    // The grid's next slot; after a stall's first new picture, the first slot at least half an
    // interval on (one right after it would see almost nothing move, and upset the frame interval
    // the tracker and the lines measure). Only then: a live source's frames are off the grid, and
    // the half-interval rule would skip slots there.
    const i = this.interval;
    this.next = late ? Math.ceil((pts + i / 2 - 0.25) / i) * i : (Math.floor((pts + 0.25) / i) + 1) * i;
    // An analysed frame is kept (in a segment, a frames file): it goes on without release(), so its
    // buffer can never return to the decoder's pool while something still reads it.
    const { release: _kept, ...frame } = f;
    return { ...(frame as F), index: this.index++, ...(motion ? { motion } : {}) };
  }
}

/** How long a repeated picture is taken for a stalled stream, not a frozen camera, ms. */
export const STALL_MS = 1000;

/**
 * The share of changed pixels (changedShare) from which a picture shows a moving street: 3–20 % on the
 * night arterial at 10 fps just before its stalls, 0.01–0.1 % on a still street where something small
 * moves far away.
 */
export const MOVING_SHARE = 0.01;

/**
 * Decoder frames per analysed frame for a motion rate: motionFps / fps rounded, at least 1 (the
 * previous analysed frame alone still gives a two-frame chain); 0 when motion is off.
 *
 * @example
 *   motionSteps(2, 10); // 5: decode at 10 fps, analyse every 5th frame
 *   motionSteps(10, 10); // 1
 *   motionSteps(5, 0); // 0: off
 */
export function motionSteps(fps: number, motionFps: number): number {
  if (!(motionFps > 0)) return 0;
  return Math.max(1, Math.round(motionFps / fps));
}
