import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../schemas/api/common.ts';
import { ForecastAnswer, ForecastQuery } from '../../../schemas/forecast.ts';
import { requireRole } from '../plugins/auth.ts';
import { httpError } from '../plugins/errors.ts';
import { corridorTravelTime, currentForecasts } from '../queries/forecasts.ts';

const MAX_CAMERAS = 50;

/** GET /api/v1/forecast: a camera's or a corridor's current short-term forecasts. */
export async function forecastRoutes(app: FastifyInstance) {
  app.get<{ Querystring: ForecastQuery }>(
    '/forecast',
    {
      onRequest: requireRole(app.ctx.keys, 'transport', 'analyst', 'operator'),
      schema: {
        tags: ['reports'],
        summary: 'Short-term forecasts (15, 30, 60 minutes) of volume, speed and level of service',
        description:
          'From the latest refresh (every 15 minutes, at most two hours old): per horizon the forecast volume, ' +
          'mean speed and worst zone density with its level of service, with 80 % bands and the seasonal profile ' +
          'alone. Seasonal profile (median of the same weekly slot over 6 weeks) corrected by a regression on ' +
          'recent residuals and the upstream camera’s. A camera without a forecast says why in `status` and `reason`. ' +
          'For a corridor, also the travel time from its first camera to its last per horizon: each leg’s road length ' +
          '(`toNextM`) over the mean of its two cameras’ forecast speeds.',
        querystring: ForecastQuery,
        response: { 200: ForecastAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      if (!q.camera === !q.corridor)
        throw httpError(400, 'querystring.camera: give either camera or corridor (not both, not neither)');
      const cameras = q.camera ? [q.camera] : (q.corridor as string).split(',').map((c) => c.trim());
      if (cameras.some((c) => !c)) throw httpError(400, 'querystring.corridor: empty camera id in the list');
      if (new Set(cameras).size !== cameras.length)
        throw httpError(400, 'querystring.corridor: a camera appears twice');
      if (cameras.length > MAX_CAMERAS)
        throw httpError(400, `querystring.corridor: at most ${MAX_CAMERAS} cameras`);
      const forecasts = await currentForecasts(app.ctx.store, cameras);
      if (!q.corridor) return { cameras: forecasts };
      return { cameras: forecasts, corridor: await corridorTravelTime(app.ctx.store, cameras, forecasts) };
    },
  );
}
