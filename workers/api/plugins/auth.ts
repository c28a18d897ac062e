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

/** Failed authentications one address may make per minute before its requests get 429. */
export const AUTH_FAILURES_PER_MINUTE = 60;

/**
 * Failed authentications per client address, in a fixed one-minute window. The general rate limit
 * counts per key, and every wrong key is a new one, so guessing keys would never be slowed: past
 * AUTH_FAILURES_PER_MINUTE failures an address gets 429 (with Retry-After) until its window ends.
 */
class AuthFailures {
  private readonly byIp = new Map<string, { count: number; since: number }>();

  /** Seconds until the address may try again, or 0 when it may now. */
  blockedFor(ip: string, now = Date.now()): number {
    const f = this.byIp.get(ip);
    if (!f || now - f.since >= 60_000) return 0;
    return f.count >= AUTH_FAILURES_PER_MINUTE ? Math.ceil((f.since + 60_000 - now) / 1000) : 0;
  }

  record(ip: string, now = Date.now()): void {
    const f = this.byIp.get(ip);
    if (!f || now - f.since >= 60_000) this.byIp.set(ip, { count: 1, since: now });
    else f.count++;
    // Bounded memory: forget addresses whose window has passed.
    if (this.byIp.size > 10_000)
      for (const [k, v] of this.byIp) if (now - v.since >= 60_000) this.byIp.delete(k);
  }
}
const failures = new WeakMap<ApiKeyStore, AuthFailures>();

/**
 * A route hook that lets through keys of the given roles (admin always): 401 without a valid key,
 * 403 for a valid key of another role, 429 for an address past its failed authentications.
 *
 * @example
 *   app.get('/api/v1/events', { onRequest: requireRole(keys, 'operator', 'analyst') }, handler);
 */
export function requireRole(keys: ApiKeyStore, ...roles: Role[]): onRequestHookHandler {
  let failed = failures.get(keys);
  if (!failed) {
    failed = new AuthFailures();
    failures.set(keys, failed);
  }
  const f = failed;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const wait = f.blockedFor(request.ip);
    if (wait > 0) {
      return reply
        .status(429)
        .header('retry-after', String(wait))
        .send({
          statusCode: 429,
          error: 'Too Many Requests',
          message: `too many failed authentications from this address; retry in ${wait} s`,
        });
    }
    const presented = presentedKey(request);
    if (!presented) {
      f.record(request.ip);
      return reply.status(401).send({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'missing API key: send it as `x-api-key: <key>` or `authorization: Bearer <key>`',
      });
    }
    const key = keys.verify(presented);
    if (!key) {
      f.record(request.ip);
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
