import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { insertRows } from '../../pipeline/store/insert-rows.ts';
import { ROOT } from '../helpers/cli.ts';
import { type ApiHarness, eventRow, insertCamera, measureRows, startHarness } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'var', 'test-artifacts');
const DAY = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.skipIf(!existsSync(CHROMIUM))(
  'report page in headless Chromium (needs Debian chromium: infra/setup.sh --test)',
  () => {
    let h: ApiHarness;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      h = await startHarness(inject('redisUrl'), 'page');
      await insertCamera(h.ch, 'cam-a');
      await insertCamera(h.ch, 'cam-b');
      await insertRows(h.ch.client, 'traffic_measures', [
        ...measureRows('cam-a', DAY, 96, 900),
        ...measureRows('cam-b', DAY, 96, 900),
      ]);
      // A current forecast for cam-a (cam-b has none: its row says why).
      const issued = Math.floor(Date.now() / 900_000) * 900_000;
      await insertRows(
        h.ch.client,
        'forecasts',
        [15, 30, 60].flatMap((m) =>
          [
            ['volume', 40 + m, ''],
            ['speed_kmh', 31.5, ''],
            ['density_pcu_km', 18, 'D'],
          ].map(([measure, value, los]) => ({
            camera_id: 'cam-a',
            issued_at: new Date(issued).toISOString().slice(0, 19).replace('T', ' '),
            horizon_min: m,
            target_start: new Date(issued + (m - 15) * 60_000).toISOString().slice(0, 19).replace('T', ' '),
            measure,
            value,
            low: Number(value) - 5,
            high: Number(value) + 5,
            profile: value,
            los,
            model: 'test',
          })),
        ),
      );
      await insertRows(h.ch.client, 'events', [
        eventRow('cam-a', DAY + 8 * 3600_000 + 120_000, 'jam_start', 'warning', 'e1', 'queue on lane-1'),
        eventRow(
          'cam-b',
          DAY + 17 * 3600_000,
          'stopped_vehicle',
          'critical',
          'e2',
          'stopped vehicle <b>not html</b>',
        ),
      ]);
      base = await h.app.listen({ port: 0, host: '127.0.0.1' });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await h?.close();
    });

    test('loads, draws the charts with data and the incidents table, prints; saves a screenshot', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const url = `${base}/report?corridor=cam-a,cam-b&from=${iso(DAY)}&to=${iso(DAY + 86_400_000)}&interval=60#key=${h.keys.transport}`;
      await page.goto(url);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 30_000 });
      // Browser-side code is passed as text: this project's TypeScript has no DOM types.
      expect(
        await page.evaluate('document.body.dataset.state'),
        (await page.textContent('#message')) ?? '',
      ).toBe('ready');
      expect(errors).toEqual([]);
      expect(page.url()).not.toContain('key='); // the key left the address bar

      // Each chart has its datasets, with data, and painted pixels.
      type ChartInfo = {
        id: string;
        labels: number;
        datasets: Array<{ label: string; values: number }>;
        painted: number;
      };
      const charts = (await page.evaluate(`['chart-volume', 'chart-speed', 'chart-los'].map((id) => {
      const canvas = document.getElementById(id);
      const chart = Chart.getChart(canvas);
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      return {
        id,
        labels: chart.data.labels.length,
        datasets: chart.data.datasets.map((d) => ({ label: d.label, values: d.data.filter((v) => v !== null && v > 0).length })),
        painted,
      };
    })`)) as ChartInfo[];
      const [volume, speed, los] = charts;
      expect(volume.labels).toBe(24);
      expect(volume.datasets.map((d: { label: string }) => d.label)).toEqual([
        'car',
        'motorcycle',
        'bus',
        'truck',
      ]);
      expect(volume.datasets[0].values).toBe(24);
      expect(speed.datasets.map((d: { label: string }) => d.label)).toEqual(['cam-a', 'cam-b']);
      expect(speed.datasets[0].values).toBe(24);
      expect(los.datasets[1].values).toBe(24);
      for (const c of charts) expect(c.painted, c.id).toBeGreaterThan(5000);

      const incidents = await page.$$eval('#incidents-table tr', (rows) => rows.map((r) => r.textContent));
      expect(incidents).toHaveLength(3); // header + 2
      expect(incidents[2]).toContain('stopped vehicle <b>not html</b>'); // text, not markup
      const summary = await page.$$eval('#summary-table td', (cells) => cells.map((c) => c.textContent));
      expect(summary.slice(0, 1)).toEqual(['cam-a']);
      expect(await page.textContent('#subtitle')).toContain('cam-a → cam-b');
      const forecast = await page.$$eval('#forecast-table tr', (rows) =>
        rows.map((r) => r.textContent ?? ''),
      );
      expect(forecast).toHaveLength(5); // header, cam-a at +15/+30/+60, cam-b's reason
      expect(forecast[1]).toContain('+15 min');
      expect(forecast[1]).toContain('55 (50–60)');
      expect(forecast[3]).toMatch(/\+60 min.*100 \(95–105\).*31\.5 \(26\.5–36\.5\)D$/);
      expect(forecast[4]).toMatch(/^cam-b.*forecasts need 14/);
      // No zone in the address: the API's (UTC in this harness), named in the footer and the form.
      expect(await page.textContent('footer')).toContain('Times in UTC.');
      expect(await page.inputValue('input[name="tz"]')).toBe('UTC');

      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'report-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
      const pdf = join(ARTIFACTS, 'report-page.pdf');
      await page.pdf({ path: pdf, format: 'A4', printBackground: true });
      expect(statSync(pdf).size).toBeGreaterThan(10_000);
      await page.close();
    });

    test('in a time zone: local times in the form, the charts and the tables; the footer names the zone', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const from = DAY - 7 * 3600_000; // midnight in Ho Chi Minh City
      await page.goto(
        `${base}/report?camera=cam-a&from=${iso(from)}&to=${iso(from + 86_400_000)}&interval=60&timeZone=Asia/Ho_Chi_Minh#key=${h.keys.transport}`,
      );
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 30_000 });
      expect(
        await page.evaluate('document.body.dataset.state'),
        (await page.textContent('#message')) ?? '',
      ).toBe('ready');
      expect(errors).toEqual([]);
      expect(await page.textContent('footer')).toContain('Times in Asia/Ho_Chi_Minh.');
      expect(await page.textContent('footer')).not.toContain('UTC');
      expect(await page.textContent('#subtitle')).toContain('Asia/Ho_Chi_Minh');
      const day = iso(DAY).slice(0, 10);
      expect(await page.inputValue('input[name="from"]')).toBe(`${day}T00:00`);
      expect(await page.inputValue('input[name="tz"]')).toBe('Asia/Ho_Chi_Minh');
      const labels = (await page.evaluate(
        "Chart.getChart(document.getElementById('chart-volume')).data.labels",
      )) as string[];
      expect(labels).toHaveLength(24);
      expect(labels[0]).toBe(`${day.slice(5)} 00:00`);
      // e1 at 08:02 UTC is 15:02 in Ho Chi Minh City.
      const incidents = await page.$$eval('#incidents-table tr', (rows) => rows.map((r) => r.textContent));
      expect(incidents[0]).toContain('time (Asia/Ho_Chi_Minh)');
      expect(incidents[1]).toContain(`${day} 15:02:00`);

      // Show again from the form: its from/to are read in the zone typed there.
      await page.fill('input[name="tz"]', 'Asia/Kolkata');
      await page.fill('input[name="from"]', `${day}T00:00`);
      await page.fill('input[name="to"]', `${day}T06:00`);
      await page.click('button[type="submit"]');
      await page.waitForFunction(
        "document.body.dataset.state === 'ready' && document.body.dataset.points === '6'",
        null,
        {
          timeout: 30_000,
        },
      );
      expect(await page.textContent('footer')).toContain('Times in Asia/Kolkata.');
      const address = new URL(page.url()).searchParams;
      expect(address.get('timeZone')).toBe('Asia/Kolkata');
      expect(address.get('from')).toBe(`${day}T00:00:00+05:30`);
      await page.close();
    });

    test('a wrong key shows the reason instead of charts', async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/report?camera=cam-a&from=${iso(DAY)}&to=${iso(DAY + 3600_000)}#key=cfk_bad`);
      await page.waitForSelector('body[data-state="error"]', { timeout: 30_000 });
      expect(await page.textContent('#message')).toMatch(/unknown or revoked API key/);
      await page.close();
    });
  },
);
