import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { ApiKeyStore } from '../../workers/api/auth/api-keys.ts';
import { AUTH_FAILURES_PER_MINUTE } from '../../workers/api/plugins/auth.ts';
import { buildApi } from '../../workers/api/server.ts';
import { DirectStore, OwnerStore } from '../../workers/api/store.ts';
import { serveStore } from '../../workers/local/store-owner.ts';
import { redisConnection } from '../../workers/queues.ts';
import { redisKeys } from '../../workers/redis-keys.ts';
import { type ApiHarness, eventRow, INJECTIONS, insertCamera, startHarness } from './fixtures.ts';

const redisUrl = inject('redisUrl');
const HOUR = Math.floor(Date.now() / 3600_000) * 3600_000 - 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
let h: ApiHarness;

const SCENE = {
  lines: [{ id: 'north', from: [100, 400], to: [1200, 420] }],
  zones: [
    {
      id: 'lane-1',
      polygon: [
        [300, 300],
        [700, 300],
        [720, 500],
        [280, 500],
      ],
      kind: 'lane',
    },
  ],
  frame: { width: 1280, height: 720 },
};

beforeAll(async () => {
  h = await startHarness(redisUrl, 'ops');
  await insertCamera(h.ch, 'cam-a', SCENE);
  await insertCamera(h.ch, "cam-o'brien");
  await insertRows(h.ch.client, 'events', [
    eventRow('cam-a', HOUR + 60_000, 'jam_start', 'warning', 'e1'),
    eventRow('cam-a', HOUR + 120_000, 'stopped_vehicle', 'critical', 'e2'),
    eventRow("cam-o'brien", HOUR + 180_000, 'crowd_form', 'info', 'e3', "it's a crowd"),
  ]);
});
afterAll(() => h?.close());

const req = (method: 'GET' | 'PUT', url: string, key: string | null, payload?: object) =>
  h.app.inject({ method, url, headers: key ? { 'x-api-key': key } : {}, ...(payload ? { payload } : {}) });

