/**
 * A large, realistic dataset for the API benchmark, generated inside ClickHouse with
 * `INSERT ... SELECT FROM numbers()` (no rows cross into JavaScript): `days` × `cameras` of
 *
 * - 15-minute and 1-minute traffic_measures (per camera: a counting line in both directions and a
 *   zone), with daily peaks (08:00 and 17:30 on weekdays, a flatter midday hump at weekends), weekly
 *   patterns, holidays, a day factor shared by neighbouring cameras, incidents that travel along
 *   groups of 5 cameras, per-camera size (arterials vs side streets) and noise (see LOAD); speeds
 *   drop and density/LOS rise with load; individual speeds in speeds_kmh;
 * - events (jams at busy times, stopped vehicles, crowds, camera outages), about 20 per camera-day;
 * - cameras rows; optionally raw detections (`detectionsMillions`), to size the raw table.
 *
 * The materialized views of 0020 fill the rollups as the rows go in.
 *
 * @example
 *   node --import tsx benchmarks/api/generate.ts --dir /tmp/big --days 30 --cameras 200
 */
import { join } from 'node:path';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../../pipeline/store/open-clickhouse.ts';

export interface DatasetSpec {
  days: number;
  cameras: number;
  /** Days of 1-minute measures (the most recent ones); defaults to all days. */
  minuteDays?: number;
  detectionsMillions?: number;
}

export interface DatasetSizes {
  seconds: Record<string, number>;
  rows: Record<string, number>;
  bytesOnDisk: Record<string, number>;
}

/** The dataset ends at the start of today (UTC): `days` whole days before it. */
export const datasetEnd = () => Math.floor(Date.now() / 86_400_000) * 86_400_000;

export const cameraId = (i: number) => `cam-${String(i).padStart(3, '0')}`;

// Load of camera c at time t (0..~1.9): weekday peaks at 08:00 and 17:30, a midday weekend hump, a
// per-camera size factor between 0.3 and 1.3, and noise; on top, what a timetable cannot know:
// - holidays: every 23rd day (day number % 23 = 5) runs the weekend pattern at 80 %;
// - a day factor of 0.88-1.12 per day and group of 5 neighbouring cameras (weather, events);
// - incidents: in 6 % of 2-hour blocks per group, load × 1.45 for 45-90 minutes, reaching camera
//   k = c % 5 of the group 15·k minutes after camera 0 (a queue travelling along the corridor
//   c−1 → c; the forecast backtest gives each camera its predecessor as upstream neighbour).
// `t` is a DateTime column, `c` a UInt32.
const HOLIDAY = (t: string) => `(toRelativeDayNum(${t}) % 23 = 5)`;
const INCIDENT = (t: string, c: string) => `(
  (cityHash64(intDiv(${c}, 5), intDiv(toUnixTimestamp(${t}) - (${c} % 5) * 900, 7200)) AS ih) % 100 < 6
  AND (toUnixTimestamp(${t}) - (${c} % 5) * 900) % 7200 >= ih % 3600
  AND (toUnixTimestamp(${t}) - (${c} % 5) * 900) % 7200 < ih % 3600 + 2700 + intDiv(ih, 100) % 2700)`;
const LOAD = (t: string, c: string) => `(
  (0.3 + (cityHash64(${c}) % 100) / 100.0) *
  if(${HOLIDAY(t)}, 0.8, 1) *
  (0.88 + (cityHash64(intDiv(${c}, 5), toRelativeDayNum(${t})) % 240) / 1000.0) *
  if(${INCIDENT(t, c)}, 1.45, 1) *
  (0.08 + if(toDayOfWeek(${t}) <= 5 AND NOT ${HOLIDAY(t)},
      exp(-pow(toHour(${t}) + toMinute(${t}) / 60 - 8, 2) / 2) + 0.9 * exp(-pow(toHour(${t}) + toMinute(${t}) / 60 - 17.5, 2) / 3)
        + 0.35 * exp(-pow(toHour(${t}) + toMinute(${t}) / 60 - 13, 2) / 8),
      0.55 * exp(-pow(toHour(${t}) + toMinute(${t}) / 60 - 14, 2) / 12))) *
  (0.9 + (cityHash64(${c}, ${t}) % 200) / 1000.0))`;

