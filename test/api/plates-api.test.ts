/**
 * Raw licence-plate data through the real API: only the plates role (not even admin) reads plate
 * reads and the watch list; each of its requests leaves a row in plate_audit (who, what, how many
 * rows); the watch list round-trips through Redis; bad entries are refused with the field named.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { type ApiHarness, startHarness } from './fixtures.ts';

const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
let h: ApiHarness;

beforeAll(async () => {
  h = await startHarness(inject('redisUrl'), 'plates');
  await insertRows(h.ch.client, 'plate_reads', [
    {
      camera_id: 'gate',
      source_id: 'gate/live',
      segment: 1,
      track_id: 7,
      ts: T0 + 3600_000,
      plate: '51F67890',
      plate_hash: 'h1',
      display: '51F-678.90',
      confidence: 0.97,
      reads: 3,
      agreeing: 3,
      layout: 'one-line',
      country: 'VN',
      vehicle_class: 'car',
      box: { x: 1, y: 2, w: 30, h: 8 },
    },
  ]);
});
afterAll(() => h?.close());

const call = (method: 'GET' | 'PUT' | 'DELETE', url: string, key: string | null, payload?: object) =>
  h.app.inject({ method, url, headers: key ? { 'x-api-key': key } : {}, ...(payload ? { payload } : {}) });

const readsUrl = () => `/api/v1/plates/reads?from=${iso(T0)}&to=${iso(T0 + 86_400_000)}`;

describe('plates role and audit', () => {
  test('every other role is refused, admin included; no key is 401', async () => {
    for (const role of ['analyst', 'transport', 'operator', 'admin'] as const) {
      const r = await call('GET', readsUrl(), h.keys[role]);
      expect(r.statusCode, role).toBe(403);
      expect(r.json().message).toMatch(/plates/);
    }
    expect((await call('GET', readsUrl(), null)).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/plates/watchlist', h.keys.admin)).statusCode).toBe(403);
  });

  test('the plates role reads raw plates, and each request is audited with its row count', async () => {
    const r = await call('GET', `${readsUrl()}&plate=51f67890`, h.keys.plates);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().reads).toEqual([
      expect.objectContaining({
        cameraId: 'gate',
        plate: '51F67890',
        display: '51F-678.90',
        trackId: 7,
        vehicleClass: 'car',
      }),
    ]);
    const none = await call('GET', `${readsUrl()}&camera=elsewhere`, h.keys.plates);
    expect(none.json().reads).toEqual([]);
    const rs = await h.ch.client.query({
      query: 'SELECT role, route, rows, status, params FROM plate_audit ORDER BY ts',
      format: 'JSONEachRow',
    });
    const audit = await rs.json<{
      role: string;
      route: string;
      rows: number;
      status: number;
      params: string;
    }>();
    expect(audit.map((a) => [a.role, a.route, a.rows, a.status])).toEqual([
      ['plates', '/api/v1/plates/reads', 1, 200],
      ['plates', '/api/v1/plates/reads', 0, 200],
    ]);
    expect(JSON.parse(audit[0].params)).toMatchObject({ plate: '51f67890' });
  });
});

describe('watch list', () => {
  test('put, list and delete entries; bad entries are refused naming the field', async () => {
    const body = {
      plate: '59x123456',
      reason: 'stolen motorbike',
      expiresAt: iso(Date.now() + 86_400_000),
      maxDistance: 1,
    };
    const put = await call('PUT', '/api/v1/plates/watchlist/w-1', h.keys.plates, body);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ id: 'w-1', plate: '59X123456', maxDistance: 1 });
    const list = await call('GET', '/api/v1/plates/watchlist', h.keys.plates);
    expect(list.json().entries.map((e: { id: string }) => e.id)).toEqual(['w-1']);

    const bad = await call('PUT', '/api/v1/plates/watchlist/w-2', h.keys.plates, {
      ...body,
      plate: '59-X1 234.56',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/plate/);
    const past = await call('PUT', '/api/v1/plates/watchlist/w-2', h.keys.plates, {
      ...body,
      expiresAt: iso(Date.now() - 1000),
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().message).toMatch(/expiresAt/);

    expect((await call('DELETE', '/api/v1/plates/watchlist/w-1', h.keys.plates)).statusCode).toBe(204);
    expect((await call('DELETE', '/api/v1/plates/watchlist/w-1', h.keys.plates)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/plates/watchlist', h.keys.plates)).json().entries).toEqual([]);
  });
});
