import { clusterDdl } from '../../pipeline/store/cluster-ddl.ts';
import { loadMigrations } from '../../pipeline/store/migrations.ts';
import { openStore } from '../open-store.ts';
import { configFrom } from './common.ts';

/**
 * `cityflow migrate`: applies pending migrations to the configured store. With `--cluster <name>`
 * it applies nothing and prints the same migrations as cluster DDL (pipeline/store/cluster-ddl.ts),
 * for `clickhouse-client --multiquery` against any node of that cluster.
 */
export async function migrateCommand(opts: { config?: string; dataDir?: string; cluster?: string }) {
  if (opts.cluster) {
    const ddl = clusterDdl(loadMigrations(), opts.cluster);
    const shard = ddl.perShard.map((s) => s.replace(/^/gm, '-- ')).join(';\n\n');
    process.stdout.write(`${ddl.statements.join(';\n\n')};\n`);
    if (shard) {
      process.stdout.write(
        `\n-- Rollups of data stored before these views existed: run on every shard, if there was any.\n${shard};\n`,
      );
    }
    return;
  }
  const cfg = configFrom(opts);
  const store = await openStore(cfg);
  await store.close();
  process.stdout.write(store.applied.length ? `applied: ${store.applied.join(', ')}\n` : 'up to date\n');
}
