import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import type { EventRecord } from '../../schemas/events.ts';
import { ROOT } from '../helpers/cli.ts';
import { type ApiHarness, eventRow, startHarness } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'var', 'test-artifacts');
const NOW = Date.now();

describe.skipIf(!existsSync(CHROMIUM))(
  'alert console in headless Chromium (needs Debian chromium: infra/setup.sh --test)',
  () => {
    let h: ApiHarness;
    let browser: Browser;
    let base: string;
    let redis: Redis;

    beforeAll(async () => {
      h = await startHarness(inject('redisUrl'), 'console');
      redis = new Redis(inject('redisUrl'));
      await insertRows(h.ch.client, 'cameras', [
        { camera_id: 'cam-1', name: 'cam-1', source_uri: 'rtsp://x/1', config: '{"district":"District 1"}' },
        { camera_id: 'cam-2', name: 'cam-2', source_uri: 'rtsp://x/2', config: '{"district":"Binh Thanh"}' },
      ]);
      await insertRows(h.ch.client, 'events', [
        eventRow('cam-1', NOW - 3600_000, 'jam_start', 'warning', 'e-1', 'queue on <b>lane-1</b>'),
        eventRow('cam-2', NOW - 7200_000, 'crowd_form', 'info', 'e-2'),
      ]);
      base = await h.app.listen({ port: 0, host: '127.0.0.1' });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    }, 60_000);
    afterAll(async () => {
      redis?.disconnect();
      await browser?.close();
      await h?.close();
    });

    test('lists alerts, shows one arriving live, acknowledges it with a comment; saves a screenshot', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/alerts#key=${h.keys.operator}`);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 30_000 });
      expect(
        await page.evaluate('document.body.dataset.state'),
        (await page.textContent('#message')) ?? '',
      ).toBe('ready');
      expect(await page.$$eval('#alerts tbody tr', (r) => r.length)).toBe(2);
      expect(await page.textContent('#alerts tbody tr[data-event-id="e-1"]')).toContain(
        'queue on <b>lane-1</b>',
      ); // text
      await page.waitForSelector('#live.live-on', { timeout: 10_000 });

      // A new alert: stored, then published as the rule engine does.
      const row = eventRow(
        'cam-2',
        Date.now(),
        'stopped_vehicle',
        'critical',
        'e-live',
        'stopped vehicle, lane 2',
      );
      await insertRows(h.ch.client, 'events', [row]);
      const record: EventRecord = {
        eventId: 'e-live',
        cameraId: 'cam-2',
        tsMs: Date.now(),
        startedMs: Date.now() - 60_000,
        type: 'stopped_vehicle',
        ruleId: 'stopped_vehicle-rule',
        zoneId: 'lane-1',
        severity: 'critical',
        value: 42,
        trackIds: [7],
        message: 'stopped vehicle, lane 2',
        snapshot: '',
        details: {},
        sourceId: 'cam-2/live',
        segment: 3,
      };
      await redis.publish(`${h.prefix}:events`, JSON.stringify(record));
      const live = await page.waitForSelector('#alerts tbody tr[data-event-id="e-live"]', {
        timeout: 15_000,
      });
      expect(await live.getAttribute('class')).toBe('new');
      expect(await live.textContent()).toContain('Binh Thanh');

      // Acknowledge it through the dialog.
      await page.click('#alerts tbody tr[data-event-id="e-live"] button.ack');
      await page.fill('#ack-form textarea[name="comment"]', 'police on site');
      await page.click('#ack-ok');
      await page.waitForFunction(
        `document.querySelector('#alerts tbody tr[data-event-id="e-live"]')?.textContent.includes('police on site')`,
        undefined,
        { timeout: 15_000 },
      );
      expect(await page.textContent('#alerts tbody tr[data-event-id="e-live"]')).toContain(
        'acknowledged by test operator',
      );
      const rs = await h.ch.client.query({
        query: "SELECT key_name, comment FROM alert_acks WHERE event_id = 'e-live'",
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ key_name: 'test operator', comment: 'police on site' }]);
      const counts = await page.$$eval('#counts tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
      expect(counts.some((c) => c.includes('Binh Thanh'))).toBe(true);
      expect(errors).toEqual([]);

      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'alert-console.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
      await page.close();
    });

    test('an analyst reads but has no live stream and cannot acknowledge', async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/alerts?state=open#key=${h.keys.analyst}`);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
      await page.waitForFunction("document.getElementById('live').textContent.includes('operator role')");
      const ids = await page.$$eval('#alerts tbody tr', (rows) =>
        rows.map((r) => r.getAttribute('data-event-id')),
      );
      expect(ids).toEqual(['e-1', 'e-2']); // open only: e-live is acknowledged
      await page.click('#alerts tbody tr[data-event-id="e-1"] button.ack');
      await page.fill('#ack-form textarea[name="comment"]', 'seen');
      await page.click('#ack-ok');
      await page.waitForFunction(
        "document.getElementById('message').textContent.includes('Not acknowledged')",
      );
      expect(await page.textContent('#message')).toMatch(/role analyst may not/);
      await page.close();
    });
  },
);
