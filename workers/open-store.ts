import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyMigrations } from '../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../pipeline/store/open-clickhouse.ts';
import { storeUnreachable } from '../pipeline/store/store-unreachable.ts';
import type { Config } from '../schemas/config.ts';
import type { Logger } from './logger.ts';
import { outageDelayMs } from './stages/stage.ts';

/** An open store, its schema up to date. */
export interface OpenStore extends ClickHouseHandle {
  /** Migrations this opening applied (none when the schema was current). */
  applied: string[];
}

/**
 * The one way cityflow opens its store, by the configuration: the ClickHouse server at
 * `clickhouseUrl` (CLICKHOUSE_URL) when set, else the embedded engine in `<dataDir>/clickhouse`,
 * of which this process then becomes the owner (one process per data folder; others query
 * through it: workers/local/store-owner.ts). Pending migrations are applied either way.
 *
 * @example
 *   const store = await openStore(config);
 *   await new SegmentWriter(store.client).write(job);
 *   await store.close();
 */
export async function openStore(
  cfg: Pick<Config, 'clickhouseUrl' | 'dataDir'> & Partial<Pick<Config, 'plateRetentionDays'>>,
): Promise<OpenStore> {
  const ch = await openClickHouse(
    cfg.clickhouseUrl ? { url: cfg.clickhouseUrl } : { path: join(cfg.dataDir, 'clickhouse') },
  );
  try {
    const applied = await applyMigrations(ch.client);
    if (cfg.plateRetentionDays !== undefined) await setPlateRetention(ch.client, cfg.plateRetentionDays);
    return { ...ch, applied };
  } catch (e) {
    await ch.close();
    throw e;
  }
}

/**
 * openStore for a long-running worker: a ClickHouse server that does not answer yet (restarting,
 * or started after the workers) is waited for, 1 s doubling to 30 s between tries as the store
 * stage waits in an outage, with one warning and one line when it answers. A worker restarted
 * during a store outage would otherwise exit and leave its queue to nobody. Anything else (a
 * refused login, a failed migration) still fails at once.
 */
export async function openStoreWhenReachable(
  cfg: Parameters<typeof openStore>[0],
  log: Logger,
): Promise<OpenStore> {
  for (let failures = 0; ; ) {
    try {
      const store = await openStore(cfg);
      if (failures) log.warn({ store: store.where }, 'ClickHouse answers; the store opened');
      return store;
    } catch (e) {
      if (!storeUnreachable(e)) throw e;
      if (!failures) log.warn({ err: (e as Error).message }, 'ClickHouse unreachable; waiting for it');
      await sleep(outageDelayMs(++failures));
    }
  }
}

/** Sets plate_reads' TTL to `days` when it differs (the migration's default is 30 days). */
export async function setPlateRetention(client: ClickHouseHandle['client'], days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 1)
    throw new RangeError(`plateRetentionDays must be an integer ≥ 1, got ${days}`);
  const rs = await client.query({
    query:
      "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'plate_reads'",
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ q: string }>();
  if (!row || row.q.includes(`toIntervalDay(${days})`) || row.q.includes(`INTERVAL ${days} DAY`)) return;
  await client.command({ query: `ALTER TABLE plate_reads MODIFY TTL toDateTime(ts) + INTERVAL ${days} DAY` });
}
