import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../schemas/api/common.ts';
import { EventStreamQuery, EventsAnswer, EventsQuery } from '../../../schemas/api/events.ts';
import { type EventRecord, SEVERITIES } from '../../../schemas/events.ts';
import { requireRole } from '../plugins/auth.ts';
import { type EventDbRow, toEventRecord } from '../queries/event-rows.ts';
import { timeRange } from './range.ts';

const rank = (s: string) => (SEVERITIES as readonly string[]).indexOf(s);

/** GET /events: events in a time range from the `events` table, newest first. */
function listEvents(app: FastifyInstance): void {
  const { keys, store } = app.ctx;
  app.get<{ Querystring: EventsQuery }>(
    '/events',
    {
      onRequest: requireRole(keys, 'operator', 'analyst'),
      schema: {
        tags: ['events'],
        summary: 'Events in a time range, newest first',
        querystring: EventsQuery,
        response: { 200: EventsAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const { fromMs, toMs } = timeRange(q, 1); // events are not bucketed: only the order is checked
      const rows = await store.query<EventDbRow>(
        `SELECT event_id, camera_id, toUnixTimestamp64Milli(ts) AS ts_ms, toUnixTimestamp64Milli(started_at) AS started_ms,
                type, rule_id, zone_id, severity, value, track_ids, message, snapshot, details, source_id, segment
         FROM events FINAL
         WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
           ${q.camera === undefined ? '' : 'AND camera_id = {camera:String}'}
           ${q.type === undefined ? '' : 'AND type = {type:String}'}
           ${q.severity === undefined ? '' : 'AND indexOf({severities:Array(String)}, severity) > 0'}
         ORDER BY ts DESC, event_id
         LIMIT {limit:UInt32}`,
        {
          from: fromMs,
          to: toMs,
          limit: q.limit,
          ...(q.camera === undefined ? {} : { camera: q.camera }),
          ...(q.type === undefined ? {} : { type: q.type }),
          ...(q.severity === undefined ? {} : { severities: SEVERITIES.slice(rank(q.severity)) }),
        },
      );
      return { events: rows.map(toEventRecord) };
    },
  );
}

/**
 * GET /events/stream: live events as Server-Sent Events. Each open stream registers its `end` in
 * `streams`, so that the server can end it before closing.
 */
function streamEvents(app: FastifyInstance, streams: Set<() => void>): void {
  const { keys, events } = app.ctx;
  app.get<{ Querystring: EventStreamQuery }>(
    '/events/stream',
    {
      onRequest: requireRole(keys, 'operator'),
      schema: {
        tags: ['events'],
        summary: 'Live events as Server-Sent Events (text/event-stream; one `event: alert` per event)',
        description:
          'Each message is `event: alert` with the EventRecord JSON as data, as the pipeline publishes it on ' +
          'the Redis channel `<prefix>:events`. A comment line is sent every 15 s to keep proxies from closing the stream.',
        querystring: EventStreamQuery,
        response: { ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const min = q.severity ? rank(q.severity) : 0;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      const onEvent = (e: EventRecord) => {
        if (q.camera !== undefined && e.cameraId !== q.camera) return;
        if (q.type !== undefined && e.type !== q.type) return;
        if (rank(e.severity) < min) return;
        res.write(`id: ${e.eventId}\nevent: alert\ndata: ${JSON.stringify(e)}\n\n`);
      };
      events.on('event', onEvent);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      const stop = () => {
        clearInterval(heartbeat);
        events.off('event', onEvent);
        streams.delete(end);
      };
      const end = () => {
        stop();
        res.end();
      };
      streams.add(end);
      request.raw.on('close', stop);
    },
  );
}

/** Events and alerts: a query over the `events` table, and a live Server-Sent Events stream. */
export async function eventRoutes(app: FastifyInstance) {
  // Open streams end before the server closes (it would otherwise wait for them for ever).
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  listEvents(app);
  streamEvents(app, streams);
}
