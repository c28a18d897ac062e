import type { FastifyError, FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { ConfigError } from '../../../pipeline/errors/config-error.ts';
import { StoreUnavailableError } from '../store.ts';

/**
 * Validation messages that name the field, e.g. `querystring.from: must match format "date-time"`
 * or `body.lines[0].from: must NOT have fewer than 2 items` (Fastify's default reads
 * `querystring/from must ...`, and says nothing for an unknown key).
 */
export function formatValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const messages = errors.map((e) => {
    let key = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
      .join('');
    let message = e.message ?? 'is invalid';
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') {
      key += `.${params.additionalProperty as string}`;
      message = 'unknown key';
    } else if (e.keyword === 'required') {
      key += `.${params.missingProperty as string}`;
      message = 'is required';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    }
    return `${dataVar}${key}: ${message}`;
  });
  // anyOf/oneOf add a summary line after the specific ones; the first message is the useful one.
  return new Error([...new Set(messages)].slice(0, 3).join('; '));
}

/** 4xx answers carry their reason; a failure of ours is logged and answered without internals. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return reply.status(400).send({ statusCode: 400, error: 'Bad Request', message: error.message });
    }
    if (error instanceof ConfigError) {
      return reply.status(400).send({ statusCode: 400, error: 'Bad Request', message: error.message });
    }
    if (error instanceof StoreUnavailableError) {
      request.log.warn({ err: error }, 'store unavailable');
      return reply
        .status(503)
        .send({ statusCode: 503, error: 'Service Unavailable', message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply.status(status).send({ statusCode: status, error: error.name, message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply
      .status(500)
      .send({ statusCode: 500, error: 'Internal Server Error', message: 'internal error (see the logs)' });
  });
}

/** A 4xx error with a message for the client. */
export function httpError(statusCode: number, message: string): FastifyError {
  const e = new Error(message) as FastifyError;
  e.statusCode = statusCode;
  e.name =
    { 400: 'Bad Request', 404: 'Not Found', 401: 'Unauthorized', 403: 'Forbidden' }[statusCode] ?? 'Error';
  return e;
}
