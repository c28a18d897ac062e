import { formatTable, runSql, type SqlResult } from '../../pipeline/store/run-sql.ts';
import { queryThroughOwner } from '../local/store-owner.ts';
import { openStore } from '../open-store.ts';
import { configFrom } from './common.ts';

/**
 * `cityflow query '<SQL>'`: against CLICKHOUSE_URL when set; else through the local process that owns
 * the embedded store when one runs; else by opening the embedded store itself.
 */
export async function queryCommand(sql: string, opts: { json?: boolean; config?: string; dataDir?: string }) {
  const cfg = configFrom(opts);
  let result: SqlResult | null = null;
  if (!cfg.clickhouseUrl) result = await queryThroughOwner(cfg.dataDir, sql);
  if (!result) {
    const store = await openStore(cfg);
    try {
      result = await runSql(store.client, sql);
    } finally {
      await store.close();
    }
  }
  process.stdout.write(opts.json ? `${JSON.stringify(result.rows)}\n` : `${formatTable(result)}\n`);
}
