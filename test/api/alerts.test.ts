import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import type { AlertCounts, AlertRecord } from '../../schemas/api/alerts.ts';
import { buildApi } from '../../workers/api/server.ts';
import { DirectStore } from '../../workers/api/store.ts';
import { type ApiHarness, eventRow, INJECTIONS, startHarness } from './fixtures.ts';

let h: ApiHarness;
const HOUR = 3600_000;
const NOW = Date.now();
// 20:30 UTC yesterday: the next day in Ho Chi Minh City (UTC+7).
const LATE = Math.floor(NOW / 86_400_000) * 86_400_000 - 3.5 * HOUR;

async function camera(id: string, district?: string) {
  await insertRows(h.ch.client, 'cameras', [
    {
      camera_id: id,
      name: id,
      source_uri: `rtsp://x/${id}`,
      config: JSON.stringify({ id, source: `rtsp://x/${id}`, ...(district ? { district } : {}) }),
    },
  ]);
}

beforeAll(async () => {
  h = await startHarness(inject('redisUrl'), 'alerts');
  await camera('cam-1', 'District 1');
  await camera('cam-2', 'Binh Thanh');
  await camera('cam-3');
  await insertRows(h.ch.client, 'events', [
    eventRow('cam-1', NOW - 2 * HOUR, 'jam_start', 'warning', 'e-warn'),
    eventRow('cam-1', NOW - HOUR, 'stopped_vehicle', 'critical', 'e-crit', 'stopped vehicle on lane 2'),
    eventRow('cam-2', NOW - 3 * HOUR, 'crowd_form', 'info', 'e-info'),
    eventRow('cam-3', LATE, 'wrong_way', 'critical', 'e-late'),
  ]);
}, 60_000);
afterAll(async () => h?.close());

const req = (method: 'GET' | 'POST', url: string, key: string | null, body?: object) =>
  h.app.inject({ method, url, headers: key ? { 'x-api-key': key } : {}, ...(body ? { payload: body } : {}) });
const range = `from=${new Date(NOW - 2 * 86_400_000).toISOString()}&to=${new Date(NOW + 60_000).toISOString()}`;
const list = async (query: string, key = h.keys.analyst) => {
  const res = await req('GET', `/api/v1/alerts?${range}${query}`, key);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().alerts as AlertRecord[];
};

test('alerts carry their district; filters by district, severity and state', async () => {
  const all = await list('');
  expect(all.map((a) => a.eventId)).toEqual(['e-crit', 'e-warn', 'e-info', 'e-late']);
  expect(all.map((a) => a.district)).toEqual(['District 1', 'District 1', 'Binh Thanh', null]);
  expect(all.every((a) => a.acknowledged === null)).toBe(true);
  expect((await list('&district=Binh%20Thanh')).map((a) => a.eventId)).toEqual(['e-info']);
  expect((await list('&severity=critical')).map((a) => a.eventId)).toEqual(['e-crit', 'e-late']);
  expect(await list('&state=acknowledged')).toEqual([]);
});

test('an operator acknowledges with a comment; every acknowledgement is kept, the latest is the state', async () => {
  const first = await req('POST', '/api/v1/alerts/e-crit/ack', h.keys.operator, {
    comment: 'tow truck sent',
  });
  expect(first.statusCode, first.body).toBe(200);
  expect(first.json().acknowledged).toMatchObject({
    by: 'test operator',
    role: 'operator',
    comment: 'tow truck sent',
  });
  const again = await req('POST', '/api/v1/alerts/e-crit/ack', h.keys.operator, {
    comment: 'cleared at 10:40',
  });
  expect(again.statusCode).toBe(200);
  const [crit] = await list('&state=acknowledged');
  expect(crit.eventId).toBe('e-crit');
  expect(crit.acknowledged).toMatchObject({ by: 'test operator', comment: 'cleared at 10:40' });
  expect((await list('&state=open')).map((a) => a.eventId)).toEqual(['e-warn', 'e-info', 'e-late']);
  const rs = await h.ch.client.query({
    query:
      "SELECT key_id, key_name, role, comment FROM alert_acks WHERE event_id = 'e-crit' ORDER BY acked_at",
    format: 'JSONEachRow',
  });
  const audit = await rs.json<{ key_id: string; key_name: string; role: string; comment: string }>();
  expect(audit.map((a) => a.comment)).toEqual(['tow truck sent', 'cleared at 10:40']);
  expect(audit[0].key_id).toMatch(/^[0-9a-f]{12}$/); // the key's id, never its secret
  expect(h.keys.operator).toContain(audit[0].key_id);
});

