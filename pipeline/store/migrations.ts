import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows } from './insert-rows.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../schemas/clickhouse/migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** Reads `NNNN_name.sql` files in version order. Statements are separated by `;` at a line end. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      const statements = sql
        .replace(/^\s*--.*$/gm, '')
        .split(/;\s*$/m)
        .map((s) => s.trim())
        .filter(Boolean);
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
        statements,
      };
    });
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, and records each.
 * A recorded migration whose file changed since is an error: migrations are append-only.
 * Returns the names of those applied now.
 */
export async function applyMigrations(client: ClickHouseClient, dir = MIGRATIONS_DIR): Promise<string[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = MergeTree ORDER BY version`,
  });
  const rs = await client.query({
    query: 'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    format: 'JSONEachRow',
  });
  const applied = new Map(
    (await rs.json<{ version: number; checksum: string }>()).map((r) => [r.version, r]),
  );
  const done: string[] = [];
  for (const m of loadMigrations(dir)) {
    const prior = applied.get(m.version);
    if (prior) {
      if (prior.checksum !== m.checksum) {
        throw new Error(`migration ${m.name} was changed after it was applied; add a new migration instead`);
      }
      continue;
    }
    for (const statement of m.statements) await client.command({ query: statement });
    await insertRows(client, 'schema_migrations', [
      { version: m.version, name: m.name, checksum: m.checksum },
    ]);
    done.push(m.name);
  }
  return done;
}
