/**
 * Zone visits on the sample street at several analysis rates: how many, why they ended, and how
 * many were seen on one frame only and then lost (a duplicate box's track, most often).
 *
 *   node --import tsx benchmarks/counting/zone-visits.ts             # 2, 3, 4, 5, 6, 8 and 10 fps
 *   node --import tsx benchmarks/counting/zone-visits.ts --fps 3,8
 *
 * Each rate runs `cityflow backfill` on samples/residential-street.mp4 with the demo's scene (zone
 * `near-lane` along the near lane, line `street`) in a temporary folder, then `cityflow query` reads
 * zone_visits and line_crossings. The same cars drive through at every rate, so the visits should not
 * move with it (eight cars drive along the near lane; the line, wider than the lane, counts them too).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SAMPLE_SCENE } from '../../workers/cli/demo-command.ts';
import { run } from './eval-counts.ts';

const SAMPLE = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));

const VISITS_SQL = `SELECT toUInt32(count()) AS visits, toUInt32(countIf(reason = 'exit')) AS exits,
  toUInt32(countIf(reason = 'lost')) AS lost, toUInt32(countIf(reason = 'lost' AND dwell_ms = 0)) AS once,
  (SELECT toUInt32(count()) FROM line_crossings WHERE camera_id = 'zv') AS crossings
  FROM zone_visits WHERE camera_id = 'zv' AND zone_id = 'near-lane'`;

interface RateRow {
  fps: number;
  visits: number;
  exits: number;
  lost: number;
  once: number;
  crossings: number;
}

async function visitsAt(fps: number): Promise<RateRow> {
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-zone-visits-'));
  try {
    const cfg = join(dir, 'cityflow.json');
    const camera = { id: 'zv', source: SAMPLE, scene: SAMPLE_SCENE };
    writeFileSync(cfg, JSON.stringify({ dataDir: join(dir, 'data'), cameras: [camera] }));
    const start = new Date(Date.now() - 24 * 3600_000).toISOString();
    const args = ['--camera', 'zv', '--fps', String(fps), '--config', cfg, '--json', '--start', start];
    const b = await run(['backfill', SAMPLE, ...args]);
    if (b.code !== 0)
      throw new Error(`backfill at ${fps} fps failed (exit ${b.code}): ${b.stderr.slice(-2000)}`);
    const q = await run(['query', VISITS_SQL, '--json', '--config', cfg]);
    if (q.code !== 0) throw new Error(`query failed (exit ${q.code}): ${q.stderr.slice(-2000)}`);
    const [row] = JSON.parse(q.stdout.trim().split('\n').pop() ?? '[]') as Array<Record<string, number>>;
    const n = (k: string) => Number(row?.[k] ?? 0);
    return {
      fps,
      visits: n('visits'),
      exits: n('exits'),
      lost: n('lost'),
      once: n('once'),
      crossings: n('crossings'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({ options: { fps: { type: 'string', default: '2,3,4,5,6,8,10' } } });
  const rates = values.fps.split(',').map(Number);
  if (rates.some((r) => !(r > 0 && r <= 30)))
    throw new Error(`--fps: rates in (0, 30] expected, got ${values.fps}`);
  console.log('| fps | zone visits | exit | lost | seen once, then lost | line crossings |');
  console.log('| --: | ----------: | ---: | ---: | -------------------: | -------------: |');
  for (const fps of rates) {
    const r = await visitsAt(fps);
    console.log(`| ${r.fps} | ${r.visits} | ${r.exits} | ${r.lost} | ${r.once} | ${r.crossings} |`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
