import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponses } from '../../../schemas/api/common.ts';
import { PlateReads, PlateReadsQuery, Watchlist, WatchlistBody } from '../../../schemas/api/plates.ts';
import { WatchlistEntry } from '../../../schemas/plates.ts';
import { WatchlistStore } from '../../plates/watchlist-store.ts';
import { requireRole } from '../plugins/auth.ts';
import { httpError } from '../plugins/errors.ts';
import { isoOf } from '../queries/time.ts';
import { timeRange } from './range.ts';

type Audit = (request: FastifyRequest, reply: FastifyReply, rows: number) => Promise<void>;
type Guard = Array<(request: FastifyRequest, reply: FastifyReply) => Promise<unknown>>;

/**
 * Raw licence-plate data, for the `plates` role only (not admin): plate reads and the watch list.
 * Every request the handler answers is written to `plate_audit` (who, when, what, how many rows)
 * before the answer goes out, so nothing is read unrecorded.
 */
export async function plateRoutes(app: FastifyInstance) {
  // Only the plates role: not even admin keys read raw plates (requireRole lets admin through).
  const guard: Guard = [
    requireRole(app.ctx.keys, 'plates') as Guard[number],
    async (request: FastifyRequest) => {
      if (request.apiKey && request.apiKey.role !== 'plates') {
        throw httpError(403, `role ${request.apiKey.role} may not read licence plates (allowed: plates)`);
      }
    },
  ];
  const audit: Audit = async (request, reply, rows) => {
    const key = request.apiKey;
    await app.ctx.store.insert('plate_audit', [
      {
        ts: Date.now(),
        key_id: key?.id ?? '',
        key_name: key?.name ?? '',
        role: key?.role ?? '',
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        params: JSON.stringify({ ...(request.params as object), ...(request.query as object) }),
        rows,
        status: reply.statusCode,
      },
    ]);
  };
  plateReadsRoute(app, guard, audit);
  watchlistRoutes(app, guard, audit);
}

/** GET /plates/reads: plate reads with the raw plate, by camera, plate and range. */
function plateReadsRoute(app: FastifyInstance, onRequest: Guard, audit: Audit) {
  app.get<{ Querystring: PlateReadsQuery }>(
    '/plates/reads',
    {
      onRequest,
      schema: {
        tags: ['plates'],
        summary: 'Plate reads with raw plates (plates role; audited)',
        querystring: PlateReadsQuery,
        response: { 200: PlateReads, ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const { fromMs, toMs } = timeRange(q, 15);
      const rows = await app.ctx.store.query<Record<string, string | number>>(
        `SELECT camera_id, toUnixTimestamp64Milli(ts) AS ms, track_id, plate, display, confidence, reads, layout,
                country, vehicle_class
         FROM plate_reads FINAL
         WHERE ts >= toDateTime64({from:Int64} / 1000, 3, 'UTC') AND ts < toDateTime64({to:Int64} / 1000, 3, 'UTC')
           AND ({camera:String} = '' OR camera_id = {camera:String})
           AND ({plate:String} = '' OR plate = {plate:String})
         ORDER BY ts LIMIT {limit:UInt32}`,
        {
          from: fromMs,
          to: toMs,
          camera: q.camera ?? '',
          plate: (q.plate ?? '').toUpperCase(),
          limit: q.limit,
        },
      );
      await audit(request, reply, rows.length);
      return {
        reads: rows.map((r) => ({
          cameraId: String(r.camera_id),
          ts: isoOf(Number(r.ms)),
          trackId: Number(r.track_id),
          plate: String(r.plate),
          display: String(r.display),
          confidence: Math.round(Number(r.confidence) * 1e4) / 1e4,
          reads: Number(r.reads),
          layout: String(r.layout),
          country: String(r.country),
          vehicleClass: String(r.vehicle_class),
        })),
      };
    },
  );
}

/** The watch list: GET the entries, PUT one by id, DELETE one. */
function watchlistRoutes(app: FastifyInstance, onRequest: Guard, audit: Audit) {
  const watchlist = new WatchlistStore(app.ctx.redis, app.ctx.prefix, 0);
  app.get(
    '/plates/watchlist',
    {
      onRequest,
      schema: {
        tags: ['plates'],
        summary: 'The plate watch list (plates role; audited)',
        response: { 200: Watchlist, ...errorResponses },
      },
    },
    async (request, reply) => {
      const entries = await watchlist.list();
      await audit(request, reply, entries.length);
      return { entries };
    },
  );

  app.put<{ Params: { id: string }; Body: WatchlistBody }>(
    '/plates/watchlist/:id',
    {
      onRequest,
      schema: {
        tags: ['plates'],
        summary: 'Add or replace a watch-list entry (plates role; audited)',
        params: { type: 'object', properties: { id: WatchlistEntry.properties.id }, required: ['id'] },
        body: WatchlistBody,
        response: { 200: WatchlistEntry, ...errorResponses },
      },
    },
    async (request, reply) => {
      const entry = { ...request.body, id: request.params.id, plate: request.body.plate.toUpperCase() };
      if (Date.parse(entry.expiresAt) <= Date.now())
        throw httpError(400, 'body.expiresAt: must be in the future');
      await watchlist.put(entry);
      await audit(request, reply, 1);
      return entry;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/plates/watchlist/:id',
    { onRequest, schema: { tags: ['plates'], summary: 'Remove a watch-list entry (plates role; audited)' } },
    async (request, reply) => {
      const removed = await watchlist.remove(request.params.id);
      reply.code(removed ? 204 : 404);
      await audit(request, reply, removed ? 1 : 0);
      return removed
        ? undefined
        : { statusCode: 404, error: 'Not Found', message: `no watch-list entry ${request.params.id}` };
    },
  );
}
