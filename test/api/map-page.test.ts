import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { type CityCamera, corridorOf, insertCity } from './city-fixture.ts';
import { type ApiHarness, startHarness } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'var', 'test-artifacts');
const LOS_FILL: Record<string, string> = {
  A: '#1a9850',
  B: '#91cf60',
  C: '#d9ef8b',
  D: '#fee08b',
  E: '#fc8d59',
  F: '#d73027',
};

type Marker = { cls: string; fill: string | null };

describe.skipIf(!existsSync(CHROMIUM))(
  'city map page in headless Chromium (needs Debian chromium: infra/setup.sh --test)',
  () => {
    let h: ApiHarness;
    let browser: Browser;
    let base: string;
    let city: CityCamera[];

    beforeAll(async () => {
      h = await startHarness(inject('redisUrl'), 'map-page');
      city = await insertCity(h.ch, 210);
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

    test('draws 200+ cameras coloured from their rows, offline ones grey, corridors; saves a screenshot', async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const tiles: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(base)) tiles.push(r.url());
      });
      await page.goto(`${base}/map#key=${h.keys.transport}`);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 30_000 });
      expect(
        await page.evaluate('document.body.dataset.state'),
        (await page.textContent('#message')) ?? '',
      ).toBe('ready');
      expect(errors).toEqual([]);
      expect(tiles).toEqual([]); // no tile URL configured: nothing fetched from outside
      expect(page.url()).not.toContain('key=');

      const markers = await page.$$eval('path.camera-marker', (paths) =>
        paths.map((p) => ({ cls: p.getAttribute('class') ?? '', fill: p.getAttribute('fill') })),
      );
      const located = city.filter((c) => c.location);
      expect(markers).toHaveLength(located.length);
      expect(located.length).toBeGreaterThanOrEqual(200);
      const of = (id: string) => markers.find((m) => m.cls.split(' ').includes(`camera-${id}`)) as Marker;
      for (const c of located) {
        const m = of(c.id);
        expect(m, c.id).toBeDefined();
        if (c.status === 'offline' || c.status === 'frozen') {
          expect(m.fill, c.id).toBe('#b8b8b8');
          expect(m.cls).toContain(`status-${c.status}`);
        } else if (c.status === 'idle') {
          expect(m.fill, c.id).toBe('#ffffff');
        } else {
          const los = c.los ?? 'F'; // congestion 'jam' stands in for a missing level
          expect(m.fill, c.id).toBe(LOS_FILL[los]);
          expect(m.cls).toContain(`los-${los}`);
        }
      }
      const legs = await page.$$eval('path.corridor-leg', (p) => p.length);
      const expectedLegs = Array.from({ length: 12 }, (_, k) => {
        const ids = city.flatMap((c, i) => (corridorOf(i)?.id === `corridor-${k}` ? [c] : []));
        return ids.slice(1).filter((c, j) => c.location && ids[j].location).length;
      }).reduce((a, b) => a + b, 0);
      expect(legs).toBe(expectedLegs);
      expect(await page.textContent('#counts')).toMatch(/^210 cameras: .* offline, .* frozen/);
      expect(await page.textContent('#counts')).toContain(
        `${city.length - located.length} without a location`,
      );

      // A click opens the camera's latest measures and a link to its report.
      const target = located.find((c) => c.status === 'online' && c.alerts > 0) as CityCamera;
      await page.click(`path.camera-${target.id}`);
      await page.waitForSelector('.leaflet-popup .popup');
      const text = (await page.textContent('.leaflet-popup .popup')) ?? '';
      expect(text).toContain(target.id);
      expect(text).toContain(`Level of service${target.los}`);
      expect(text).toContain(`Vehicles, last 15 min${target.volume}`);
      expect(text).toContain('Open alerts, last hour2 (worst: critical)');
      expect(await page.getAttribute('.leaflet-popup .popup a', 'href')).toMatch(
        new RegExp(`^/report\\?camera=${target.id}&from=`),
      );

      await page.waitForTimeout(400); // the popup's fade-in, for the screenshot
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'map-page.png');
      await page.screenshot({ path: shot });
      expect(statSync(shot).size).toBeGreaterThan(30_000);
      await page.close();
    });

    test('"next hour" colours cameras by their forecast', async () => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      await page.goto(`${base}/map?view=next#key=${h.keys.transport}`);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
      const markers = await page.$$eval('path.camera-marker', (paths) =>
        paths.map((p) => ({ cls: p.getAttribute('class') ?? '', fill: p.getAttribute('fill') })),
      );
      const withForecast = city.filter((c) => c.location && c.nextLos);
      expect(withForecast.length).toBeGreaterThan(40);
      for (const c of withForecast) {
        const m = markers.find((x) => x.cls.split(' ').includes(`camera-${c.id}`));
        expect(m?.fill, c.id).toBe(LOS_FILL[c.nextLos as string]);
        expect(m?.cls).toContain(`next-los-${c.nextLos}`);
      }
      const none = city.find((c) => c.location && !c.nextLos && c.status === 'online') as CityCamera;
      const m = markers.find((x) => x.cls.split(' ').includes(`camera-${none.id}`));
      expect(m?.cls).toContain('next-none');
      expect(await page.inputValue('select[name="view"]')).toBe('next');
      await page.close();
    });

    test('the district filter redraws only that district', async () => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      await page.goto(`${base}/map#key=${h.keys.operator}`);
      await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
      await page.selectOption('select[name="district"]', 'Binh Thanh');
      await page.click('button[type="submit"]');
      await page.waitForFunction(
        "document.body.dataset.state === 'ready' && location.search.includes('district=')",
        undefined,
        { timeout: 30_000 },
      );
      const want = city.filter((c) => c.district === 'Binh Thanh' && c.location).length;
      await page.waitForFunction(`document.querySelectorAll('path.camera-marker').length === ${want}`);
      expect(await page.$$eval('path.camera-marker', (p) => p.length)).toBe(want);
      await page.close();
    });

    test('a wrong key shows the reason', async () => {
      const page = await browser.newPage();
      await page.goto(`${base}/map#key=cfk_bad`);
      await page.waitForSelector('body[data-state="error"]', { timeout: 30_000 });
      expect(await page.textContent('#message')).toMatch(/unknown or revoked API key/);
      await page.close();
    });
  },
);