describe('cameras and scenes', () => {
  test('list; scene get; scene put stores it in the cameras table and the Redis hash', async () => {
    const list = await req('GET', '/api/v1/cameras', h.keys.analyst);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().cameras).toEqual([
      expect.objectContaining({ cameraId: 'cam-a', lines: 1, zones: 1, source: 'rtsp://example/cam-a' }),
      expect.objectContaining({ cameraId: "cam-o'brien", lines: 0, zones: 0 }),
    ]);
    const scene = await req('GET', '/api/v1/cameras/cam-a/scene', h.keys.transport);
    expect(scene.json().scene).toMatchObject(SCENE);

    const next = {
      ...SCENE,
      lines: [...SCENE.lines, { id: 'south', from: [100, 600], to: [1200, 620], positive: 'right' }],
    };
    const put = await req('PUT', '/api/v1/cameras/cam-a/scene', h.keys.admin, next);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().scene.lines).toHaveLength(2);
    const again = await req('GET', '/api/v1/cameras/cam-a/scene', h.keys.operator);
    expect(again.json().scene.lines.map((l: { id: string }) => l.id)).toEqual(['north', 'south']);
    const redis = new Redis(redisUrl);
    const live = JSON.parse((await redis.hget(`${h.prefix}:cameras`, 'cam-a')) as string);
    redis.disconnect();
    expect(live).toMatchObject({
      id: 'cam-a',
      source: 'rtsp://example/cam-a',
      scene: { lines: [{ id: 'north' }, { id: 'south' }] },
    });
  });

  test('a bad scene: 400 naming the item', async () => {
    const cases: Array<[object, RegExp]> = [
      [
        { ...SCENE, lines: [{ id: 'a', from: [1], to: [2, 2] }] },
        /body\.lines\[0\]\.from: must NOT have fewer than 2 items/,
      ],
      [{ ...SCENE, lnes: [] }, /body\.lnes: unknown key/],
      [
        {
          ...SCENE,
          zones: [
            {
              id: 'bow',
              polygon: [
                [0, 0],
                [100, 100],
                [100, 0],
                [0, 100],
              ],
            },
          ],
        },
        /body\.zones\[0\]\.polygon: zone "bow" is self-intersecting/,
      ],
      [
        { ...SCENE, lines: [{ id: 'out', from: [0, 0], to: [5000, 10] }] },
        /body\.lines\[0\]\.to: \[5000, 10\] lies outside/,
      ],
      [
        {
          ...SCENE,
          zones: [
            {
              id: "z'; DROP TABLE cameras; --",
              polygon: [
                [0, 0],
                [9, 0],
                [9, 9],
              ],
            },
          ],
        },
        /body\.zones\[0\]\.id: must match pattern/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await req('PUT', '/api/v1/cameras/cam-a/scene', h.keys.admin, body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    const unknown = await req('PUT', '/api/v1/cameras/cam-zz/scene', h.keys.admin, SCENE);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/params\.id: no camera "cam-zz"/);
  });

  test('keys and roles: 401 without or with a wrong key; 403 for a non-admin write', async () => {
    expect((await req('GET', '/api/v1/cameras', null)).statusCode).toBe(401);
    expect((await req('GET', '/api/v1/cameras', 'cfk_x')).statusCode).toBe(401);
    expect((await req('GET', '/api/v1/cameras/cam-a/scene', null)).statusCode).toBe(401);
    expect((await req('PUT', '/api/v1/cameras/cam-a/scene', null, SCENE)).statusCode).toBe(401);
    const put = await req('PUT', '/api/v1/cameras/cam-a/scene', h.keys.operator, SCENE);
    expect(put.statusCode).toBe(403);
    expect(put.json().message).toMatch(/allowed: admin/);
    // Bearer works as well as x-api-key.
    const bearer = await h.app.inject({
      url: '/api/v1/cameras',
      headers: { authorization: `Bearer ${h.keys.analyst}` },
    });
    expect(bearer.statusCode).toBe(200);
  });

  test('injection-like ids are data: 404 on read, 400 on write (the id pattern), nothing dropped', async () => {
    for (const id of INJECTIONS) {
      const get = await req('GET', `/api/v1/cameras/${encodeURIComponent(id)}/scene`, h.keys.admin);
      expect(get.statusCode, id).toBe(404);
      const put = await req('PUT', `/api/v1/cameras/${encodeURIComponent(id)}/scene`, h.keys.admin, SCENE);
      expect(put.statusCode, id).toBe(400);
      expect(put.json().message).toMatch(/params\.id/);
    }
    const quoted = await req(
      'GET',
      `/api/v1/cameras/${encodeURIComponent("cam-o'brien")}/scene`,
      h.keys.admin,
    );
    expect(quoted.statusCode).toBe(200);
    expect((await req('GET', '/api/v1/cameras', h.keys.admin)).json().cameras).toHaveLength(2);
  });
});

