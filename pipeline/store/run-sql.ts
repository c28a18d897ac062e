import type { ClickHouseClient } from '@clickhouse/client';

export interface SqlResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

const READS = /^\s*(\(|SELECT|WITH|SHOW|DESC|DESCRIBE|EXPLAIN|EXISTS)\b/i;

/** Runs one SQL statement for a person at a prompt: rows and column order for reads, nothing for commands. */
export async function runSql(client: ClickHouseClient, sql: string): Promise<SqlResult> {
  const statement = sql.trim().replace(/;\s*$/, '');
  if (!READS.test(statement)) {
    await client.command({ query: statement });
    return { columns: [], rows: [] };
  }
  const rs = await client.query({ query: statement, format: 'JSON' });
  const body = await rs.json<Record<string, unknown>>();
  return { columns: body.meta?.map((m) => m.name) ?? [], rows: body.data };
}

/** Formats rows as an aligned text table. */
export function formatTable(r: SqlResult): string {
  if (!r.columns.length) return 'OK';
  const cells = r.rows.map((row) => r.columns.map((c) => fmt(row[c])));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(r.columns),
    line(widths.map((w) => '─'.repeat(w))),
    ...cells.map(line),
    `(${r.rows.length} rows)`,
  ].join('\n');
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
