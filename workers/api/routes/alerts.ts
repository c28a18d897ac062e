import { createReadStream } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { isTimeZone } from '../../../pipeline/config/time-zone.ts';
import { alertAckRow } from '../../../pipeline/store/rows.ts';
import {
  AckAnswer,
  AckBody,
  AckParams,
  AlertCounts,
  type AlertCountsQuery,
  AlertsAnswer,
  AlertsQuery,
  AlertCountsQuery as CountsQuerySchema,
} from '../../../schemas/api/alerts.ts';
import { errorResponses } from '../../../schemas/api/common.ts';
import { requireRole } from '../plugins/auth.ts';
import { httpError } from '../plugins/errors.ts';
import { alertCounts, listAlerts } from '../queries/alerts.ts';
import { timeRange } from './range.ts';

export interface AlertRouteOptions {
  /** Where the pipeline writes evidence snapshots (config alerts.snapshotsDir); none: not served. */
  snapshotsDir?: string;
}

/** POST /alerts/:id/ack (operator): acknowledge an alert with a comment; every one is kept. */
function acknowledge(app: FastifyInstance): void {
  const { keys, store } = app.ctx;
  app.post<{ Params: { id: string }; Body: AckBody }>(
    '/alerts/:id/ack',
    {
      onRequest: requireRole(keys, 'operator'),
      schema: {
        tags: ['events'],
        summary: 'Acknowledge an alert with a comment (operator)',
        description:
          'Stored in `alert_acks` with the API key’s id and name, its role, the time and the client address; ' +
          'acknowledging again adds a row (the audit trail keeps them all) and the latest is the alert’s state.',
        params: AckParams,
        body: AckBody,
        response: { 200: AckAnswer, 404: errorResponses[400], ...errorResponses },
      },
    },
    async (request) => {
      const id = request.params.id;
      const [event] = await store.query<{ camera_id: string }>(
        'SELECT camera_id FROM events WHERE event_id = {id:String} LIMIT 1',
        { id },
      );
      if (!event) throw httpError(404, `params.id: no alert "${id}"`);
      const key = request.apiKey;
      const at = Date.now();
      const comment = request.body.comment.trim();
      if (!comment) throw httpError(400, 'body.comment: must not be blank');
      await store.insert('alert_acks', [
        alertAckRow({ eventId: id, cameraId: event.camera_id, atMs: at, key, comment, clientIp: request.ip }),
      ]);
      request.log.info(
        { audit: 'alert_ack', event: id, key: key?.id, role: key?.role },
        'alert acknowledged',
      );
      const by = key?.name ?? '';
      return {
        eventId: id,
        acknowledged: { at: new Date(at).toISOString(), by, role: key?.role ?? '', comment },
      };
    },
  );
}

/** GET /alerts/:id/snapshot: the alert's evidence JPEG, only from the configured snapshots folder. */
function snapshot(app: FastifyInstance, dir: string | undefined): void {
  const { keys, store } = app.ctx;
  app.get<{ Params: { id: string } }>(
    '/alerts/:id/snapshot',
    {
      onRequest: requireRole(keys, 'operator', 'analyst'),
      schema: { tags: ['events'], summary: "An alert's evidence snapshot (JPEG)", params: AckParams },
    },
    async (request, reply) => {
      const [row] = await store.query<{ snapshot: string }>(
        'SELECT snapshot FROM events WHERE event_id = {id:String} LIMIT 1',
        { id: request.params.id },
      );
      if (!row?.snapshot || !dir)
        throw httpError(404, `params.id: alert "${request.params.id}" has no snapshot here`);
      // The path is data from the pipeline: served only when it resolves to a JPEG inside the folder.
      const [root, file] = await Promise.all([realpath(dir), realpath(row.snapshot)]).catch(() => [
        null,
        null,
      ]);
      if (!root || !file?.startsWith(root + sep) || !/\.jpe?g$/i.test(file))
        throw httpError(404, `params.id: alert "${request.params.id}" has no snapshot here`);
      return reply
        .type('image/jpeg')
        .header('cache-control', 'private, max-age=3600')
        .send(createReadStream(file));
    },
  );
}

/**
 * The alert console's API: alerts with district and acknowledgement (operators and analysts read),
 * acknowledgement (operators), counts per district and local day, and evidence snapshots.
 */
export async function alertRoutes(app: FastifyInstance, o: AlertRouteOptions) {
  const { keys, store } = app.ctx;
  app.get<{ Querystring: AlertsQuery }>(
    '/alerts',
    {
      onRequest: requireRole(keys, 'operator', 'analyst'),
      schema: {
        tags: ['events'],
        summary: 'Alerts in a time range, newest first, with district and acknowledgement',
        querystring: AlertsQuery,
        response: { 200: AlertsAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const { fromMs, toMs } = timeRange(q, 1);
      return { alerts: await listAlerts(store, { ...q, fromMs, toMs }) };
    },
  );
  app.get<{ Querystring: AlertCountsQuery }>(
    '/alerts/counts',
    {
      onRequest: requireRole(keys, 'operator', 'analyst', 'transport'),
      schema: {
        tags: ['events'],
        summary: 'Alerts per district and local day, by severity',
        querystring: CountsQuerySchema,
        response: { 200: AlertCounts, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const timeZone = q.timeZone ?? app.ctx.timeZone;
      if (!isTimeZone(timeZone))
        throw httpError(400, `querystring.timeZone: unknown time zone "${timeZone}"`);
      const { fromMs, toMs } = timeRange(q, 60);
      return alertCounts(store, { fromMs, toMs, timeZone });
    },
  );
  acknowledge(app);
  snapshot(app, o.snapshotsDir);
}
