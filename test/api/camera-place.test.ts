import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { buildApi } from '../../workers/api/server.ts';
import { DirectStore } from '../../workers/api/store.ts';
import { apiPlaces, registerCameras } from '../../workers/cameras/register-cameras.ts';
import { type ApiHarness, startHarness } from './fixtures.ts';

// A camera's place set through the API: validated like the file, stored, and kept across restarts.
let h: ApiHarness;
beforeAll(async () => {
  h = await startHarness(inject('redisUrl'), 'place');
  await registerCameras(h.ch.client, [
    { id: 'cam-p', source: '/srv/p.mp4', district: 'District 3' },
    { id: 'cam-q', source: '/srv/q.mp4', corridors: [{ id: 'le-loi', position: 1 }] },
  ]);
});
afterAll(() => h?.close());

const put = (id: string, body: object, key = h.keys.admin) =>
  h.app.inject({
    method: 'PUT',
    url: `/api/v1/cameras/${id}/place`,
    headers: { 'x-api-key': key },
    payload: body,
  });

test('PUT place: stored, listed, in the analysts’ columns, and it wins over the file at every restart', async () => {
  const place = {
    location: { lat: 10.7745, lon: 106.7036 },
    heading: 180,
    district: 'District 1',
    corridors: [{ id: 'le-loi', position: 2, toNextM: 300 }],
  };
  const res = await put('cam-p', place);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().place).toEqual(place);
  const list = await h.app.inject({ url: '/api/v1/cameras', headers: { 'x-api-key': h.keys.analyst } });
  const cams = list.json().cameras as Array<{ cameraId: string; place: object }>;
  expect(cams.find((c) => c.cameraId === 'cam-p')?.place).toEqual(place);
  expect(cams.find((c) => c.cameraId === 'cam-q')?.place).toEqual({
    corridors: [{ id: 'le-loi', position: 1 }],
  });
  const rs = await h.ch.client.query({
    query: "SELECT lat, lon, district FROM cameras FINAL WHERE camera_id = 'cam-p'",
    format: 'JSONEachRow',
  });
  expect(await rs.json()).toEqual([{ lat: 10.7745, lon: 106.7036, district: 'District 1' }]);
  for (let restart = 0; restart < 2; restart++) {
    const [cam] = await registerCameras(h.ch.client, [
      { id: 'cam-p', source: '/srv/p.mp4', district: 'District 3' },
    ]);
    expect(cam).toMatchObject({ district: 'District 1', heading: 180, location: place.location });
  }
  expect((await apiPlaces(h.ch.client)).get('cam-p')?.district).toBe('District 1');
  expect((await apiPlaces(h.ch.client)).has('cam-q')).toBe(false);
});

test('bad places are refused naming the item; only admins write; unknown cameras 404', async () => {
  const cases: Array<[object, RegExp]> = [
    [{ location: { lat: 91, lon: 0 } }, /body\/location\/lat|body\.location\.lat/],
    [{ location: { lat: 10, lon: 1e308 } }, /lon/],
    [{ heading: 360 }, /heading/],
    [{ floor: 3 }, /body/],
    [
      { corridors: [{ id: 'le-loi', position: 1 }] },
      /body\.corridors\[0\]\.position: position 1 of corridor "le-loi" is already camera "cam-q"'s/,
    ],
    [
      {
        corridors: [
          { id: 'x', position: 1 },
          { id: 'x', position: 2 },
        ],
      },
      /body\.corridors\[1\]\.id: corridor "x" twice/,
    ],
  ];
  for (const [body, message] of cases) {
    const res = await put('cam-p', body);
    expect(res.statusCode, JSON.stringify(body)).toBe(400);
    expect(res.json().message).toMatch(message);
  }
  expect((await put('cam-p', {}, h.keys.operator)).statusCode).toBe(403);
  expect((await put('nope', {})).statusCode).toBe(404);
  // With the configuration's corridors known, an undeclared one is refused.
  const app = await buildApi({
    store: new DirectStore(h.ch.client, 'embedded'),
    keys: h.keyStore,
    redisUrl: inject('redisUrl'),
    queuePrefix: `${h.prefix}-decl`,
    map: { corridors: [{ id: 'le-loi' }] },
  });
  try {
    const res = await app.inject({
      method: 'PUT',
      url: '/api/v1/cameras/cam-p/place',
      headers: { 'x-api-key': h.keys.admin },
      payload: { corridors: [{ id: 'nguyen-hue', position: 1 }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('body.corridors[0].id: unknown corridor "nguyen-hue"; declared: le-loi');
  } finally {
    await app.close();
  }
});