test('acknowledging: analysts may not; unknown alerts 404; comments validated', async () => {
  const analyst = await req('POST', '/api/v1/alerts/e-warn/ack', h.keys.analyst, { comment: 'x' });
  expect(analyst.statusCode).toBe(403);
  expect((await req('POST', '/api/v1/alerts/e-warn/ack', null, { comment: 'x' })).statusCode).toBe(401);
  const unknown = await req('POST', '/api/v1/alerts/nope/ack', h.keys.operator, { comment: 'x' });
  expect(unknown.statusCode).toBe(404);
  expect(unknown.json().message).toMatch(/params\.id: no alert "nope"/);
  for (const body of [
    {},
    { comment: '' },
    { comment: '   ' },
    { comment: 'x'.repeat(1001) },
    { comment: 'x', extra: 1 },
  ]) {
    const res = await req('POST', '/api/v1/alerts/e-warn/ack', h.keys.operator, body);
    expect(res.statusCode, JSON.stringify(body)).toBe(400);
    expect(res.json().message).toMatch(/body/);
  }
  for (const id of INJECTIONS.filter((x) => !x.includes('\u0000'))) {
    const res = await req('POST', `/api/v1/alerts/${encodeURIComponent(id)}/ack`, h.keys.operator, {
      comment: 'x',
    });
    expect(res.statusCode, id).toBe(404);
  }
  for (const d of INJECTIONS.filter((x) => !x.includes('\u0000')))
    expect(await list(`&district=${encodeURIComponent(d)}`), d).toEqual([]);
});

test('counts per district and local day', async () => {
  const res = await req('GET', `/api/v1/alerts/counts?${range}&timeZone=Asia/Ho_Chi_Minh`, h.keys.transport);
  expect(res.statusCode, res.body).toBe(200);
  const counts = res.json() as AlertCounts;
  expect(counts.timeZone).toBe('Asia/Ho_Chi_Minh');
  const local = (ms: number) => new Date(ms + 7 * HOUR).toISOString().slice(0, 10);
  const d1 = counts.rows.filter((r) => r.district === 'District 1');
  expect(d1.reduce((a, r) => a + r.warning + r.critical, 0)).toBe(2);
  const late = counts.rows.find((r) => r.district === '' && r.critical === 1);
  expect(late?.day).toBe(local(LATE)); // 20:30 UTC is already the next day in Ho Chi Minh City
  expect(local(LATE)).not.toBe(new Date(LATE).toISOString().slice(0, 10));
  expect(d1.reduce((a, r) => a + r.acknowledged, 0)).toBe(1);
  const bad = await req('GET', `/api/v1/alerts/counts?${range}&timeZone=Mars/Olympus`, h.keys.transport);
  expect(bad.statusCode).toBe(400);
  expect(bad.json().message).toMatch(/querystring\.timeZone/);
});

test('snapshots are served only from the snapshots folder', async () => {
  const dir = join(h.dir, 'evidence');
  mkdirSync(dir, { recursive: true });
  const jpeg = join(dir, 'e-snap.jpg');
  writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  symlinkSync('/etc/passwd', join(dir, 'escape.jpg'));
  await insertRows(h.ch.client, 'events', [
    { ...eventRow('cam-1', NOW - 10 * 60_000, 'stopped_vehicle', 'warning', 'e-snap'), snapshot: jpeg },
    {
      ...eventRow('cam-1', NOW - 11 * 60_000, 'stopped_vehicle', 'warning', 'e-etc'),
      snapshot: '/etc/passwd',
    },
    {
      ...eventRow('cam-1', NOW - 12 * 60_000, 'stopped_vehicle', 'warning', 'e-link'),
      snapshot: join(dir, 'escape.jpg'),
    },
  ]);
  const app = await buildApi({
    store: new DirectStore(h.ch.client, 'embedded'),
    keys: h.keyStore,
    redisUrl: inject('redisUrl'),
    queuePrefix: `${h.prefix}-snap`,
    snapshotsDir: dir,
  });
  try {
    const get = (id: string) =>
      app.inject({ url: `/api/v1/alerts/${id}/snapshot`, headers: { 'x-api-key': h.keys.operator } });
    const ok = await get('e-snap');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe('image/jpeg');
    expect(ok.rawPayload.length).toBe(4);
    expect((await get('e-etc')).statusCode).toBe(404);
    expect((await get('e-link')).statusCode).toBe(404); // a link out of the folder
    expect((await get('e-warn')).statusCode).toBe(404); // no snapshot
  } finally {
    await app.close();
  }
});
