import { join } from 'node:path';
import { applyMigrations } from '../pipeline/store/migrations.ts';
import { type ClickHouseHandle, openClickHouse } from '../pipeline/store/open-clickhouse.ts';
import type { Config } from '../schemas/config.ts';

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
export async function openStore(cfg: Pick<Config, 'clickhouseUrl' | 'dataDir'>): Promise<OpenStore> {
  const ch = await openClickHouse(
    cfg.clickhouseUrl ? { url: cfg.clickhouseUrl } : { path: join(cfg.dataDir, 'clickhouse') },
  );
  try {
    return { ...ch, applied: await applyMigrations(ch.client) };
  } catch (e) {
    await ch.close();
    throw e;
  }
}
