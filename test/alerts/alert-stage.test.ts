import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { AlertsConfig, type WebhookDelivery } from '../../schemas/alerts.ts';
import type { EventRecord } from '../../schemas/events.ts';
import { assertValid } from '../../schemas/validate.ts';
import { startAlertStage, wants } from '../../workers/alerts/alert-stage.ts';
import { logger } from '../../workers/logger.ts';
import { redisConnection } from '../../workers/queues.ts';
import { QUEUE, redisKeys } from '../../workers/redis-keys.ts';

// The alert path on real parts: a real Redis (queues and pub/sub), the embedded ClickHouse, and a
// real HTTP receiver that fails on purpose before it accepts.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-alerts-'));
let ch: ClickHouseHandle;
let server: Server;
let url = '';
const received: Array<{ body: EventRecord; auth: string | undefined }> = [];
let failFirst = 0;
let refuse = false;

beforeAll(async () => {
  ch = await openClickHouse({ path: join(dir, 'clickhouse') });
  await applyMigrations(ch.client);
  server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (refuse) {
      res.writeHead(400).end('bad payload');
      received.push({ body: JSON.parse(body), auth: 'refused' });
      return;
    }
    if (failFirst > 0) {
      failFirst--;
      res.writeHead(503).end('busy');
      return;
    }
    received.push({ body: JSON.parse(body), auth: req.headers.authorization });
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await ch?.close();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function event(id: string, over: Partial<EventRecord> = {}): EventRecord {
  const t = Date.now() - 60_000;
  return {
    eventId: id,
    cameraId: 'cam-a',
    tsMs: t,
    startedMs: t - 30_000,
    type: 'stopped_vehicle',
    ruleId: 'stopped',
    zoneId: 'lane-1',
    severity: 'warning',
    value: 30,
    trackIds: [7],
    message: 'vehicle 7 stopped in lane-1 for 30 s',
    snapshot: '',
    details: { speedKmh: 0.4 },
    sourceId: 'cam-a/live',
    segment: 3,
    ...over,
  };
}

describe('alert stage', () => {
  test('an event is recorded once, published, and delivered to a webhook that fails twice first', async () => {
    const prefix = `al${Date.now()}`;
    const connection = redisConnection(inject('redisUrl'));
    const redis = new Redis(inject('redisUrl'));
    const sub = new Redis(inject('redisUrl'));
    const published: EventRecord[] = [];
    await sub.subscribe(redisKeys(prefix).events);
    sub.on('message', (_c, m) => published.push(JSON.parse(m)));
    const alerts = assertValid<AlertsConfig>(
      AlertsConfig,
      {
        webhooks: [
          { url, headers: { authorization: 'Bearer t0k3n' }, minSeverity: 'warning' },
          { url: `${url}?critical-only`, minSeverity: 'critical' },
        ],
        webhookBackoffMs: 50,
      },
      'alerts',
    );
    const stage = startAlertStage({ connection, prefix, redis, clickhouse: ch.client, alerts, logger });
    const queue = new Queue<EventRecord>(QUEUE.alerts, { connection, prefix });
    try {
      failFirst = 2;
      received.length = 0;
      const e = event(`ev-${prefix}`);
      await queue.add('stopped_vehicle', e, { jobId: e.eventId });
      // The same event again (a retried segment): the same row, no new row.
      await sleep(300);
      await queue.add('stopped_vehicle', e, { jobId: `${e.eventId}-again` });
      const deadline = Date.now() + 15_000;
      while (received.length < 1 && Date.now() < deadline) await sleep(50);
      await sleep(800); // room for a duplicate delivery, which must not come
      // Delivered once (after two 503s), to the webhook whose severity floor it meets.
      expect(received.map((r) => r.body.eventId)).toEqual([e.eventId]);
      expect(received[0].auth).toBe('Bearer t0k3n');
      expect(published.map((p) => p.eventId)).toContain(e.eventId);
      const rs = await ch.client.query({
        query:
          'SELECT count() AS n, any(severity) AS s, any(track_ids) AS t FROM events WHERE event_id = {id:String}',
        query_params: { id: e.eventId },
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ n: string; s: string; t: number[] }>();
      expect(Number(row.n)).toBe(1);
      expect(row.s).toBe('warning');
      expect(row.t).toEqual([7]);
    } finally {
      await queue.close();
      await stage.close();
      await sub.quit();
      await redis.quit();
    }
  });

  test('a receiver that refuses the payload (400) is not retried', async () => {
    const prefix = `al4${Date.now()}`;
    const connection = redisConnection(inject('redisUrl'));
    const redis = new Redis(inject('redisUrl'));
    const alerts = assertValid<AlertsConfig>(
      AlertsConfig,
      { webhooks: [{ url }], webhookBackoffMs: 20 },
      'alerts',
    );
    const stage = startAlertStage({ connection, prefix, redis, clickhouse: ch.client, alerts, logger });
    const queue = new Queue<EventRecord>(QUEUE.alerts, { connection, prefix });
    try {
      refuse = true;
      received.length = 0;
      const e = event(`ev-refused-${prefix}`);
      await queue.add('x', e, { jobId: e.eventId });
      await sleep(1500);
      expect(received.filter((r) => r.auth === 'refused')).toHaveLength(1);
    } finally {
      refuse = false;
      await queue.close();
      await stage.close();
      await redis.quit();
    }
  });

  test('a malformed event fails its job with a message naming it; the next event is still recorded', async () => {
    const prefix = `alb${Date.now()}`;
    const connection = redisConnection(inject('redisUrl'));
    const redis = new Redis(inject('redisUrl'));
    const alerts = assertValid<AlertsConfig>(AlertsConfig, {}, 'alerts');
    const stage = startAlertStage({ connection, prefix, redis, clickhouse: ch.client, alerts, logger });
    const queue = new Queue<EventRecord>(QUEUE.alerts, { connection, prefix });
    try {
      const bad = await queue.add('x', { eventId: 'bad-1', type: 'meteor' } as unknown as EventRecord, {
        jobId: 'bad-1',
        attempts: 1,
      });
      const good = event(`ev-after-bad-${prefix}`);
      await queue.add('x', good, { jobId: good.eventId });
      const deadline = Date.now() + 10_000;
      while ((await bad.getState()) !== 'failed' && Date.now() < deadline) await sleep(50);
      expect(await bad.getState()).toBe('failed');
      expect((await queue.getJob('bad-1'))?.failedReason).toMatch(/alerts job bad-1/);
      let n = 0;
      while (n === 0 && Date.now() < deadline) {
        const rs = await ch.client.query({
          query: 'SELECT count() AS n FROM events WHERE event_id = {id:String}',
          query_params: { id: good.eventId },
          format: 'JSONEachRow',
        });
        n = Number((await rs.json<{ n: string }>())[0].n);
        if (n === 0) await sleep(100);
      }
      expect(n).toBe(1);
    } finally {
      await queue.close();
      await stage.close();
      await redis.quit();
    }
  });

  test('a delivery job for a URL that is not a configured webhook is refused, not sent', async () => {
    const prefix = `alw${Date.now()}`;
    const connection = redisConnection(inject('redisUrl'));
    const redis = new Redis(inject('redisUrl'));
    const alerts = assertValid<AlertsConfig>(AlertsConfig, { webhooks: [{ url }] }, 'alerts');
    const stage = startAlertStage({ connection, prefix, redis, clickhouse: ch.client, alerts, logger });
    const queue = new Queue<WebhookDelivery>(QUEUE.webhooks, { connection, prefix });
    try {
      received.length = 0;
      // Written straight into Redis: index 0 is configured, but with another URL.
      const forged = await queue.add(
        'deliver',
        { webhook: 0, url: `${url}-elsewhere`, event: event(`ev-forged-${prefix}`) },
        { attempts: 3 },
      );
      const deadline = Date.now() + 10_000;
      while ((await forged.getState()) !== 'failed' && Date.now() < deadline) await sleep(50);
      const job = await queue.getJob(forged.id as string);
      expect(job?.failedReason).toMatch(/not a configured webhook/);
      expect(job?.attemptsMade).toBe(1);
      expect(received).toHaveLength(0);
    } finally {
      await queue.close();
      await stage.close();
      await redis.quit();
    }
  });

  test('webhook filters: severity floor and types', () => {
    const e = event('x');
    expect(wants({ url }, e)).toBe(true);
    expect(wants({ url, minSeverity: 'critical' }, e)).toBe(false);
    expect(wants({ url, minSeverity: 'info' }, e)).toBe(true);
    expect(wants({ url, types: ['wrong_way'] }, e)).toBe(false);
    expect(wants({ url, types: ['stopped_vehicle'] }, e)).toBe(true);
  });
});
