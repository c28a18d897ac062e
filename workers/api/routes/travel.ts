import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../schemas/api/common.ts';
import { OdMatrix, OdMatrixQuery, TravelTimeQuery, TravelTimes } from '../../../schemas/api/travel.ts';
import { requireRole } from '../plugins/auth.ts';
import { httpError } from '../plugins/errors.ts';
import { odMatrix, travelTimes } from '../queries/travel-times.ts';
import { timeRange } from './range.ts';

/** Cameras of an origin-destination matrix, at most this many; its range at most 31 days. */
const MAX_OD_CAMERAS = 50;
const MAX_OD_DAYS = 31;

/**
 * Travel times and origin-destination counts from plate matches between cameras. They use only the
 * keyed plate hash, never the raw text, so the transport and analyst roles may read them.
 */
export async function travelRoutes(app: FastifyInstance) {
  app.get<{ Querystring: TravelTimeQuery }>(
    '/reports/travel-times',
    {
      onRequest: requireRole(app.ctx.keys, 'transport', 'analyst'),
      schema: {
        tags: ['reports'],
        summary: 'Travel time between two cameras per interval (plate matches)',
        description:
          'Per interval of departure at fromCamera: vehicles matched at toCamera by plate hash within maxMinutes, ' +
          'and the median and 85th-percentile travel time in seconds.',
        querystring: TravelTimeQuery,
        response: { 200: TravelTimes, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.fromCamera === q.toCamera)
        throw httpError(400, 'querystring.toCamera: must differ from fromCamera');
      const { fromMs, toMs } = timeRange(q, q.interval);
      return travelTimes(app.ctx.store, { ...q, fromMs, toMs, intervalMinutes: q.interval });
    },
  );

  app.get<{ Querystring: OdMatrixQuery }>(
    '/reports/od-matrix',
    {
      onRequest: requireRole(app.ctx.keys, 'transport', 'analyst'),
      schema: {
        tags: ['reports'],
        summary: 'Origin-destination matrix between cameras (plate matches)',
        description:
          'counts[i][j]: vehicles whose next sighting after cameras[i], within maxMinutes, was at cameras[j].',
        querystring: OdMatrixQuery,
        response: { 200: OdMatrix, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const cameras = q.cameras.split(',').map((c) => c.trim());
      if (cameras.some((c) => !c)) throw httpError(400, 'querystring.cameras: empty camera id in the list');
      if (new Set(cameras).size !== cameras.length)
        throw httpError(400, 'querystring.cameras: a camera appears twice');
      if (cameras.length > MAX_OD_CAMERAS)
        throw httpError(400, `querystring.cameras: at most ${MAX_OD_CAMERAS}`);
      const { fromMs, toMs } = timeRange(q, 15);
      if (toMs - fromMs > MAX_OD_DAYS * 86_400_000)
        throw httpError(400, `querystring.to: at most ${MAX_OD_DAYS} days`);
      return odMatrix(app.ctx.store, { cameras, fromMs, toMs, maxMinutes: q.maxMinutes });
    },
  );
}
