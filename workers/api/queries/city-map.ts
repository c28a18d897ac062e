import type { MapAnswer, MapCamera, MapCorridor } from '../../../schemas/api/map.ts';
import { type CameraPlace, type Corridor, placeOf } from '../../../schemas/place.ts';
import type { ApiStore } from '../store.ts';
import { isoOf } from './time.ts';

/** What the map needs of the API's configuration. */
export interface MapSettings {
  tiles?: string;
  attribution?: string;
  /** Declared corridors (names); a corridor only cameras name is shown under its id. */
  corridors?: readonly Corridor[];
}

interface CameraRow {
  camera_id: string;
  name: string;
  config: string;
}
interface MeasureRow {
  camera_id: string;
  last_ms: number | string;
  line_rows: number | string;
  line_volume: number | string;
  zone_volume: number | string;
  speed: number | null;
  los: string;
  congestion: string;
}
interface HealthRow {
  camera_id: string;
  status: string;
}
interface AlertRow {
  camera_id: string;
  n: number | string;
  worst: number | string;
}

interface ForecastRow {
  camera_id: string;
  volume: number | null;
  speed: number | null;
  los: string;
}

const SEVERITY = ['info', 'warning', 'critical'];

// Three grouped scans, one per table, whatever the number of cameras: the map must stay cheap with
// 1,500 cameras and many open pages. Each reads only recent partitions (the WHERE on the sort key).
const MEASURES = `
SELECT camera_id,
  toUnixTimestamp(max(start)) * 1000 AS last_ms,
  countIf(site_kind = 'line') AS line_rows,
  sumIf(volume, site_kind = 'line') AS line_volume,
  sumIf(volume, site_kind = 'zone') AS zone_volume,
  sumIf(assumeNotNull(speed_mean_kmh) * speed_samples, site_kind = 'line' AND speed_samples > 0)
    / nullIf(sumIf(speed_samples, site_kind = 'line' AND speed_samples > 0), 0) AS speed,
  -- the latest minute first, then the worst value in it ('F' sorts after 'A'; jam after free)
  argMaxIf(los, (start, los), site_kind = 'zone' AND los != '') AS los,
  argMaxIf(congestion, (start, indexOf(['free', 'slow', 'heavy', 'jam'], congestion)),
           site_kind = 'zone' AND congestion != '') AS congestion
FROM traffic_measures FINAL
WHERE interval_s = 60 AND start >= now() - INTERVAL 15 MINUTE
GROUP BY camera_id`;

const HEALTH = `
SELECT camera_id, argMax(status, ended_at) AS status
FROM camera_health FINAL
WHERE started_at >= now64(3) - INTERVAL 1 DAY
GROUP BY camera_id`;

const ALERTS = `
SELECT camera_id, count() AS n, max(indexOf(['info', 'warning', 'critical'], severity)) AS worst
FROM events FINAL
WHERE ts >= now64(3) - INTERVAL 1 HOUR AND severity IN ('warning', 'critical')
  AND event_id NOT IN (SELECT event_id FROM alert_acks WHERE acked_at >= now64(3) - INTERVAL 1 DAY)
GROUP BY camera_id`;

// The 60-minute forecasts of each camera's latest refresh (at most two hours old).
const NEXT_HOUR = `
SELECT camera_id,
  if(countIf(measure = 'volume') > 0, argMaxIf(value, issued_at, measure = 'volume'), NULL) AS volume,
  if(countIf(measure = 'speed_kmh') > 0, argMaxIf(value, issued_at, measure = 'speed_kmh'), NULL) AS speed,
  argMaxIf(los, issued_at, measure = 'density_pcu_km') AS los
FROM forecasts FINAL
WHERE horizon_min = 60 AND issued_at >= now() - INTERVAL 2 HOUR
GROUP BY camera_id`;

function parsedPlace(config: string): CameraPlace {
  try {
    return placeOf(JSON.parse(config || '{}') as Record<string, unknown>);
  } catch {
    return {}; // an unreadable row is drawn nowhere, not an error for the whole map
  }
}

