import { insertRows } from '../../pipeline/store/insert-rows.ts';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import { chTime, eventRow } from './fixtures.ts';

/**
 * A generated city for the map: `n` cameras over 7 districts of Ho Chi Minh City, 12 corridors of 8
 * cameras, a current state per camera chosen from its index so that tests can say what each must
 * show without reading the store back:
 *
 *   i % 6          → the level of service of its worse zone in the latest minute (A..F)
 *   i % 20 == 7    → offline      i % 20 == 13 → frozen      i % 50 == 3 → idle (no rows at all)
 *   i % 97 == 5    → no location (listed, not drawn)
 *   i % 10 == 4    → no zone level, only congestion ('jam'), so drawn as F from congestion
 *   i % 15 == 2    → two alerts in the last hour (warning, critical)
 */
export interface CityCamera {
  id: string;
  district: string;
  location: { lat: number; lon: number } | null;
  status: 'online' | 'offline' | 'frozen' | 'idle';
  los: string | null;
  congestion: string | null;
  /** Line crossings in the last 15 minutes (both directions), and their mean speed. */
  volume: number;
  speed: number;
  alerts: number;
  /** The 60-minute forecast's level of service (every third working camera has a forecast). */
  nextLos: string | null;
}

export const LOS = ['A', 'B', 'C', 'D', 'E', 'F'];
const DISTRICTS = [
  'District 1',
  'District 3',
  'District 5',
  'District 10',
  'Binh Thanh',
  'Phu Nhuan',
  'Tan Binh',
];
const MINUTES = 14; // 1-minute rows for the current minute and the 13 before it

export function cityCameras(n: number): CityCamera[] {
  return Array.from({ length: n }, (_, i) => {
    const status = i % 50 === 3 ? 'idle' : i % 20 === 7 ? 'offline' : i % 20 === 13 ? 'frozen' : 'online';
    const noLevel = i % 10 === 4;
    return {
      id: `cam-${String(i).padStart(4, '0')}`,
      district: DISTRICTS[i % DISTRICTS.length],
      location: i % 97 === 5 ? null : placeOf(i),
      status,
      los: status === 'idle' || noLevel ? null : LOS[i % 6],
      congestion: status === 'idle' ? null : noLevel ? 'jam' : 'slow',
      volume: status === 'idle' ? 0 : MINUTES * 2 * (3 + (i % 5)),
      speed: 20 + (i % 30),
      alerts: status !== 'idle' && i % 15 === 2 ? 2 : 0,
      nextLos: status === 'online' && i % 3 === 0 ? LOS[(i + 2) % 6] : null,
    };
  });
}

/**
 * Where camera i stands: corridor cameras 350 m apart along a straight road (each corridor its own
 * start and bearing), the others scattered over the same 17 × 20 km.
 */
function placeOf(i: number): { lat: number; lon: number } {
  const c = corridorOf(i);
  if (!c)
    return { lat: 10.7 + (0.15 * ((i * 37) % 101)) / 100, lon: 106.6 + (0.18 * ((i * 53) % 103)) / 102 };
  const k = Math.floor(i / 8);
  const bearing = (k * 47 * Math.PI) / 180;
  const step = 0.00315; // degrees, about 350 m
  const lat0 = 10.72 + 0.0275 * (k % 4);
  const lon0 = 106.63 + 0.045 * Math.floor(k / 4);
  return {
    lat: lat0 + step * (c.position - 1) * Math.cos(bearing),
    lon: lon0 + step * (c.position - 1) * Math.sin(bearing),
  };
}

/** Corridor c holds cameras 8c .. 8c+7 in that order, 350 m apart. */
export const corridorOf = (i: number) =>
  i < 96 ? { id: `corridor-${Math.floor(i / 8)}`, position: (i % 8) + 1 } : null;

function measure(cam: CityCamera, startMs: number, site: Record<string, unknown>) {
  return {
    camera_id: cam.id,
    interval_s: 60,
    start: chTime(startMs),
    frames: 120,
    volume_by_class: {},
    pcu: 0,
    flow_pcu_h: 0,
    speed_samples: 0,
    speed_mean_kmh: null,
    speed_p85_kmh: null,
    speeds_kmh: [],
    occupancy: 0.3,
    mean_count: 2,
    density_pcu_km: null,
    los: '',
    phf: null,
    persons_mean: 0,
    persons_max: 0,
    congestion: '',
    source_id: `${cam.id}/live`,
    segment: 1,
    volume: 0,
    direction: '',
    ...site,
  };
}

