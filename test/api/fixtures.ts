import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { ApiKeyStore, ROLES, type Role } from '../../workers/api/auth/api-keys.ts';
import { buildApi } from '../../workers/api/server.ts';
import { DirectStore } from '../../workers/api/store.ts';

/** Realistic traffic_measures rows for one camera: two line directions and one zone, per interval. */
export interface MeasureFixture {
  camera_id: string;
  site_kind: 'line' | 'zone';
  site_id: string;
  direction: string;
  interval_s: number;
  start: string;
  frames: number;
  volume: number;
  volume_by_class: Record<string, number>;
  pcu: number;
  flow_pcu_h: number;
  speed_samples: number;
  speed_mean_kmh: number | null;
  speed_p85_kmh: number | null;
  speeds_kmh: number[];
  occupancy: number;
  mean_count: number;
  density_pcu_km: number | null;
  los: string;
  phf: number | null;
  persons_mean: number;
  persons_max: number;
  congestion: string;
  source_id: string;
  segment: number;
}

const PCU: Record<string, number> = { car: 1, motorcycle: 0.5, bus: 2, truck: 2, bicycle: 0.2 };
export const chTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Rows as the pipeline writes them: per line direction volume by class with each vehicle's speed, and
 * per zone occupancy, density and LOS. Traffic follows the time of day (a morning and an evening peak).
 */
export function measureRows(
  camera: string,
  fromMs: number,
  intervals: number,
  intervalS: 60 | 900,
): MeasureFixture[] {
  const rows: MeasureFixture[] = [];
  for (let i = 0; i < intervals; i++) {
    const t = fromMs + i * intervalS * 1000;
    const hour = new Date(t).getUTCHours() + new Date(t).getUTCMinutes() / 60;
    const peak = Math.exp(-((hour - 8) ** 2) / 2) + Math.exp(-((hour - 17.5) ** 2) / 3);
    const scale = intervalS / 900;
    const base = {
      camera_id: camera,
      interval_s: intervalS,
      start: chTime(t),
      frames: Math.round(intervalS * 5),
      source_id: `${camera}/live`,
      segment: i,
      phf: null,
      persons_mean: 0,
      persons_max: 0,
    };
    for (const direction of ['positive', 'negative']) {
      const k = direction === 'positive' ? 1 : 0.7;
      const byClass: Record<string, number> = {
        car: Math.round((20 + 80 * peak) * k * scale),
        bus: Math.round((1 + 3 * peak) * k * scale),
        truck: Math.round((2 + 2 * peak) * k * scale),
        motorcycle: Math.round((1 + 4 * peak) * k * scale),
      };
      const volume = Object.values(byClass).reduce((a, b) => a + b, 0);
      const pcu = Object.entries(byClass).reduce((a, [c, n]) => a + PCU[c] * n, 0);
      const speeds = Array.from(
        { length: Math.min(volume, 40) },
        (_, j) => 50 - 25 * peak + ((j * 7) % 11) - 5,
      );
      const mean = speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null;
      rows.push({
        ...base,
        site_kind: 'line',
        site_id: 'main',
        direction,
        volume,
        volume_by_class: byClass,
        pcu,
        flow_pcu_h: (pcu * 3600) / intervalS,
        speed_samples: speeds.length,
        speed_mean_kmh: mean,
        speed_p85_kmh: speeds.length
          ? [...speeds].sort((a, b) => a - b)[Math.floor(0.85 * (speeds.length - 1))]
          : null,
        speeds_kmh: speeds,
        occupancy: 0,
        mean_count: 0,
        density_pcu_km: null,
        los: '',
        congestion: '',
      });
    }
    const density = 5 + 40 * peak;
    const los =
      density <= 7
        ? 'A'
        : density <= 11
          ? 'B'
          : density <= 16
            ? 'C'
            : density <= 22
              ? 'D'
              : density <= 28
                ? 'E'
                : 'F';
    rows.push({
      ...base,
      site_kind: 'zone',
      site_id: 'lane-1',
      direction: '',
      volume: Math.round((15 + 60 * peak) * scale),
      volume_by_class: { car: Math.round((15 + 60 * peak) * scale) },
      pcu: Math.round((15 + 60 * peak) * scale),
      flow_pcu_h: 0,
      speed_samples: 0,
      speed_mean_kmh: null,
      speed_p85_kmh: null,
      speeds_kmh: [],
      occupancy: Math.min(1, 0.1 + 0.8 * peak),
      mean_count: 1 + 6 * peak,
      density_pcu_km: density,
      los,
      congestion: peak > 0.8 ? 'heavy' : 'free',
      persons_mean: 2 * peak,
      persons_max: Math.round(5 * peak),
    });
  }
  return rows;
}

export function eventRow(
  camera: string,
  tsMs: number,
  type: string,
  severity: string,
  id: string,
  message = 'x',
) {
  return {
    event_id: id,
    camera_id: camera,
    ts: `${chTime(tsMs)}.000`,
    started_at: `${chTime(tsMs - 60_000)}.000`,
    type,
    rule_id: `${type}-rule`,
    zone_id: 'lane-1',
    severity,
    value: 42,
    track_ids: [7, 9],
    message,
    snapshot: '',
    details: JSON.stringify({ seconds: 42 }),
    source_id: `${camera}/live`,
    segment: 3,
  };
}

export interface ApiHarness {
  app: FastifyInstance;
  ch: ClickHouseHandle;
  keys: Record<Role, string>;
  keyStore: ApiKeyStore;
  dir: string;
  prefix: string;
  close(): Promise<void>;
}

/** A real API over a fresh embedded ClickHouse and the tests' Redis, with one key per role. */
export async function startHarness(
  redisUrl: string,
  name: string,
  rateLimit?: { max: number; timeWindowMs: number },
): Promise<ApiHarness> {
  const dir = mkdtempSync(join(tmpdir(), `cityflow-api-${name}-`));
  const ch = await openClickHouse({ path: join(dir, 'clickhouse') });
  await applyMigrations(ch.client);
  const keyStore = new ApiKeyStore(join(dir, 'api-keys.json'));
  const keys = Object.fromEntries(ROLES.map((r) => [r, keyStore.create(r, `test ${r}`).key])) as Record<
    Role,
    string
  >;
  const prefix = `api-${name}-${process.pid}`;
  const app = await buildApi({
    store: new DirectStore(ch.client, 'embedded'),
    keys: keyStore,
    redisUrl,
    queuePrefix: prefix,
    rateLimit,
    logger: process.env.API_TEST_LOG ? { level: 'error' } : false,
  });
  await app.ready();
  return {
    app,
    ch,
    keys,
    keyStore,
    dir,
    prefix,
    close: async () => {
      await app.close();
      await ch.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function insertCamera(ch: ClickHouseHandle, id: string, scene?: object) {
  await insertRows(ch.client, 'cameras', [
    {
      camera_id: id,
      name: `Camera ${id}`,
      source_uri: `rtsp://example/${id}`,
      config: JSON.stringify({ id, source: `rtsp://example/${id}`, ...(scene ? { scene } : {}) }),
    },
  ]);
}

/** SQL-injection-like values: each must be treated as data (never a 500, never a syntax error). */
export const INJECTIONS = [
  "x' OR '1'='1",
  "cam-a'; DROP TABLE traffic_measures; --",
  "\\' UNION SELECT * FROM system.users --",
  '{camera:String}',
  'cam-a\u0000',
];
