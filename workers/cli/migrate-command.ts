import { join } from 'node:path';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { configFrom } from './common.ts';

export async function migrateCommand(opts: { config?: string; dataDir?: string }) {
  const cfg = configFrom(opts);
  const ch = await openClickHouse({ url: cfg.clickhouseUrl, path: join(cfg.dataDir, 'clickhouse') });
  try {
    const applied = await applyMigrations(ch.client);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
  } finally {
    await ch.close();
  }
}
