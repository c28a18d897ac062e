import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ErrorResponse } from '../../schemas/api/common.ts';
import { createRedis, type RedisClient } from '../redis-client.ts';
import type { ApiKeyStore } from './auth/api-keys.ts';
import { EventHub } from './event-hub.ts';
import { presentedKey } from './plugins/auth.ts';
import { formatValidationErrors, registerErrorHandler } from './plugins/errors.ts';
import type { MapSettings } from './queries/city-map.ts';
import { QueueWatch } from './queue-watch.ts';
import { alertRoutes } from './routes/alerts.ts';
import { bullBoardRoutes } from './routes/bull-board.ts';
import { cameraRoutes } from './routes/cameras.ts';
import { eventRoutes } from './routes/events.ts';
import { forecastRoutes } from './routes/forecast.ts';
import { healthRoutes } from './routes/health.ts';
import { mapRoutes } from './routes/map.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { pageRoutes } from './routes/page.ts';
import { plateRoutes } from './routes/plates.ts';
import { reportRoutes } from './routes/reports.ts';
import { seriesRoutes } from './routes/series.ts';
import { statusRoutes } from './routes/status.ts';
import { travelRoutes } from './routes/travel.ts';
import type { ApiStore } from './store.ts';

export interface ApiOptions {
  store: ApiStore;
  keys: ApiKeyStore;
  /** The pipeline's Redis: queues, the events channel, the live camera configurations. */
  redisUrl: string;
  queuePrefix: string;
  /** Requests per key (or per address without one) and window. Default 600 per minute. */
  rateLimit?: { max: number; timeWindowMs: number };
  /** The operations centre's IANA time zone (config `timeZone`): reports' default. Default UTC. */
  timeZone?: string;
  /** The city map: base-map tiles and the declared corridors' names (config `map`, `corridors`). */
  map?: MapSettings;
  /** Where the pipeline writes alert snapshots (config alerts.snapshotsDir), served to the alert console. */
  snapshotsDir?: string;
  /** Fastify's logger option: pino options or an instance; false in tests. */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'];
}

/** What the routes share; reached as `app.ctx`. */
export interface ApiContext {
  store: ApiStore;
  keys: ApiKeyStore;
  redis: RedisClient;
  prefix: string;
  queues: QueueWatch;
  events: EventHub;
  registry: Registry;
  /** The reports' default time zone (IANA name). */
  timeZone: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: ApiContext;
  }
}

/**
 * The analytics API: a thin layer of validation, auth and shaping over ClickHouse queries.
 *
 *   request ─▶ rate limit ─▶ role check ─▶ JSON-Schema validation ─▶ route ─▶ ClickHouse / Redis
 *
 * @example
 *   const app = await buildApi({ store, keys, redisUrl, queuePrefix: 'cityflow' });
 *   await app.listen({ port: 8080 });
 */
export async function buildApi(o: ApiOptions): Promise<FastifyInstance> {
  const loggerOpt =
    o.logger && typeof (o.logger as { child?: unknown }).child === 'function'
      ? { loggerInstance: o.logger as FastifyServerOptions['loggerInstance'] }
      : { logger: (o.logger ?? false) as FastifyServerOptions['logger'] };
  const app = Fastify({
    ...loggerOpt,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    schemaErrorFormatter: formatValidationErrors,
    bodyLimit: 1 << 20,
  });
  const redis = createRedis(o.redisUrl);
  redis.on('error', (e) => app.log.warn({ err: e }, 'redis'));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cityflow_api_' });
  const queues = new QueueWatch(redis, o.redisUrl, o.queuePrefix, registry);
  const events = await EventHub.start(o.redisUrl, o.queuePrefix, (raw) =>
    app.log.warn({ raw: raw.slice(0, 200) }, 'events channel: message is not JSON; dropped'),
  );
  app.decorate('ctx', {
    store: o.store,
    keys: o.keys,
    redis,
    prefix: o.queuePrefix,
    queues,
    events,
    registry,
    timeZone: o.timeZone ?? 'UTC',
  });
  app.addHook('onClose', async () => {
    await events.close();
    await queues.close();
    redis.disconnect();
  });

  registerErrorHandler(app);
  app.addSchema(ErrorResponse);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'cityflow analytics API',
        version: '1',
        description:
          'Traffic measures, congestion reports, events and pipeline status. Send an API key as `x-api-key` ' +
          '(create one with `cityflow keys create --role <role>`).',
      },
      components: { securitySchemes: { apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimit, {
    max: o.rateLimit?.max ?? 600,
    timeWindow: o.rateLimit?.timeWindowMs ?? 60_000,
    // Per key, so that many users behind one proxy do not share a budget; per address without one.
    keyGenerator: (req) => presentedKey(req)?.slice(0, 16) ?? req.ip,
    allowList: (req) => req.url === '/health' || req.url === '/ready',
  });

  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(cameraRoutes, { prefix: '/api/v1', corridors: o.map?.corridors });
  await app.register(reportRoutes, { prefix: '/api/v1' });
  await app.register(travelRoutes, { prefix: '/api/v1' });
  await app.register(plateRoutes, { prefix: '/api/v1' });
  await app.register(seriesRoutes, { prefix: '/api/v1' });
  await app.register(eventRoutes, { prefix: '/api/v1' });
  await app.register(statusRoutes, { prefix: '/api/v1' });
  await app.register(mapRoutes, { prefix: '/api/v1', ...o.map });
  await app.register(forecastRoutes, { prefix: '/api/v1' });
  await app.register(alertRoutes, { prefix: '/api/v1', snapshotsDir: o.snapshotsDir });
  await app.register(pageRoutes);
  await app.register(bullBoardRoutes);
  return app;
}
