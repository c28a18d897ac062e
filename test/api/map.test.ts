import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import type { MapAnswer } from '../../schemas/api/map.ts';
import { corridorsOf } from '../../workers/api/queries/city-map.ts';
import { type CityCamera, corridorOf, insertCity } from './city-fixture.ts';
import { type ApiHarness, INJECTIONS, startHarness } from './fixtures.ts';

let h: ApiHarness;
let city: CityCamera[];

beforeAll(async () => {
  h = await startHarness(inject('redisUrl'), 'map');
  city = await insertCity(h.ch, 210);
});
afterAll(async () => h?.close());

const get = (url: string, key: string | null = h.keys.transport) =>
  h.app.inject({ method: 'GET', url, headers: key ? { 'x-api-key': key } : {} });

test('GET /api/v1/map: every camera with its place and current state, computed from the rows', async () => {
  const res = await get('/api/v1/map');
  expect(res.statusCode, res.body).toBe(200);
  const map = res.json() as MapAnswer;
  expect(map.cameras).toHaveLength(210);
  expect(map.tiles).toBeNull();
  expect(map.districts).toHaveLength(7);
  const byId = new Map(map.cameras.map((c) => [c.cameraId, c]));
  for (const want of city) {
    const got = byId.get(want.id);
    expect(got, want.id).toBeDefined();
    expect(got?.location, want.id).toEqual(want.location);
    expect(got?.district).toBe(want.district);
    expect(got?.status, want.id).toBe(want.status === 'idle' ? 'idle' : want.status);
    // The latest minute's worst zone level, not the worst of the last 15 minutes (all F before).
    expect(got?.los ?? null, want.id).toBe(want.los);
    expect(got?.congestion ?? null, want.id).toBe(want.congestion);
    expect(got?.volume15m ?? 0, want.id).toBe(want.volume);
    if (want.status !== 'idle') expect(got?.speedKmh, want.id).toBe(want.speed);
    expect(got?.alerts1h, want.id).toBe(want.alerts); // the 3-hour-old one is not counted
    expect(got?.worstSeverity ?? null).toBe(want.alerts ? 'critical' : null);
    const i = Number(want.id.slice(4));
    expect(got?.nextHour ?? null, want.id).toEqual(
      want.nextLos ? { los: want.nextLos, volume: 100 + i, speedKmh: 30 } : null,
    );
  }
});

test('an acknowledged alert is no longer open on the map', async () => {
  const cam = city.find((c) => c.alerts === 2) as CityCamera;
  await insertRows(h.ch.client, 'alert_acks', [
    {
      event_id: `${cam.id}-a2`,
      camera_id: cam.id,
      acked_at: new Date().toISOString().replace('T', ' ').replace('Z', ''),
      key_id: 'k',
      key_name: 'op',
      role: 'operator',
      comment: 'handled',
      client_ip: '127.0.0.1',
    },
  ]);
  const got = ((await get('/api/v1/map')).json() as MapAnswer).cameras.find((c) => c.cameraId === cam.id);
  expect(got).toMatchObject({ alerts1h: 1, worstSeverity: 'warning' }); // the critical one was acknowledged
});

test('corridors in position order, each leg with its length and the mean of its cameras’ speeds', async () => {
  const map = (await get('/api/v1/map')).json() as MapAnswer;
  expect(map.corridors.map((c) => c.id)).toEqual(
    Array.from({ length: 12 }, (_, k) => `corridor-${k}`).sort(),
  );
  const c3 = map.corridors.find((c) => c.id === 'corridor-3');
  const members = city.filter((_, i) => corridorOf(i)?.id === 'corridor-3');
  expect(c3?.cameras).toEqual(members.map((m) => m.id));
  expect(c3?.legs).toHaveLength(7);
  const [a, b] = members;
  expect(c3?.legs[0]).toEqual({
    from: a.id,
    to: b.id,
    lengthM: 350,
    speedKmh: a.status === 'idle' ? b.speed : b.status === 'idle' ? a.speed : (a.speed + b.speed) / 2,
  });
  expect(c3?.legs[6].lengthM).toBe(350);
});

test('corridorsOf: declared names and order first; a leg without speeds has none', () => {
  const cam = (
    id: string,
    speedKmh: number | null,
    corridors: Array<{ id: string; position: number; toNextM?: number }>,
  ) => ({
    state: { cameraId: id, speedKmh } as never,
    place: { corridors },
  });
  const out = corridorsOf(
    [
      cam('b', null, [{ id: 'z', position: 2 }]),
      cam('a', null, [
        { id: 'z', position: 1, toNextM: 900 },
        { id: 'y', position: 5 },
      ]),
      cam('c', 30, [{ id: 'y', position: 1 }]),
    ],
    [{ id: 'z', name: 'Nguyễn Huệ' }],
  );
  expect(out).toEqual([
    {
      id: 'z',
      name: 'Nguyễn Huệ',
      cameras: ['a', 'b'],
      legs: [{ from: 'a', to: 'b', lengthM: 900, speedKmh: null }],
    },
    { id: 'y', name: 'y', cameras: ['c', 'a'], legs: [{ from: 'c', to: 'a', lengthM: null, speedKmh: 30 }] },
  ]);
});

test('district filter: that district’s cameras and the corridors among them', async () => {
  const map = (await get('/api/v1/map?district=District%205')).json() as MapAnswer;
  const want = city.filter((c) => c.district === 'District 5');
  expect(map.cameras.map((c) => c.cameraId)).toEqual(want.map((c) => c.id));
  expect(map.districts).toHaveLength(7); // the filter's choices stay complete
  for (const c of map.corridors) for (const id of c.cameras) expect(want.some((w) => w.id === id)).toBe(true);
});

test('roles, validation and injection-like values', async () => {
  expect((await get('/api/v1/map', null)).statusCode).toBe(401);
  for (const role of ['analyst', 'operator', 'transport', 'admin'] as const)
    expect((await get('/api/v1/map', h.keys[role])).statusCode, role).toBe(200);
  const long = await get(`/api/v1/map?district=${'x'.repeat(101)}`);
  expect(long.statusCode).toBe(400);
  expect(long.json().message).toMatch(/district/);
  const unknown = await get('/api/v1/map?camera=cam-0001');
  expect(unknown.statusCode).toBe(400);
  for (const v of INJECTIONS.filter((x) => !x.includes('\u0000'))) {
    const res = await get(`/api/v1/map?district=${encodeURIComponent(v)}`);
    expect(res.statusCode, v).toBe(200);
    expect(res.json().cameras, v).toEqual([]);
  }
});