describe('events', () => {
  const range = `from=${iso(HOUR)}&to=${iso(HOUR + 3600_000)}`;
  test('query with filters, newest first, as EventRecords', async () => {
    const all = await req('GET', `/api/v1/events?${range}`, h.keys.operator);
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json().events.map((e: { eventId: string }) => e.eventId)).toEqual(['e3', 'e2', 'e1']);
    expect(all.json().events[2]).toMatchObject({
      cameraId: 'cam-a',
      type: 'jam_start',
      severity: 'warning',
      tsMs: HOUR + 60_000,
      startedMs: HOUR,
      trackIds: [7, 9],
      details: { seconds: 42 },
    });
    const warn = await req('GET', `/api/v1/events?${range}&severity=warning&camera=cam-a`, h.keys.analyst);
    expect(warn.json().events.map((e: { eventId: string }) => e.eventId)).toEqual(['e2', 'e1']);
    const typed = await req(
      'GET',
      `/api/v1/events?${range}&type=crowd_form&camera=${encodeURIComponent("cam-o'brien")}`,
      h.keys.admin,
    );
    expect(typed.json().events).toEqual([
      expect.objectContaining({ eventId: 'e3', message: "it's a crowd" }),
    ]);
    expect((await req('GET', `/api/v1/events?${range}&limit=1`, h.keys.admin)).json().events).toHaveLength(1);
  });

  test('invalid input names the field; 401/403; injection strings are data', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${range}&severity=urgent`, /querystring\.severity: must be one of info, warning, critical/],
      [`${range}&limit=0`, /querystring\.limit: must be >= 1/],
      [`${range}&type=explosion`, /querystring\.type: must be one of/],
      [`from=${iso(HOUR)}`, /querystring\.to: is required/],
    ];
    for (const [q, message] of cases) {
      const res = await req('GET', `/api/v1/events?${q}`, h.keys.operator);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    expect((await req('GET', `/api/v1/events?${range}`, null)).statusCode).toBe(401);
    expect((await req('GET', `/api/v1/events?${range}`, h.keys.transport)).statusCode).toBe(403);
    for (const camera of INJECTIONS) {
      const res = await req(
        'GET',
        `/api/v1/events?${range}&camera=${encodeURIComponent(camera)}`,
        h.keys.operator,
      );
      expect(res.statusCode, camera).toBe(200);
      expect(res.json().events).toEqual([]);
    }
  });

  test('live stream (real listen): Server-Sent Events from the Redis channel, filtered by camera', async () => {
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const none = await fetch(`${address}/api/v1/events/stream`);
    expect(none.status).toBe(401);
    const wrongRole = await fetch(`${address}/api/v1/events/stream`, {
      headers: { 'x-api-key': h.keys.transport },
    });
    expect(wrongRole.status).toBe(403);
    const bad = await fetch(`${address}/api/v1/events/stream?severity=loud`, {
      headers: { 'x-api-key': h.keys.operator },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/querystring\.severity/);

    const ac = new AbortController();
    const res = await fetch(`${address}/api/v1/events/stream?camera=${encodeURIComponent("cam-a' OR 1=1")}`, {
      headers: { 'x-api-key': h.keys.operator },
      signal: ac.signal,
    });
    const res2 = await fetch(`${address}/api/v1/events/stream?camera=cam-a`, {
      headers: { 'x-api-key': h.keys.operator },
      signal: ac.signal,
    });
    expect(res2.status).toBe(200);
    expect(res2.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (res2.body as ReadableStream<Uint8Array>).getReader();
    const pub = new Redis(redisUrl);
    const record = (id: string, cameraId: string) => ({
      eventId: id,
      cameraId,
      tsMs: Date.now(),
      startedMs: Date.now() - 5000,
      type: 'wrong_way',
      ruleId: 'ww',
      zoneId: 'lane-1',
      severity: 'critical',
      value: 1,
      trackIds: [3],
      message: 'wrong way',
      snapshot: '',
      details: {},
      sourceId: 's',
      segment: 0,
    });
    let text = '';
    const decoder = new TextDecoder();
    const deadline = Date.now() + 10_000;
    while (!text.includes('live-2') && Date.now() < deadline) {
      await pub.publish(redisKeys(h.prefix).events, JSON.stringify(record('other-1', 'cam-b')));
      await pub.publish(redisKeys(h.prefix).events, 'not json');
      await pub.publish(redisKeys(h.prefix).events, JSON.stringify(record('live-2', 'cam-a')));
      const chunk = await Promise.race([
        reader.read(),
        new Promise<null>((r) => setTimeout(() => r(null), 500)),
      ]);
      if (chunk && !chunk.done) text += decoder.decode(chunk.value);
    }
    pub.disconnect();
    ac.abort();
    expect(res.status).toBe(200);
    expect(text).toContain('event: alert');
    expect(text).toContain('id: live-2');
    expect(text).not.toContain('other-1');
    const data = JSON.parse(
      text
        .split('\n')
        .find((l) => l.startsWith('data: ') && l.includes('live-2'))
        ?.slice(6) ?? '{}',
    );
    expect(data).toMatchObject({ eventId: 'live-2', cameraId: 'cam-a', type: 'wrong_way' });
  });
});

describe('pipeline status, metrics, health, docs, queues', () => {
  test('status and metrics show queue depth, workers and per-stage throughput', async () => {
    const connection = redisConnection(redisUrl);
    const store = new Queue('store', { connection, prefix: h.prefix });
    await store.add('s', { n: 1 });
    await store.add('s', { n: 2 });
    const metrics = () => req('GET', '/metrics', h.keys.operator).then((r) => r.body);
    await metrics(); // discovers the queues and starts counting their events
    const track = new Queue('track', { connection, prefix: h.prefix });
    const worker = new Worker('track', async () => 'done', { connection, prefix: h.prefix });
    await worker.waitUntilReady();
    await new Promise((r) => setTimeout(r, 300)); // QueueEvents must be reading before the jobs complete
    await track.add('t', {});
    await track.add('t', {});
    let text = '';
    for (let i = 0; i < 50 && !text.includes('cityflow_stage_jobs_completed_total{queue="track"} 2'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await metrics();
    }
    expect(text).toContain('cityflow_stage_jobs_completed_total{queue="track"} 2');
    expect(text).toContain('cityflow_queue_jobs{queue="store",state="waiting"} 2');
    expect(text).toContain('cityflow_queue_workers{queue="track"} 1');
    // The store jobs have waited since they were added, with no worker: that is the store stage's lag.
    const lag = Number(/cityflow_queue_oldest_waiting_seconds\{queue="store"\} ([\d.]+)/.exec(text)?.[1]);
    expect(lag).toBeGreaterThan(0.2);
    expect(text).toContain('cityflow_queue_oldest_waiting_seconds{queue="track"} 0');
    expect(text).toMatch(
      /cityflow_api_request_seconds_count\{method="GET",route="\/metrics",status="200"\} \d+/,
    );

    const status = await req('GET', '/api/v1/status', h.keys.operator);
    expect(status.statusCode, status.body).toBe(200);
    const queues = status.json().queues as Array<{
      name: string;
      counts: Record<string, number>;
      workers: number;
      oldestWaitingS: number;
    }>;
    expect(queues.find((q) => q.name === 'store')?.counts.waiting).toBe(2);
    expect(
      (queues.find((q) => q.name === 'store') as { oldestWaitingS: number }).oldestWaitingS,
    ).toBeGreaterThan(0.2);
    expect(queues.find((q) => q.name === 'track')?.workers).toBe(1);
    expect(status.json().cameras.map((c: { cameraId: string }) => c.cameraId)).toEqual([
      'cam-a',
      "cam-o'brien",
    ]);
    expect(status.json().cameras[0].liveConfig).toBe(true); // the scene PUT above
    await worker.close();
    await Promise.all([store.obliterate({ force: true }), track.obliterate({ force: true })]);
    await Promise.all([store.close(), track.close()]);

    expect((await req('GET', '/metrics', null)).statusCode).toBe(401);
    expect((await req('GET', '/metrics', h.keys.analyst)).statusCode).toBe(403);
    expect((await req('GET', '/api/v1/status', null)).statusCode).toBe(401);
    expect((await req('GET', '/api/v1/status', h.keys.transport)).statusCode).toBe(403);
    const badStatus = await req('GET', '/api/v1/status?verbose=1', h.keys.operator);
    expect(badStatus.statusCode).toBe(200); // status takes no input: extra query keys are ignored
  });

  test('health needs no key; readiness checks ClickHouse and Redis', async () => {
    expect((await req('GET', '/health', null)).json()).toEqual({ status: 'ok' });
    const ready = await req('GET', '/ready', null);
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { clickhouse: 'ok', redis: 'ok' } });
  });

  test('OpenAPI document and Swagger UI list every endpoint', async () => {
    const doc = (await req('GET', '/docs/json', null)).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/cameras',
      '/api/v1/cameras/{id}/scene',
      '/api/v1/reports/congestion',
      '/api/v1/reports/summary',
      '/api/v1/series/counts',
      '/api/v1/series/speed',
      '/api/v1/crowd',
      '/api/v1/events',
      '/api/v1/events/stream',
      '/api/v1/status',
      '/metrics',
      '/health',
      '/ready',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(
      doc.paths['/api/v1/reports/congestion'].get.parameters.map((p: { name: string }) => p.name),
    ).toEqual(expect.arrayContaining(['camera', 'corridor', 'from', 'to', 'interval', 'format']));
    const ui = await req('GET', '/docs/', null);
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  test('Bull Board is for admins (HTTP Basic with the key as password works for browsers)', async () => {
    const anon = await req('GET', '/admin/queues', null);
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await req('GET', '/admin/queues', h.keys.operator)).statusCode).toBe(403);
    const basic = `Basic ${Buffer.from(`admin:${h.keys.admin}`).toString('base64')}`;
    const page = await h.app.inject({ url: '/admin/queues', headers: { authorization: basic } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<html/i);
    const api = await h.app.inject({ url: '/admin/queues/api/queues', headers: { authorization: basic } });
    expect(api.statusCode, api.body).toBe(200);
    expect(api.json().queues.map((q: { name: string }) => q.name)).toEqual(
      expect.arrayContaining(['extract', 'store']),
    );
  });

  test('rate limit: 429 past the budget of a key', async () => {
    const app = await buildApi({
      store: new DirectStore(h.ch.client, 'embedded'),
      keys: h.keyStore,
      redisUrl,
      queuePrefix: h.prefix,
      rateLimit: { max: 3, timeWindowMs: 60_000 },
    });
    try {
      const codes = [];
      for (let i = 0; i < 4; i++) {
        codes.push(
          (await app.inject({ url: '/api/v1/cameras', headers: { 'x-api-key': h.keys.analyst } })).statusCode,
        );
      }
      expect(codes).toEqual([200, 200, 200, 429]);
      // Another key has its own budget.
      expect(
        (await app.inject({ url: '/api/v1/cameras', headers: { 'x-api-key': h.keys.admin } })).statusCode,
      ).toBe(200);
    } finally {
      await app.close();
    }
  });

  test('failed authentication is rate-limited per address: guessing keys gets 429 after 60 tries a minute', async () => {
    const keys = new ApiKeyStore(join(h.dir, 'guess-keys.json'));
    const app = await buildApi({
      store: new DirectStore(h.ch.client, 'embedded'),
      keys,
      redisUrl,
      queuePrefix: h.prefix,
    });
    try {
      const guess = (i: number, remoteAddress = '10.9.8.7') =>
        app.inject({
          url: '/api/v1/cameras',
          remoteAddress,
          headers: { 'x-api-key': `cfk_${'0'.repeat(12)}_${String(i).padStart(43, 'a')}` },
        });
      const codes = [];
      for (let i = 0; i < AUTH_FAILURES_PER_MINUTE + 5; i++) codes.push((await guess(i)).statusCode);
      expect(codes.slice(0, AUTH_FAILURES_PER_MINUTE).every((c) => c === 401)).toBe(true);
      expect(codes.slice(AUTH_FAILURES_PER_MINUTE)).toEqual([429, 429, 429, 429, 429]);
      const blocked = await guess(0);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.json().message).toMatch(/too many failed authentications/);
      expect((await guess(0, '10.9.8.8')).statusCode).toBe(401); // another address is not blocked
    } finally {
      await app.close();
    }
  });
});

describe('through the process that owns the embedded store', () => {
  test('OwnerStore binds parameters as literals: injection strings stay data; inserts work', async () => {
    const owner = await serveStore(h.ch.client, h.dir);
    try {
      const store = new OwnerStore(h.dir);
      for (const v of INJECTIONS) {
        const rows = await store.query<{ v: string; n: string }>(
          'SELECT {v:String} AS v, toString((SELECT count() FROM cameras WHERE camera_id = {v:String})) AS n',
          { v },
        );
        expect(rows).toEqual([{ v, n: '0' }]);
      }
      await store.insert('cameras', [
        { camera_id: 'cam-owner', name: "O'Hare \\ gate", source_uri: 'x', config: '{}' },
      ]);
      const [row] = await store.query<{ name: string }>(
        'SELECT name FROM cameras FINAL WHERE camera_id = {id:String}',
        { id: 'cam-owner' },
      );
      expect(row.name).toBe("O'Hare \\ gate");
      const app = await buildApi({ store, keys: h.keyStore, redisUrl, queuePrefix: h.prefix });
      try {
        const res = await app.inject({
          url: `/api/v1/events?from=${iso(HOUR)}&to=${iso(HOUR + 3600_000)}&camera=${encodeURIComponent("cam-o'brien")}`,
          headers: { 'x-api-key': h.keys.operator },
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().events.map((e: { eventId: string }) => e.eventId)).toEqual(['e3']);
      } finally {
        await app.close();
      }
    } finally {
      await owner.close();
    }
  });
});