export function measuresSql(intervalS: 60 | 900, fromS: number, intervals: number, cameras: number): string {
  const scale = intervalS / 900;
  return `
INSERT INTO traffic_measures
SELECT camera_id, site_kind, site_id, direction, ${intervalS} AS interval_s, start,
       ${intervalS * 5} AS frames, volume, volume_by_class, pcu, pcu * ${3600 / intervalS} AS flow_pcu_h,
       length(speeds) AS speed_samples,
       if(length(speeds) = 0, NULL, arrayAvg(speeds)) AS speed_mean_kmh,
       if(length(speeds) = 0, NULL, arrayElement(arraySort(speeds), toUInt32(ceil(length(speeds) * 0.85)))) AS speed_p85_kmh,
       speeds AS speeds_kmh,
       if(site_kind = 'zone', least(1.0, 0.05 + 0.75 * load), 0) AS occupancy,
       if(site_kind = 'zone', 8 * load, 0) AS mean_count,
       if(site_kind = 'zone', toNullable(toFloat32(4 + 38 * load)), NULL) AS density_pcu_km,
       if(site_kind = 'zone', multiIf(4 + 38 * load <= 7, 'A', 4 + 38 * load <= 11, 'B', 4 + 38 * load <= 16, 'C',
          4 + 38 * load <= 22, 'D', 4 + 38 * load <= 28, 'E', 'F'), '') AS los,
       NULL AS phf,
       if(site_kind = 'zone', 3 * load, 0) AS persons_mean,
       if(site_kind = 'zone', toUInt16(round(6 * load)), 0) AS persons_max,
       if(site_kind = 'zone', multiIf(load < 0.5, 'free', load < 0.8, 'slow', load < 1, 'heavy', 'jam'), '') AS congestion,
       concat(camera_id, '/live') AS source_id, 0 AS segment
FROM (
  SELECT
    concat('cam-', leftPad(toString(c), 3, '0')) AS camera_id,
    toDateTime(${fromS} + intDiv(n, ${cameras * 3}) * ${intervalS}, 'UTC') AS start,
    c, site,
    ${LOAD('start', 'c')} AS load,
    if(site = 2, 'zone', 'line') AS site_kind,
    if(site = 2, 'lane-1', 'main') AS site_id,
    multiIf(site = 0, 'positive', site = 1, 'negative', '') AS direction,
    toUInt32(round(load * ${90 * scale} * if(site = 1, 0.75, 1) + (cityHash64(n) % 3) * ${scale})) AS volume,
    map('car', toUInt32(round(volume * 0.86)), 'bus', toUInt32(round(volume * 0.03)),
        'truck', toUInt32(round(volume * 0.06)), 'motorcycle', volume - toUInt32(round(volume * 0.86))
          - toUInt32(round(volume * 0.03)) - toUInt32(round(volume * 0.06))) AS volume_by_class,
    toFloat32(volume * 0.86 + volume * 0.03 * 2 + volume * 0.06 * 2 + (volume * 0.05) * 0.5) AS pcu,
    if(site = 2, CAST([] AS Array(Float32)),
       arrayMap(j -> toFloat32(greatest(5, 52 - 30 * load + ((cityHash64(n, j) % 160) - 80) / 10.0)),
                range(least(volume, 40)))) AS speeds
  FROM (SELECT number AS n, intDiv(number, 3) % ${cameras} AS c, number % 3 AS site
        FROM numbers(${intervals * cameras * 3}))
)`;
}

