import type { FastifyInstance } from 'fastify';
import { isTimeZone } from '../../../pipeline/config/time-zone.ts';
import { errorResponses } from '../../../schemas/api/common.ts';
import {
  CitySummary,
  CongestionQuery,
  CongestionReport,
  SummaryQuery,
} from '../../../schemas/api/reports.ts';
import { requireRole } from '../plugins/auth.ts';
import { httpError } from '../plugins/errors.ts';
import { congestionCsv, congestionReport } from '../queries/congestion.ts';
import { citySummary } from '../queries/summary.ts';
import type { ApiStore } from '../store.ts';
import { timeRange } from './range.ts';

/** Cameras of a corridor, at most this many. */
const MAX_CORRIDOR = 50;

/**
 * GET /api/v1/reports/congestion: the congestion report of one camera or a corridor (an ordered list
 * of cameras), per interval, as JSON or CSV (`format=csv` or `accept: text/csv`; the same rows), in
 * a time zone (`timeZone`, default the API's): intervals on its local clock, times with its offset.
 */
export async function reportRoutes(app: FastifyInstance) {
  app.get<{ Querystring: CongestionQuery }>(
    '/reports/congestion',
    {
      onRequest: requireRole(app.ctx.keys, 'transport', 'analyst'),
      schema: {
        tags: ['reports'],
        summary: 'Congestion report per interval for a camera or a corridor',
        description:
          'Per camera and interval: volume (total and by class), pcu and flow, mean and 85th-percentile speed, ' +
          'zone occupancy and density, worst level of service, incidents. CSV has the same rows and values. ' +
          "Intervals follow the local clock of timeZone (default: the API's), and times carry its offset.",
        querystring: CongestionQuery,
        response: { 200: CongestionReport, 404: errorResponses[400], ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const cameras = reportCameras(q);
      await knownCameras(app.ctx.store, cameras, q.camera ? 'camera' : 'corridor');
      if (q.timeZone !== undefined && !isTimeZone(q.timeZone)) {
        throw httpError(
          400,
          `querystring.timeZone: unknown time zone "${q.timeZone}" (an IANA name, e.g. Asia/Ho_Chi_Minh)`,
        );
      }
      const timeZone = q.timeZone ?? app.ctx.timeZone;
      const { fromMs, toMs } = timeRange(q, q.interval);
      const report = await congestionReport(app.ctx.store, {
        cameras,
        fromMs,
        toMs,
        intervalMinutes: q.interval,
        timeZone,
      }).catch((e: unknown) => {
        throw q.timeZone !== undefined ? zoneRefused(e, q.timeZone) : e;
      });
      const csv = q.format === 'csv' || request.headers.accept?.startsWith('text/csv');
      if (csv) {
        const name = `congestion-${cameras.length === 1 ? cameras[0] : 'corridor'}.csv`.replace(
          /[^\w.-]/g,
          '_',
        );
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}"`)
          .serializer((s: unknown) => s as string)
          .send(congestionCsv(report));
      }
      // Serialised with JSON.stringify, not the schema's compiled serialiser: 3-5x faster on a 30-day
      // corridor (14,400 rows); the rows are built to the schema, and the tests check them against it.
      return reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(report);
    },
  );

  app.get<{ Querystring: SummaryQuery }>(
    '/reports/summary',
    {
      onRequest: requireRole(app.ctx.keys, 'transport', 'analyst'),
      schema: {
        tags: ['reports'],
        summary: 'City-wide summary: every camera over a range (at most 31 days)',
        description:
          'Per camera: volume, pcu, mean speed, share of 15-minute intervals at LOS E/F, worst LOS, coverage and ' +
          'incidents; busiest cameras first.',
        querystring: SummaryQuery,
        response: { 200: CitySummary, ...errorResponses },
      },
    },
    async (request) => {
      const { fromMs, toMs } = timeRange(request.query, 15);
      return citySummary(app.ctx.store, fromMs, toMs);
    },
  );
}

/** The report's cameras: `camera`, or `corridor`'s list in its order; errors name the parameter. */
/** A 404 naming the cameras the store does not know: a mistyped id would read as a camera without traffic. */
async function knownCameras(store: ApiStore, cameras: string[], key: 'camera' | 'corridor') {
  const rows = await store.query<{ camera_id: string }>(
    'SELECT DISTINCT camera_id FROM cameras WHERE camera_id IN {ids:Array(String)}',
    { ids: cameras },
  );
  const known = new Set(rows.map((r) => r.camera_id));
  const unknown = cameras.filter((c) => !known.has(c));
  if (unknown.length) {
    const names = unknown.map((c) => JSON.stringify(c)).join(', ');
    throw httpError(404, `querystring.${key}: no camera ${names} (cameras are added by the configuration)`);
  }
}

function reportCameras(q: CongestionQuery): string[] {
  if (!q.camera === !q.corridor) {
    throw httpError(400, 'querystring.camera: give either camera or corridor (not both, not neither)');
  }
  const cameras = q.camera ? [q.camera] : (q.corridor as string).split(',').map((c) => c.trim());
  if (cameras.some((c) => !c)) throw httpError(400, 'querystring.corridor: empty camera id in the list');
  if (new Set(cameras).size !== cameras.length) {
    throw httpError(400, 'querystring.corridor: a camera appears twice');
  }
  if (cameras.length > MAX_CORRIDOR) {
    throw httpError(400, `querystring.corridor: at most ${MAX_CORRIDOR} cameras`);
  }
  return cameras;
}

/**
 * A zone the runtime knows (isTimeZone, checked in the route) but ClickHouse does not: its zone names are
 * case-sensitive (`Asia/Kolkata`, not `asia/kolkata`) where Intl's are not. A 400 naming the
 * parameter rather than a 500.
 */
function zoneRefused(e: unknown, timeZone: string): unknown {
  if (!(e instanceof Error && /Cannot load time zone/i.test(e.message))) return e;
  return httpError(
    400,
    `querystring.timeZone: unknown time zone "${timeZone}" (IANA names are case-sensitive, e.g. Asia/Ho_Chi_Minh)`,
  );
}
