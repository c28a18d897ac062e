/**
 * API query benchmark on a large dataset (benchmarks/api/generate.ts): p50 / p95 latency and rows
 * scanned of the main endpoints, through the real Fastify app (app.inject: routing, validation, auth,
 * serialisation) on the embedded ClickHouse. Baselines measured in the same run: a trivial
 * authenticated request (the API's own overhead) and the report's SQL alone (no API).
 *
 * The dataset is generated once into <dir> (default var/bench-api; reused when present, --fresh to
 * regenerate). Prints one JSON line (the phase contract of benchmarks/run.ts).
 *
 *   node --import tsx benchmarks/api/bench.ts [--dir var/bench-api] [--days 30] [--cameras 200] [--fresh]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { ApiKeyStore } from '../../workers/api/auth/api-keys.ts';
import { buildApi } from '../../workers/api/server.ts';
import { DirectStore } from '../../workers/api/store.ts';
import { refreshForecasts } from '../../workers/forecast/refresh-forecasts.ts';
import { startLocalRedis } from '../../workers/local/local-redis.ts';
import { report } from '../phases/common.ts';
import { cameraId, type DatasetSizes, datasetEnd, generate, measuresSql } from './generate.ts';

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0
    ? process.argv[i + 1]
    : (process.env[`BENCH_API_${name.toUpperCase().replace('-', '_')}`] ?? d);
};
const dir = resolve(arg('dir', 'var/bench-api'));
const spec = {
  days: Number(arg('days', '30')),
  cameras: Number(arg('cameras', '200')),
  minuteDays: Number(arg('minute-days', '2')),
  detectionsMillions: Number(arg('detections-millions', '20')),
};
const ITERATIONS = Number(arg('iterations', '20'));

const marker = join(dir, 'dataset.json');
// `generator`: bumped when the generator changes, so a cached dataset is made again.
const wanted = JSON.stringify({ ...spec, generator: 2 });
if (
  process.argv.includes('--fresh') ||
  !existsSync(marker) ||
  JSON.parse(readFileSync(marker, 'utf8')).spec !== wanted
) {
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(dir, { recursive: true });
const ch = await openClickHouse({ path: join(dir, 'clickhouse') });
let sizes: DatasetSizes;
if (existsSync(marker)) {
  sizes = JSON.parse(readFileSync(marker, 'utf8')).sizes;
} else {
  sizes = await generate(ch, spec);
  writeFileSync(marker, JSON.stringify({ spec: wanted, end: datasetEnd(), sizes }));
}
const end = JSON.parse(readFileSync(marker, 'utf8')).end as number;

// The city map shows the last 15 minutes: give every camera 1-minute rows up to now (the dataset
// itself ends at midnight). A rerun adds its own 15 minutes; the rows are few (cameras × 15 × 3).
const minuteNow = Math.floor(Date.now() / 60_000) * 60;
await ch.client.command({ query: measuresSql(60, minuteNow - 14 * 60, 15, spec.cameras) });

// Forecasts for every camera, as `run` refreshes them every 15 minutes; the refresh is timed too.
const tRefresh = performance.now();
const refresh = await refreshForecasts(ch.client, { losDensity: [7, 11, 16, 22, 28] });
const refreshSeconds = Math.round((performance.now() - tRefresh) / 10) / 100;
process.stderr.write(`bench api: forecast refresh, ${refresh.forecast} cameras: ${refreshSeconds} s\n`);

const redis = await startLocalRedis(join(dir, 'redis'));
const store = new DirectStore(ch.client, 'embedded');
let rowsRead = 0;
store.onStatistics = (s) => (rowsRead += Number(s.rows_read));
const keys = new ApiKeyStore(join(dir, 'api-keys.json'));
const key = keys.create('admin', 'bench').key;
const app: FastifyInstance = await buildApi({
  store,
  keys,
  redisUrl: redis.url,
  queuePrefix: 'bench',
  rateLimit: { max: 1e9, timeWindowMs: 60_000 },
});

const iso = (ms: number) => new Date(ms).toISOString();
const DAY = 86_400_000;
const corridor = [0, 1, 2, 3, 4].map(cameraId).join(',');
const cases: Array<[string, string]> = [
  ['health (API overhead baseline)', '/health'],
  ['cameras list', '/api/v1/cameras'],
  [
    `congestion report, corridor of 5 cameras, ${spec.days} days, 15 min`,
    `/api/v1/reports/congestion?corridor=${corridor}&from=${iso(end - spec.days * DAY)}&to=${iso(end)}`,
  ],
  [
    `congestion report, 1 camera, ${spec.days} days, 15 min`,
    `/api/v1/reports/congestion?camera=${cameraId(7)}&from=${iso(end - spec.days * DAY)}&to=${iso(end)}`,
  ],
  [
    `congestion report CSV, corridor, ${spec.days} days`,
    `/api/v1/reports/congestion?corridor=${corridor}&from=${iso(end - spec.days * DAY)}&to=${iso(end)}&format=csv`,
  ],
  [
    'congestion report, 1 camera, 1 day, 1 min',
    `/api/v1/reports/congestion?camera=${cameraId(7)}&from=${iso(end - DAY)}&to=${iso(end)}&interval=1`,
  ],
  [
    `city-wide summary, 1 day, ${spec.cameras} cameras`,
    `/api/v1/reports/summary?from=${iso(end - DAY)}&to=${iso(end)}`,
  ],
  [
    `city-wide summary, 7 days, ${spec.cameras} cameras`,
    `/api/v1/reports/summary?from=${iso(end - 7 * DAY)}&to=${iso(end)}`,
  ],
  [
    'counts series, 1 camera, 1 day, 15 min',
    `/api/v1/series/counts?camera=${cameraId(7)}&from=${iso(end - DAY)}&to=${iso(end)}`,
  ],
  [
    'speed series, 1 camera, 1 day, 1 min',
    `/api/v1/series/speed?camera=${cameraId(7)}&from=${iso(end - DAY)}&to=${iso(end)}&interval=1`,
  ],
  ['events, all cameras, 1 day, newest 100', `/api/v1/events?from=${iso(end - DAY)}&to=${iso(end)}`],
  [`city map data, ${spec.cameras} cameras (last 15 minutes, health, last hour's alerts)`, '/api/v1/map'],
  ['forecast, 1 camera', `/api/v1/forecast?camera=${cameraId(7)}`],
  ['forecast, corridor of 5 cameras (with its travel time)', `/api/v1/forecast?corridor=${corridor}`],
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};
const round = (x: number) => Math.round(x * 10) / 10;

const results: Array<{ name: string; p50Ms: number; p95Ms: number; rowsScanned: number; bytes: number }> = [];
for (const [name, url] of cases) {
  const times: number[] = [];
  let rows = 0;
  let bytes = 0;
  for (let i = 0; i < ITERATIONS + 2; i++) {
    rowsRead = 0;
    const t0 = performance.now();
    const res = await app.inject({ url, headers: { 'x-api-key': key } });
    const ms = performance.now() - t0;
    if (res.statusCode !== 200) throw new Error(`${name}: HTTP ${res.statusCode} ${res.body.slice(0, 300)}`);
    if (i >= 2) times.push(ms); // two warm-up runs
    rows = rowsRead;
    bytes = res.body.length;
  }
  results.push({
    name,
    p50Ms: round(pct(times, 0.5)),
    p95Ms: round(pct(times, 0.95)),
    rowsScanned: rows,
    bytes,
  });
  process.stderr.write(
    `bench api: ${name}: p50 ${round(pct(times, 0.5))} ms, p95 ${round(pct(times, 0.95))} ms, ${rows} rows scanned\n`,
  );
}

// Baselines without the API: the corridor report's main SQL alone, and the 1-day summary from the
// camera_hourly rollup instead of traffic_measures FINAL.
const sqlOnly = async (name: string, query: string) => {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < ITERATIONS + 2; i++) {
    const t0 = performance.now();
    const rs = await ch.client.query({ query, format: 'JSON' });
    const body = await rs.json();
    if (i >= 2) times.push(performance.now() - t0);
    rows = Number(body.statistics?.rows_read ?? 0);
  }
  results.push({
    name,
    p50Ms: round(pct(times, 0.5)),
    p95Ms: round(pct(times, 0.95)),
    rowsScanned: rows,
    bytes: 0,
  });
  process.stderr.write(
    `bench api: ${name}: p50 ${round(pct(times, 0.5))} ms, p95 ${round(pct(times, 0.95))} ms\n`,
  );
};
const fromS = (end - spec.days * DAY) / 1000;
await sqlOnly(
  `SQL only: corridor volumes, ${spec.days} days (traffic_measures FINAL)`,
  `SELECT camera_id, start, sumIf(volume, site_kind = 'line') AS v FROM traffic_measures FINAL
   WHERE camera_id IN (${corridor
     .split(',')
     .map((c) => `'${c}'`)
     .join(',')}) AND interval_s = 900
     AND start >= toDateTime(${fromS}, 'UTC') AND start < toDateTime(${end / 1000}, 'UTC') GROUP BY camera_id, start`,
);
await sqlOnly(
  `SQL only: city-wide 1-day volumes and speeds from the camera_hourly rollup`,
  `SELECT camera_id, sum(volume) AS v, avg(speed_mean_kmh) AS s, max(los_worst) AS los FROM camera_hourly
   WHERE site_kind = 'line' AND hour >= toDateTime(${(end - DAY) / 1000}, 'UTC') AND hour < toDateTime(${end / 1000}, 'UTC') GROUP BY camera_id`,
);

await app.close();
await ch.close();
await redis.stop();
report({
  phase: 'api',
  frames: 0,
  seconds: 0,
  framesPerSecond: 0,
  dataset: { ...spec, ...sizes },
  forecastRefresh: { cameras: refresh.forecast, rows: refresh.rows, seconds: refreshSeconds },
  iterations: ITERATIONS,
  queries: results,
});