/** Generates the dataset into an embedded store at `dir` (created; must not be open elsewhere). */
export async function generate(
  ch: ClickHouseHandle,
  spec: DatasetSpec,
  log = (s: string) => process.stderr.write(`${s}\n`),
): Promise<DatasetSizes> {
  await applyMigrations(ch.client);
  const end = datasetEnd() / 1000;
  const from = end - spec.days * 86_400;
  const seconds: Record<string, number> = {};
  const timed = async (name: string, sql: string) => {
    const t0 = performance.now();
    await ch.client.command({ query: sql, clickhouse_settings: { max_insert_threads: '2' } });
    seconds[name] = (seconds[name] ?? 0) + Math.round(performance.now() - t0) / 1000;
  };
  await timed(
    'cameras',
    `INSERT INTO cameras (camera_id, name, source_uri, config)
     SELECT concat('cam-', leftPad(toString(number), 3, '0')) AS id, concat('Camera ', toString(number)),
            concat('rtsp://cameras.example/', id), concat('{"id":"', id, '","source":"rtsp://cameras.example/', id, '"}')
     FROM numbers(${spec.cameras})`,
  );
  // Day by day: bounded memory, and progress to watch.
  const minuteDays = spec.minuteDays ?? spec.days;
  for (let d = 0; d < spec.days; d++) {
    const dayStart = from + d * 86_400;
    await timed('measures15m', measuresSql(900, dayStart, 96, spec.cameras));
    if (d >= spec.days - minuteDays) await timed('measures1m', measuresSql(60, dayStart, 1440, spec.cameras));
    log(`generate: day ${d + 1}/${spec.days}`);
  }
  await timed(
    'events',
    `INSERT INTO events (event_id, camera_id, ts, started_at, type, rule_id, zone_id, severity, value, track_ids, message, snapshot, details, source_id, segment)
     SELECT toString(cityHash64(number)) AS event_id, concat('cam-', leftPad(toString(number % ${spec.cameras}), 3, '0')) AS camera_id,
            toDateTime64(${from} + (cityHash64(number, 1) % ${spec.days * 86_400}), 3, 'UTC') AS ts, ts - INTERVAL 90 SECOND,
            ['jam_start', 'jam_clear', 'stopped_vehicle', 'crowd_form', 'wrong_way', 'camera_offline'][1 + cityHash64(number, 2) % 6] AS type,
            concat(type, '-rule'), 'lane-1', ['info', 'warning', 'critical'][1 + cityHash64(number, 3) % 3], 42, [toUInt32(number % 1000)],
            concat(type, ' at ', camera_id), '', '{}', concat(camera_id, '/live'), 0
     FROM numbers(${spec.cameras * spec.days * 20})`,
  );
  if (spec.detectionsMillions) {
    await timed(
      'detections',
      `INSERT INTO detections (camera_id, class, ts, pts_ms, source_id, confidence, x, y, w, h, track_id)
       SELECT concat('cam-', leftPad(toString(number % ${spec.cameras}), 3, '0')), ['car', 'car', 'car', 'bus', 'truck', 'person'][1 + number % 6],
              toDateTime64(${end - 86_400} + intDiv(number, ${spec.cameras * 8}) / 5, 3, 'UTC'), intDiv(number, ${spec.cameras * 8}) * 200,
              'live', 0.3 + (number % 70) / 100, number % 1800, number % 1000, 80, 60, toUInt32(intDiv(number, 40))
       FROM numbers(${Math.round(spec.detectionsMillions * 1e6)})`,
    );
  }
  const rs = await ch.client.query({
    query: `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
            WHERE active AND database = currentDatabase() GROUP BY table ORDER BY table`,
    format: 'JSONEachRow',
  });
  const parts = await rs.json<{ table: string; rows: string; bytes: string }>();
  return {
    seconds,
    rows: Object.fromEntries(parts.map((p) => [p.table, Number(p.rows)])),
    bytesOnDisk: Object.fromEntries(parts.map((p) => [p.table, Number(p.bytes)])),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, d: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  const i = process.argv.indexOf('--dir');
  const dir = i > 0 ? process.argv[i + 1] : 'var/bench-api';
  const ch = await openClickHouse({ path: join(dir, 'clickhouse') });
  const sizes = await generate(ch, {
    days: arg('days', 30),
    cameras: arg('cameras', 200),
    minuteDays: arg('minute-days', 30),
    detectionsMillions: arg('detections-millions', 0),
  });
  await ch.close();
  console.log(JSON.stringify(sizes));
}