function cameraState(
  row: CameraRow,
  place: CameraPlace,
  m: MeasureRow | undefined,
  health: string | undefined,
  alert: AlertRow | undefined,
  next: ForecastRow | undefined,
): MapCamera {
  const lines = Number(m?.line_rows ?? 0) > 0;
  return {
    cameraId: row.camera_id,
    name: row.name,
    location: place.location ?? null,
    heading: place.heading ?? null,
    district: place.district ?? null,
    status: health ?? (m ? 'measuring' : 'idle'),
    los: m?.los || null,
    congestion: m?.congestion || null,
    volume15m: m ? Number(lines ? m.line_volume : m.zone_volume) : null,
    speedKmh: m?.speed == null ? null : Math.round(Number(m.speed) * 10) / 10,
    measuredAt: m ? isoOf(Number(m.last_ms)) : null,
    alerts1h: Number(alert?.n ?? 0),
    worstSeverity: alert ? (SEVERITY[Number(alert.worst) - 1] ?? null) : null,
    nextHour: next
      ? {
          los: next.los || null,
          volume: next.volume == null ? null : Math.round(Number(next.volume)),
          speedKmh: next.speed == null ? null : Math.round(Number(next.speed) * 10) / 10,
        }
      : null,
  };
}

/** Corridors from the cameras' memberships, in position order, with each leg's current speed. */
export function corridorsOf(
  cameras: ReadonlyArray<{ state: MapCamera; place: CameraPlace }>,
  declared: readonly Corridor[] = [],
): MapCorridor[] {
  const members = new Map<string, Array<{ id: string; position: number; toNextM?: number }>>();
  for (const { state, place } of cameras)
    for (const m of place.corridors ?? []) {
      const list = members.get(m.id) ?? [];
      list.push({ id: state.cameraId, position: m.position, toNextM: m.toNextM });
      members.set(m.id, list);
    }
  const speed = new Map(cameras.map((c) => [c.state.cameraId, c.state.speedKmh]));
  const names = new Map(declared.map((c) => [c.id, c.name ?? c.id]));
  const order = [...declared.map((c) => c.id), ...[...members.keys()].sort()];
  return [...new Set(order)]
    .filter((id) => members.has(id))
    .map((id) => {
      const list = (members.get(id) ?? []).sort((a, b) => a.position - b.position);
      const legs = list.slice(1).map((to, i) => {
        const from = list[i];
        const s = [speed.get(from.id), speed.get(to.id)].filter((v): v is number => v != null);
        const mean = s.length ? Math.round((s.reduce((a, b) => a + b, 0) / s.length) * 10) / 10 : null;
        return { from: from.id, to: to.id, lengthM: from.toNextM ?? null, speedKmh: mean };
      });
      return { id, name: names.get(id) ?? id, cameras: list.map((m) => m.id), legs };
    });
}

/**
 * The city map's data: every camera with its place and current state (health, the latest minute's
 * level of service and congestion, the last 15 minutes' volume and speed, the last hour's alerts) and
 * the corridors through them. `district` keeps one district's cameras and the corridors among them.
 *
 * @example
 *   const map = await cityMap(store, { tiles: 'https://tiles.example/{z}/{x}/{y}.png' }, 'District 1');
 */
export async function cityMap(store: ApiStore, settings: MapSettings, district?: string): Promise<MapAnswer> {
  const [rows, measures, health, alerts, forecasts] = await Promise.all([
    store.query<CameraRow>('SELECT camera_id, name, config FROM cameras FINAL ORDER BY camera_id'),
    store.query<MeasureRow>(MEASURES),
    store.query<HealthRow>(HEALTH),
    store.query<AlertRow>(ALERTS),
    store.query<ForecastRow>(NEXT_HOUR),
  ]);
  const f = new Map(forecasts.map((r) => [r.camera_id, r]));
  const m = new Map(measures.map((r) => [r.camera_id, r]));
  const h = new Map(health.map((r) => [r.camera_id, r.status]));
  const a = new Map(alerts.map((r) => [r.camera_id, r]));
  const all = rows.map((row) => {
    const place = parsedPlace(row.config);
    const id = row.camera_id;
    const state = cameraState(row, place, m.get(id), h.get(id), a.get(id), f.get(id));
    return { state, place };
  });
  const districts = [...new Set(all.map((c) => c.state.district).filter((d): d is string => !!d))].sort();
  const shown = district ? all.filter((c) => c.state.district === district) : all;
  return {
    generatedAt: new Date().toISOString(),
    tiles: settings.tiles ? { url: settings.tiles, attribution: settings.attribution ?? '' } : null,
    districts,
    cameras: shown.map((c) => c.state),
    corridors: corridorsOf(shown, settings.corridors),
  };
}
