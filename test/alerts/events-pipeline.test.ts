import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, test } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import { openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import type { Config } from '../../schemas/config.ts';
import type { SceneConfig } from '../../schemas/scene.ts';
import { SAMPLE_SCENE } from '../../workers/cli/demo-command.ts';
import { processSources } from '../../workers/cli/process-sources.ts';
import { SAMPLE } from '../helpers/cli.ts';

// A rule firing on real footage, end to end: the sample through extract, detect, track (measurer and
// rule engine), store and the alert stage; events in the table with a JPEG of the moment, once each,
// and again exactly the same after a second run over the same file.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The demo camera's lane zone towards the camera (workers/cli/demo-command.ts), without its line.
const scene: SceneConfig = { ...SAMPLE_SCENE, lines: [] };

function config(): Config {
  return normaliseConfig(
    {
      dataDir: join(dir, 'data'),
      host: 'h-events',
      queuePrefix: `ev${Date.now()}`,
      redisUrl: inject('redisUrl'),
      extract: { fps: 5 },
      // "A vehicle in the lane for 1 s" fires for each passing car (after a 15 s cooldown): a
      // stand-in for a real rule that fires often enough on a 38 s clip to be tested.
      rules: [
        {
          id: 'lane-busy',
          type: 'threshold',
          zones: ['near-lane'],
          measure: 'vehicles',
          above: 0,
          durationS: 1,
          cooldownS: 15,
          severity: 'warning',
        },
      ],
    },
    join(dir, 'cityflow.yaml'),
    {},
  );
}

async function eventRows(cfg: Config) {
  const ch = await openClickHouse({ path: join(cfg.dataDir, 'clickhouse') });
  try {
    const rs = await ch.client.query({
      query: `SELECT event_id, type, rule_id, zone_id, severity, track_ids, snapshot, ts
              FROM events ORDER BY ts`,
      format: 'JSONEachRow',
    });
    return await rs.json<{
      event_id: string;
      type: string;
      rule_id: string;
      zone_id: string;
      severity: string;
      track_ids: number[];
      snapshot: string;
    }>();
  } finally {
    await ch.close();
  }
}

test('a rule on the sample raises events with evidence snapshots, each once, the same on a re-run', async () => {
  const cfg = config();
  const camera = {
    id: 'cam-ev',
    source: SAMPLE,
    startTime: new Date(Date.now() - 3600_000).toISOString(),
    scene,
  };
  const s1 = await processSources(cfg, [camera], { progress: false });
  expect(s1.failures).toEqual([]);
  const events = await eventRows(cfg);
  expect(events.length).toBeGreaterThanOrEqual(1);
  // The summary lists what the table holds.
  expect(s1.events.map((e) => e.type)).toEqual(events.map((e) => e.type));
  for (const e of events) {
    expect(e).toMatchObject({
      type: 'threshold',
      rule_id: 'lane-busy',
      zone_id: 'near-lane',
      severity: 'warning',
    });
    expect(e.track_ids.length).toBeGreaterThan(0);
    // A JPEG (SOI marker) under <dataDir>/evidence/<camera>/<day>/<event id>.jpg.
    expect(e.snapshot).toContain(join(cfg.dataDir, 'evidence', 'cam-ev'));
    const jpeg = readFileSync(e.snapshot);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  }
  expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);

  // Again over the same file (new queue prefix, same store): nothing new.
  const again = { ...cfg, queuePrefix: `${cfg.queuePrefix}b` };
  const s2 = await processSources(again, [camera], { progress: false });
  expect(s2.failures).toEqual([]);
  expect((await eventRows(cfg)).map((e) => e.event_id)).toEqual(events.map((e) => e.event_id));
});