/** The rows of one camera: per minute, two line directions and two zones; health; alerts. */
function cameraRows(cam: CityCamera, i: number, nowMs: number) {
  const minute = Math.floor(nowMs / 60_000) * 60_000;
  const rows: Record<string, unknown>[] = [];
  for (let k = 0; k < MINUTES && cam.status !== 'idle'; k++) {
    const t = minute - k * 60_000;
    const perDir = cam.volume / MINUTES / 2;
    for (const direction of ['positive', 'negative'])
      rows.push(
        measure(cam, t, {
          site_kind: 'line',
          site_id: 'main',
          direction,
          volume: perDir,
          speed_samples: perDir,
          speed_mean_kmh: cam.speed,
        }),
      );
    // The latest minute decides: earlier minutes are all at F/jam, which must not show.
    const latest = k === 0;
    rows.push(
      measure(cam, t, {
        site_kind: 'zone',
        site_id: 'lane-1',
        los: latest ? (cam.los ?? '') : cam.los ? 'F' : '',
        congestion: latest ? cam.congestion : 'jam',
        density_pcu_km: cam.los ? 10 : null,
      }),
      measure(cam, t, { site_kind: 'zone', site_id: 'lane-2', los: cam.los ? 'A' : '', congestion: 'free' }),
    );
  }
  const health =
    cam.status === 'idle'
      ? []
      : [
          { status: 'online', from: nowMs - 30 * 60_000, to: nowMs - 10 * 60_000 },
          { status: cam.status, from: nowMs - 10 * 60_000, to: nowMs - 5_000 },
        ].map((h) => ({
          camera_id: cam.id,
          status: h.status,
          started_at: `${chTime(h.from)}.000`,
          ended_at: `${chTime(h.to)}.000`,
          frames: 100,
          decode_errors: 0,
          restarts: 0,
          black_frames: 0,
          blurred_frames: 0,
          reason: '',
          worker: 'test:1',
        }));
  const alerts =
    cam.alerts > 0
      ? [
          eventRow(cam.id, nowMs - 20 * 60_000, 'jam_start', 'warning', `${cam.id}-a1`),
          eventRow(cam.id, nowMs - 10 * 60_000, 'stopped_vehicle', 'critical', `${cam.id}-a2`),
          eventRow(cam.id, nowMs - 3 * 3600_000, 'stopped_vehicle', 'critical', `${cam.id}-old`), // too old
        ]
      : [];
  const corridor = corridorOf(i);
  const config = {
    id: cam.id,
    source: `rtsp://example/${cam.id}`,
    district: cam.district,
    ...(cam.location ? { location: cam.location, heading: (i * 45) % 360 } : {}),
    ...(corridor ? { corridors: [{ ...corridor, ...(corridor.position < 8 ? { toNextM: 350 } : {}) }] } : {}),
  };
  const camera = {
    camera_id: cam.id,
    name: `Street ${i}`,
    source_uri: config.source,
    config: JSON.stringify(config),
  };
  const issued = Math.floor(nowMs / 900_000) * 900_000;
  const forecast = (measure: string, value: number, los = '') => ({
    camera_id: cam.id,
    issued_at: chTime(issued),
    horizon_min: 60,
    target_start: chTime(issued + 45 * 60_000),
    measure,
    value,
    low: value * 0.8,
    high: value * 1.2,
    profile: value,
    los,
    model: 'test',
  });
  const forecasts = cam.nextLos
    ? [forecast('volume', 100 + i), forecast('speed_kmh', 30), forecast('density_pcu_km', 20, cam.nextLos)]
    : [];
  return { rows, health, alerts, camera, forecasts };
}

/** Writes the generated city into the store; returns its cameras. */
export async function insertCity(ch: ClickHouseHandle, n: number, nowMs = Date.now()): Promise<CityCamera[]> {
  const cams = cityCameras(n);
  const parts = cams.map((c, i) => cameraRows(c, i, nowMs));
  await insertRows(
    ch.client,
    'cameras',
    parts.map((p) => p.camera),
  );
  await insertRows(
    ch.client,
    'traffic_measures',
    parts.flatMap((p) => p.rows),
  );
  await insertRows(
    ch.client,
    'camera_health',
    parts.flatMap((p) => p.health),
  );
  await insertRows(
    ch.client,
    'events',
    parts.flatMap((p) => p.alerts),
  );
  await insertRows(
    ch.client,
    'forecasts',
    parts.flatMap((p) => p.forecasts),
  );
  return cams;
}
