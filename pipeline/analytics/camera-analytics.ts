import type { Detection } from '../../schemas/detection.ts';
import type { EventRecord } from '../../schemas/events.ts';
import type { MeasuresConfig } from '../../schemas/measures.ts';
import type { Rule } from '../../schemas/rules.ts';
import type { SceneConfig } from '../../schemas/scene.ts';
import { type MeasureStep, SceneMeasurer, type SceneMeasurerState } from '../measure/scene-measurer.ts';
import { RuleEngine, type RuleEngineState } from '../rules/rule-engine.ts';
import { ByteTracker, type ByteTrackerOptions, type TrackerState } from '../track/byte-tracker.ts';
import { withoutRiders } from '../track/riders.ts';
import {
  type RelativeWidthState,
  TwoWheelersByRelativeWidth,
} from '../track/two-wheelers-by-relative-width.ts';
import { TwoWheelersBySize } from '../track/two-wheelers-by-size.ts';

export interface CameraAnalyticsOptions {
  tracker: ByteTrackerOptions;
  measures?: MeasuresConfig;
  /** The configured rules; those for other cameras are ignored. */
  rules?: readonly Rule[];
}

/** Everything a camera's analytics need to carry on: plain JSON (Redis between segments). */
export interface CameraAnalyticsState {
  tracker: TrackerState;
  measurer?: SceneMeasurerState;
  rules?: RuleEngineState;
  /** What the camera has learnt of its vehicles' widths (cameras without a calibration). */
  widths?: RelativeWidthState;
}

/** What one frame yields: the tracked detections, the measures' output and the events raised. */
export interface AnalyticsStep extends MeasureStep {
  events: EventRecord[];
}

/**
 * One camera's analytics, frame by frame, as the track stage runs them:
 *
 *   detections ──▶ TwoWheelersBySize ──▶ withoutRiders ──▶ ByteTracker ──▶ SceneMeasurer ──▶ crossings, visits,
 *                  (with a calibration;                                         │    ▲       1/15-minute intervals,
 *                  else TwoWheelersByRelativeWidth)                             ▼    │       ended tracks
 *                                                                           RuleEngine ──▶ events
 *                                                          (congestion level per zone back to the intervals)
 *
 * Deterministic, with plain-JSON state, so a camera's segments can be processed by any worker in
 * turn, each from the state the previous one left.
 *
 * @example
 *   const a = new CameraAnalytics('cam-1', scene, { tracker: { lostTtlMs: 1500 }, rules });
 *   for (const f of frames) {
 *     const step = a.update(f.detections, f.tsMs, { sourceId: 'cam-1/a.mp4@1f2e', segment: 0 });
 *     for (const e of step.events) console.log(e.type, e.severity);
 *   }
 *   const end = a.finish(); // the source ended
 *   const resumed = CameraAnalytics.restore(JSON.parse(JSON.stringify(a.snapshot())), 'cam-1', scene, options);
 */
export class CameraAnalytics {
  private readonly tracker: ByteTracker;
  private readonly measurer: SceneMeasurer;
  private readonly engine: RuleEngine;
  private readonly watchesCongestion: boolean;
  private readonly sizes: TwoWheelersBySize | TwoWheelersByRelativeWidth;

  constructor(
    readonly cameraId: string,
    scene: SceneConfig,
    o: CameraAnalyticsOptions,
    state?: CameraAnalyticsState,
  ) {
    this.tracker = state ? ByteTracker.restore(state.tracker, o.tracker) : new ByteTracker(o.tracker);
    const measurerOptions = o.measures ? { measures: o.measures } : {};
    this.measurer = state?.measurer
      ? SceneMeasurer.restore(state.measurer, scene, measurerOptions)
      : new SceneMeasurer(scene, measurerOptions);
    const rules = o.rules ?? [];
    this.engine = state?.rules
      ? RuleEngine.restore(state.rules, cameraId, scene, rules)
      : new RuleEngine(cameraId, scene, rules);
    this.watchesCongestion = this.engine.rules.some((r) => r.type === 'congestion');
    const frame = scene.frame ? { frame: scene.frame } : {};
    this.sizes = scene.calibration
      ? new TwoWheelersBySize(scene.calibration, frame)
      : new TwoWheelersByRelativeWidth(frame, state?.widths);
  }

  /** Carries on from a {@link snapshot}; the scene and options must be the ones it was made with. */
  static restore(
    state: CameraAnalyticsState,
    cameraId: string,
    scene: SceneConfig,
    o: CameraAnalyticsOptions,
  ) {
    return new CameraAnalytics(cameraId, scene, o, state);
  }

  snapshot(): CameraAnalyticsState {
    return {
      tracker: this.tracker.snapshot(),
      measurer: this.measurer.snapshot(),
      rules: this.engine.snapshot(),
      ...(this.sizes instanceof TwoWheelersByRelativeWidth ? { widths: this.sizes.snapshot() } : {}),
    };
  }

  /**
   * A segment's frames, before they go through update() in order: a camera without a calibration
   * learns its vehicles' widths from them first while it has not told motorbikes from cars yet
   * (TwoWheelersByRelativeWidth.learnAhead), so its first seconds are not counted as cars.
   */
  lookAhead(frames: readonly (readonly Detection[])[]): void {
    if (this.sizes instanceof TwoWheelersByRelativeWidth) this.sizes.learnAhead(frames);
  }

  /** One analysed frame's detections, taken at tsMs, of a segment of a source. */
  update(detections: Detection[], tsMs: number, at: { sourceId: string; segment: number }): AnalyticsStep {
    // Motorbikes the detector called `car` (measured on the ground, or against the camera's other
    // vehicles), then riders: they are part of their motorbike, not tracked, counted or watched as
    // pedestrians.
    const relabelled = this.sizes.relabel(detections);
    const objects = withoutRiders(relabelled);
    const inputOf = new Map(relabelled.map((d, i) => [d, i]));
    const tracked = this.tracker
      .update(objects, tsMs)
      .map((t) => ({ ...t, input: inputOf.get(objects[t.input]) ?? -1 }));
    const step = this.measurer.update(tracked, tsMs, this.tracker.lostBufferMs);
    const events = this.engine.update({
      cameraId: this.cameraId,
      ...at,
      tsMs,
      objects: step.objects,
      zones: step.zones,
    });
    if (this.watchesCongestion) {
      for (const [zone, level] of this.engine.congestionLevels()) this.measurer.congestion(zone, level);
    }
    return { ...step, events }; // step.tracked: the classes the measures used (RidersBySpeed)
  }

  /** The source ended: pending crossings, partial intervals, open visits, tracks (SceneMeasurer.finish). */
  finish(): Pick<MeasureStep, 'crossings' | 'visits' | 'intervals' | 'tracks'> {
    return this.measurer.finish();
  }
}
