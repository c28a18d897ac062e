import type { Config } from '../../schemas/config.ts';
import { queryThroughOwner, serveStore } from '../local/store-owner.ts';
import { openStore } from '../open-store.ts';
import { type ApiStore, DirectStore, OwnerStore } from './store.ts';

/**
 * The store the API reads, by the same rule as `cityflow query`:
 *   1. CLICKHOUSE_URL / clickhouseUrl set: that server;
 *   2. a local process owns the embedded store (`cityflow run`): through it, over loopback;
 *   3. otherwise: the API opens the embedded store itself and becomes its owner, so that
 *      `cityflow query` works through it meanwhile (and a `run` started later is refused by the lock).
 */
export async function openApiStore(cfg: Config): Promise<ApiStore> {
  if (!cfg.clickhouseUrl && (await queryThroughOwner(cfg.dataDir, 'SELECT 1'))) {
    return new OwnerStore(cfg.dataDir);
  }
  const ch = await openStore(cfg);
  if (ch.mode === 'server') return new DirectStore(ch.client, 'server', () => ch.close());
  const owner = await serveStore(ch.client, cfg.dataDir);
  return new DirectStore(ch.client, 'embedded', async () => {
    await owner.close();
    await ch.close();
  });
}
