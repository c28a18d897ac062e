import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../schemas/api/common.ts';
import {
  CountsSeries,
  CrowdSeries,
  type SeriesQuery,
  SeriesQuery as SeriesQuerySchema,
  SpeedSeries,
} from '../../../schemas/api/series.ts';
import { requireRole } from '../plugins/auth.ts';
import { isoOf, sourceInterval } from '../queries/time.ts';
import { timeRange } from './range.ts';

const WHERE = `camera_id = {camera:String} AND interval_s = {src:UInt16}
  AND start >= toDateTime({from:UInt32}, 'UTC') AND start < toDateTime({to:UInt32}, 'UTC')`;
const BUCKET = `toUnixTimestamp(toStartOfInterval(start, toIntervalSecond({step:UInt32})))`;

function params(q: SeriesQuery) {
  const { fromMs, toMs } = timeRange(q, q.interval);
  return {
    camera: q.camera,
    src: sourceInterval(q.interval),
    from: Math.floor(fromMs / 1000),
    to: Math.floor(toMs / 1000),
    step: q.interval * 60,
  };
}

const nullable = (v: unknown) =>
  v === null || v === undefined || Number.isNaN(Number(v)) ? null : Math.round(Number(v) * 10) / 10;

/** The OpenAPI schema of a series route: the series query in, `response` out. */
const schema = (summary: string, response: object) => ({
  tags: ['series'],
  summary,
  querystring: SeriesQuerySchema,
  response: { 200: response, ...errorResponses },
});

/** GET /series/counts: vehicle counts per site, direction and interval. */
function countsSeries(app: FastifyInstance): void {
  const { keys, store } = app.ctx;
  app.get<{ Querystring: SeriesQuery }>(
    '/series/counts',
    {
      onRequest: requireRole(keys, 'analyst', 'transport'),
      schema: schema('Vehicle counts per line/zone, direction and interval', CountsSeries),
    },
    async (request) => {
      const q = request.query;
      const rows = await store.query<Record<string, string | number | Record<string, number>>>(
        `SELECT ${BUCKET} AS t_s, site_kind, site_id, direction, sum(volume) AS volume,
                sumMap(volume_by_class) AS by_class, sum(pcu) AS pcu
         FROM traffic_measures FINAL WHERE ${WHERE}
         GROUP BY t_s, site_kind, site_id, direction ORDER BY t_s, site_kind, site_id, direction`,
        params(q),
      );
      return {
        cameraId: q.camera,
        intervalMinutes: q.interval,
        points: rows.map((r) => ({
          start: isoOf(Number(r.t_s) * 1000),
          siteKind: String(r.site_kind),
          siteId: String(r.site_id),
          direction: String(r.direction),
          volume: Number(r.volume),
          volumeByClass: Object.fromEntries(
            Object.entries(r.by_class as Record<string, number>).map(([k, v]) => [k, Number(v)]),
          ),
          pcu: Math.round(Number(r.pcu) * 100) / 100,
        })),
      };
    },
  );
}

/** GET /series/speed: speeds of the counted vehicles per interval. */
function speedSeries(app: FastifyInstance): void {
  const { keys, store } = app.ctx;
  app.get<{ Querystring: SeriesQuery }>(
    '/series/speed',
    {
      onRequest: requireRole(keys, 'analyst', 'transport'),
      schema: schema('Speeds of the counted vehicles per interval (km/h)', SpeedSeries),
    },
    async (request) => {
      const q = request.query;
      // Speeds of line crossings where the camera has lines; zone speeds otherwise (as the report).
      const rows = await store.query<Record<string, number | string | null>>(
        `SELECT t_s, sum(n) AS samples, sum(s) / nullIf(sum(n), 0) AS mean,
                if(length(arrayFlatten(groupArray(v))) = 0, NULL, arrayReduce('quantileExact(0.5)', arrayFlatten(groupArray(v)))) AS p50,
                if(length(arrayFlatten(groupArray(v))) = 0, avg(p85), arrayReduce('quantileExact(0.85)', arrayFlatten(groupArray(v)))) AS p85
         FROM (
           SELECT ${BUCKET} AS t_s, start,
                  countIf(site_kind = 'line') > 0 AS has_lines,
                  if(has_lines, sumIf(speed_samples, site_kind = 'line' AND speed_mean_kmh IS NOT NULL),
                     sumIf(speed_samples, site_kind = 'zone' AND speed_mean_kmh IS NOT NULL)) AS n,
                  if(has_lines, sumIf(speed_mean_kmh * speed_samples, site_kind = 'line' AND speed_mean_kmh IS NOT NULL),
                     sumIf(speed_mean_kmh * speed_samples, site_kind = 'zone' AND speed_mean_kmh IS NOT NULL)) AS s,
                  if(has_lines, arrayFlatten(groupArrayIf(speeds_kmh, site_kind = 'line')),
                     arrayFlatten(groupArrayIf(speeds_kmh, site_kind = 'zone'))) AS v,
                  if(has_lines, avgIf(speed_p85_kmh, site_kind = 'line'), avgIf(speed_p85_kmh, site_kind = 'zone')) AS p85
           FROM traffic_measures FINAL WHERE ${WHERE}
           GROUP BY t_s, start)
         GROUP BY t_s ORDER BY t_s`,
        params(q),
      );
      return {
        cameraId: q.camera,
        intervalMinutes: q.interval,
        points: rows.map((r) => ({
          start: isoOf(Number(r.t_s) * 1000),
          samples: Number(r.samples),
          meanKmh: nullable(r.mean),
          p50Kmh: nullable(r.p50),
          p85Kmh: nullable(r.p85),
        })),
      };
    },
  );
}

/** GET /crowd: persons per zone and interval. */
function crowdSeries(app: FastifyInstance): void {
  const { keys, store } = app.ctx;
  app.get<{ Querystring: SeriesQuery }>(
    '/crowd',
    {
      onRequest: requireRole(keys, 'analyst', 'operator'),
      schema: { ...schema('Persons per zone and interval', CrowdSeries), tags: ['crowd'] },
    },
    async (request) => {
      const q = request.query;
      const rows = await store.query<Record<string, number | string>>(
        `SELECT ${BUCKET} AS t_s, site_id, avg(persons_mean) AS persons_mean, max(persons_max) AS persons_max
         FROM traffic_measures FINAL WHERE ${WHERE} AND site_kind = 'zone'
         GROUP BY t_s, site_id ORDER BY t_s, site_id`,
        params(q),
      );
      return {
        cameraId: q.camera,
        intervalMinutes: q.interval,
        points: rows.map((r) => ({
          start: isoOf(Number(r.t_s) * 1000),
          zoneId: String(r.site_id),
          personsMean: Math.round(Number(r.persons_mean) * 100) / 100,
          personsMax: Number(r.persons_max),
        })),
      };
    },
  );
}

/** Time series from the per-interval measures: counts per site and direction, speeds, crowds. */
export async function seriesRoutes(app: FastifyInstance) {
  countsSeries(app);
  speedSeries(app);
  crowdSeries(app);
}
