import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../schemas/api/common.ts';
import { MapAnswer, MapQuery } from '../../../schemas/api/map.ts';
import { requireRole } from '../plugins/auth.ts';
import { cityMap, type MapSettings } from '../queries/city-map.ts';

/**
 * GET /api/v1/map: the city map's data (cameras with place and current state, corridors), for the
 * `/map` page and for any wall display. Every role that reads measures may read it.
 *
 * Registered with its settings as plugin options:
 *   await app.register(mapRoutes, { prefix: '/api/v1', tiles: 'https://tiles.example/{z}/{x}/{y}.png' });
 */
export async function mapRoutes(app: FastifyInstance, settings: MapSettings) {
  app.get<{ Querystring: MapQuery }>(
    '/map',
    {
      onRequest: requireRole(app.ctx.keys, 'analyst', 'transport', 'operator'),
      schema: {
        tags: ['map'],
        summary: 'Cameras with their place and current state, and the corridors through them',
        description:
          'Per camera: location, district, status (online, offline, frozen from live health; measuring or idle ' +
          'otherwise), the latest minute’s level of service and congestion, the last 15 minutes’ volume and mean ' +
          'speed, and the warning and critical alerts of the last hour. Corridors come from the cameras’ ' +
          '`corridors` memberships, in position order, each leg with the mean of its two cameras’ speeds.',
        querystring: MapQuery,
        response: { 200: MapAnswer, ...errorResponses },
      },
    },
    async (request) => cityMap(app.ctx.store, settings, request.query.district),
  );
}
