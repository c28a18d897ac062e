import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SceneConfig } from '../../schemas/scene.ts';
import { logger } from '../logger.ts';
import { configFrom } from './common.ts';
import { processSources } from './process-sources.ts';
import { formatSummary } from './summary.ts';

const SAMPLE = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));

/**
 * A counting line across both lanes of the sample street, below the intersection and clear of the
 * parked cars (source pixels, 640x352). From left to right, so its left side is up the picture:
 * `positive` = driving away from the camera, `negative` = towards it.
 */
/*
 * The lane towards the camera as a zone (for occupancy, density and level of service), and a ground
 * calibration estimated from the picture, not surveyed: the lane taken as 3.4 m wide, its depth from
 * the way the lane's width in pixels shrinks with distance (horizon near y = 122, a field of view of
 * about 70°). Good to some 10-20 %; a real camera gets four surveyed points.
 *
 *        (228,200) ●────● (348,200)      8.2 m from the near edge
 *                 ╱      ╲
 *     (283,330) ●──────────● (600,330)   0 m;   3.4 m across
 */
export const SAMPLE_SCENE: SceneConfig = {
  lines: [{ id: 'street', from: [200, 210], to: [620, 210], positive: 'left' }],
  zones: [
    {
      id: 'near-lane',
      kind: 'lane',
      polygon: [
        [218, 175],
        [300, 175],
        [619, 340],
        [287, 340],
      ],
      direction: [194, 165],
    },
  ],
  calibration: {
    image: [
      [228, 200],
      [348, 200],
      [600, 330],
      [283, 330],
    ],
    world: [
      [0, 8.2],
      [3.4, 8.2],
      [3.4, 0],
      [0, 0],
    ],
  },
  inertiaFrames: 1,
};

/**
 * Rules for the sample camera, as an operator would set them for a residential street: a jam in the
 * lane towards the camera, a vehicle standing in it, a person walking in it.
 */
const SAMPLE_RULES = [
  { id: 'near-lane-jam', type: 'congestion', zones: ['near-lane'], severity: 'warning' },
  {
    id: 'stopped-in-lane',
    type: 'stopped_vehicle',

    zones: ['near-lane'],
    durationS: 20,
    severity: 'critical',
  },
  {
    id: 'person-in-lane',
    type: 'threshold',

    zones: ['near-lane'],
    measure: 'persons',
    above: 0,
    durationS: 3,
    severity: 'info',
  },
];

/** `cityflow demo [files...]`: the main job on bundled footage, in local mode. */
export async function demoCommand(
  files: string[],
  opts: { json?: boolean; fps: number; camera: string; dataDir: string },
) {
  // The demo's output is its summary, failures included; logs stay out of it unless asked for.
  if (!process.env.LOG_LEVEL) logger.level = 'fatal';
  const sources = files.length ? files.map((f) => resolve(f)) : [SAMPLE];
  // Each file is its own camera when several are given, so their rows stay apart. The demo treats a
  // file as recorded when it was last written (for the bundled sample: when it was checked out), not
  // at its container's creation time (2017 for the sample), so its rows are recent.
  const cameras = sources.map((source, i) => ({
    id: sources.length === 1 ? opts.camera : `${opts.camera}-${i + 1}`,
    name: basename(source),
    source,
    fps: opts.fps,
    startTime: mtimeIso(source),
    ...(source === SAMPLE ? { scene: SAMPLE_SCENE } : {}),
  }));
  // The rules name the sample's zone: only when the sample is the one camera.
  const usesSample = sources.length === 1 && sources[0] === SAMPLE;
  const cfg = configFrom(
    { dataDir: opts.dataDir },
    { extract: { fps: opts.fps }, ...(usesSample ? { rules: SAMPLE_RULES } : {}) },
  );
  if (!opts.json)
    process.stderr.write(`cityflow demo: ${sources.map((s) => basename(s)).join(', ')} at ${opts.fps} fps\n`);
  const summary = await processSources(cfg, cameras, {
    progress: !opts.json && process.stderr.isTTY === true,
  });
  process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  if (summary.failures.length) process.exitCode = 1;
}

function mtimeIso(path: string): string | undefined {
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return undefined; // a missing file is reported by the pipeline with its reason
  }
}
