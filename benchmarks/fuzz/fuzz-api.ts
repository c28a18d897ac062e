import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { ApiKeyStore } from '../../workers/api/auth/api-keys.ts';
import { buildApi } from '../../workers/api/server.ts';
import { DirectStore } from '../../workers/api/store.ts';
import { startLocalRedis } from '../../workers/local/local-redis.ts';
import { anyValue, type FuzzTally, mutate, pick, type Rnd, record, tally } from './mutate.ts';

interface Parameter {
  name: string;
  in: string;
  schema?: { type?: string; enum?: unknown[] };
}
interface Operation {
  method: string;
  path: string;
  query: Parameter[];
  body: boolean;
}
type OpenApi = { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown }>> };

/** Every operation of the API's OpenAPI document but the live stream (it never ends by design). */
function operations(doc: OpenApi): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => ['get', 'post', 'put', 'delete'].includes(method))
      .filter(
        () => !path.endsWith('/events/stream') && !path.startsWith('/docs') && !path.startsWith('/admin'),
      )
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'querystring' || p.in === 'query'),
        body: op.requestBody !== undefined,
      })),
  );
}

/** A query value: sometimes a well-typed one, mostly junk. */
function queryValue(rnd: Rnd, schema?: { type?: string; enum?: unknown[] }): string {
  if (schema?.enum && rnd() < 0.4) return String(pick(rnd, schema.enum));
  if (rnd() < 0.2) return new Date(Date.now() - rnd() * 86_400_000 * 40).toISOString();
  const v = anyValue(rnd, 1);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * API requests: every route of the OpenAPI document with random path parameters, query strings and
 * bodies (an admin key, or none, or a bad one). A clear outcome is a 2xx or a 4xx whose message
 * names the field or the reason; a 5xx is a crash.
 */
export async function fuzzApi(rnd: Rnd, n: number): Promise<FuzzTally> {
  const t = tally('API requests');
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-fuzz-api-'));
  const ch = await openClickHouse({ path: join(dir, 'clickhouse') });
  await applyMigrations(ch.client);
  const redis = await startLocalRedis(join(dir, 'redis'));
  const keys = new ApiKeyStore(join(dir, 'api-keys.json'));
  const admin = keys.create('admin', 'fuzz').key;
  const app = await buildApi({
    store: new DirectStore(ch.client, 'embedded'),
    keys,
    redisUrl: redis.url,
    queuePrefix: 'fuzz',
    rateLimit: { max: 1e9, timeWindowMs: 60_000 },
  });
  try {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    const ops = operations(doc);
    for (let i = 0; i < n; i++) {
      const op = pick(rnd, ops);
      const path = op.path.replace(/\{(\w+)\}|:(\w+)/g, () => encodeURIComponent(queryValue(rnd)));
      const qs = new URLSearchParams();
      for (const p of op.query) if (rnd() < 0.7) qs.set(p.name, queryValue(rnd, p.schema));
      if (rnd() < 0.1) qs.set('unknownParam', '1');
      const key =
        rnd() < 0.9
          ? admin
          : pick(rnd, [undefined, 'cfk_000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']);
      const payload = op.body
        ? rnd() < 0.5
          ? mutate(rnd, { comment: 'x', lines: [], zones: [] })
          : anyValue(rnd, 3)
        : undefined;
      const url = `${path}${qs.size ? `?${qs}` : ''}`;
      const res = await app.inject({
        method: op.method as 'GET',
        url,
        headers: key ? { 'x-api-key': key } : {},
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      const example = `${op.method} ${url.slice(0, 150)} → ${res.statusCode} ${res.body.slice(0, 150)}`;
      if (res.statusCode >= 500) record(t, 'crashed', example);
      else if (res.statusCode < 300) record(t, 'accepted');
      else {
        let message = '';
        try {
          message = (res.json() as { message?: string }).message ?? '';
        } catch {
          message = '';
        }
        record(t, message.length > 3 ? 'clear' : 'unclear', example);
      }
    }
  } finally {
    await app.close();
    await ch.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return t;
}
