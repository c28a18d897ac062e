import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ApiKeyStore, Role, StoredKey } from '../auth/api-keys.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: StoredKey;
  }
}

/**
 * The key from `x-api-key: <key>`, `authorization: Bearer <key>`, or HTTP Basic auth with the key as
 * password (what a browser can send to Bull Board).
 */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) || undefined;
  }
  return undefined;
}

/**
 * A route hook that lets through keys of the given roles (admin always): 401 without a valid key,
 * 403 for a valid key of another role.
 *
 * @example
 *   app.get('/api/v1/events', { onRequest: requireRole(keys, 'operator', 'analyst') }, handler);
 */
export function requireRole(keys: ApiKeyStore, ...roles: Role[]): onRequestHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const presented = presentedKey(request);
    if (!presented) {
      return reply.status(401).send({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'missing API key: send it as `x-api-key: <key>` or `authorization: Bearer <key>`',
      });
    }
    const key = keys.verify(presented);
    if (!key) {
      return reply
        .status(401)
        .send({ statusCode: 401, error: 'Unauthorized', message: 'unknown or revoked API key' });
    }
    if (key.role !== 'admin' && !roles.includes(key.role)) {
      return reply.status(403).send({
        statusCode: 403,
        error: 'Forbidden',
        message: `role ${key.role} may not use this endpoint (allowed: ${[...roles, 'admin'].join(', ')})`,
      });
    }
    request.apiKey = key;
  };
}
