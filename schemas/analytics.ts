/**
 * What the analytics stages pass each other for one analysed frame of one camera, after tracking:
 *
 *   ByteTracker ──▶ SceneMeasurer (pipeline/measure/) ──▶ AnalyticsFrame ──▶ RuleEngine (pipeline/rules/)
 *                   speeds, zone occupancy, density                         congestion, crowds, incidents
 *
 * Pure data; positions in source pixels unless named `world` (metres on the ground plane, from the
 * camera's calibration).
 */
import type { ProductClass } from './classes.ts';
import type { Box } from './detection.ts';
import type { ZoneKind } from './scene.ts';

/** A confirmed track as seen in this frame. */
export interface SceneObject {
  trackId: number;
  cls: ProductClass;
  box: Box;
  /** Bottom-centre of the box: the point that touches the ground, used for lines, zones and speed. */
  anchor: [number, number];
  /** The anchor on the ground plane, metres; null without calibration. */
  world: [number, number] | null;
  /** Robust current speed, km/h; null without calibration or before enough history. */
  speedKmh: number | null;
  /** Smoothed image-plane velocity of the anchor, pixels per second; null before enough history. */
  velocityPx: [number, number] | null;
}

/** One zone in this frame. */
export interface ZoneSample {
  zoneId: string;
  kind: ZoneKind;
  /** Tracks whose anchor is inside the zone (after the scene's inertia). */
  trackIds: number[];
  vehicles: number;
  persons: number;
  /** Vehicles in passenger-car units. */
  pcu: number;
  /** Mean speed of the vehicles inside with a speed estimate; null when none. */
  meanSpeedKmh: number | null;
  /** pcu per km per lane; null without calibration. */
  densityPcuKm: number | null;
  /** Persons per square metre; null without calibration. */
  personsPerM2: number | null;
}

export interface AnalyticsFrame {
  cameraId: string;
  sourceId: string;
  segment: number;
  tsMs: number;
  objects: SceneObject[];
  zones: ZoneSample[];
}
