import { join } from 'node:path';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { formatTable, runSql, type SqlResult } from '../../pipeline/store/run-sql.ts';
import { queryThroughOwner } from '../local/store-owner.ts';
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
    const ch = await openClickHouse({ url: cfg.clickhouseUrl, path: join(cfg.dataDir, 'clickhouse') });
    try {
      await applyMigrations(ch.client);
      result = await runSql(ch.client, sql);
    } finally {
      await ch.close();
    }
  }
  process.stdout.write(opts.json ? `${JSON.stringify(result.rows)}\n` : `${formatTable(result)}\n`);
}
