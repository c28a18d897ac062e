import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ForecastRefresher } from '../../workers/forecast/forecast-refresher.ts';
import { openStore } from '../../workers/open-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-refresher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOS = [7, 11, 16, 22, 28];

test('a refresh on an empty store forecasts nothing and writes nothing; a failed one does not throw', async () => {
  const store = await openStore({ dataDir: dir });
  const refresher = new ForecastRefresher(store.client, { losDensity: LOS });
  await refresher.refresh();
  const rs = await store.client.query({ query: 'SELECT count() AS n FROM forecasts', format: 'JSONEachRow' });
  expect(await rs.json()).toEqual([{ n: 0 }]);
  await store.close();
  // The store is gone: the refresh logs and returns (the next one, 15 minutes on, tries again).
  await expect(refresher.refresh()).resolves.toBeUndefined();
});

test('the timer starts and stops; a delay past the 15-minute step is refused', async () => {
  const store = await openStore({ dataDir: dir });
  try {
    const refresher = new ForecastRefresher(store.client, { losDensity: LOS, delayMs: 0 }).start();
    await refresher.stop();
    expect(() => new ForecastRefresher(store.client, { losDensity: LOS, delayMs: 900_000 })).toThrow(
      /delayMs/,
    );
  } finally {
    await store.close();
  }
});
