import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';

const embeddedClients = new WeakSet<ClickHouseClient>();
const structures = new WeakMap<ClickHouseClient, Map<string, Map<string, string>>>();

/** Marks a client as talking to the embedded engine (done by openClickHouse). */
export function markEmbedded(client: ClickHouseClient): void {
  embeddedClients.add(client);
}

/**
 * Inserts rows (objects with the same keys) into a table.
 *
 * Server: the client's ordinary streamed JSONEachRow insert.
 * Embedded (chDB): `INSERT INTO t (cols) SELECT * FROM format(JSONEachRow, '<cols and types>', {data})`.
 * Why: chDB runs clickhouse-local, which reads the PROCESS's standard input as data for any INSERT that
 * carries a data section, whenever stdin is a pipe or a file: `echo x | cityflow ...`, a service whose
 * stdin is a file, or a sandbox whose /dev/null is one. The rows then fail to parse or, worse, get
 * inserted. INSERT ... SELECT has no data section, so nothing is read from stdin. The column types come
 * from system.columns, so values are parsed exactly as a direct insert would parse them, and the
 * deduplication token applies as to any insert.
 */
export async function insertRows(
  client: ClickHouseClient,
  table: string,
  rows: object[],
  settings: ClickHouseSettings = {},
): Promise<void> {
  if (rows.length === 0) return;
  if (!embeddedClients.has(client)) {
    await client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: settings });
    return;
  }
  const { query, params } = insertSelect(table, rows, await columnTypes(client, table));
  await client.command({ query, query_params: params, clickhouse_settings: settings });
}

/**
 * The stdin-safe INSERT of rows: `INSERT INTO t (cols) SELECT * FROM format(JSONEachRow, {structure},
 * {data})`, given the table's column types (name → type, from system.columns). Used here and by the
 * API when it writes through the store's owner.
 */
export function insertSelect(
  table: string,
  rows: object[],
  types: ReadonlyMap<string, string>,
): { query: string; params: { structure: string; data: string } } {
  const columns = Object.keys(rows[0]);
  const structure = columns
    .map((c) => {
      const type = types.get(c);
      if (!type) throw new Error(`insert into ${table}: no column ${c}`);
      return `${c} ${type}`;
    })
    .join(', ');
  return {
    query: `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM format(JSONEachRow, {structure:String}, {data:String})`,
    params: { structure, data: rows.map((r) => JSON.stringify(r)).join('\n') },
  };
}

async function columnTypes(client: ClickHouseClient, table: string): Promise<Map<string, string>> {
  let perClient = structures.get(client);
  if (!perClient) {
    perClient = new Map();
    structures.set(client, perClient);
  }
  const cached = perClient.get(table);
  if (cached) return cached;
  const rs = await client.query({
    query: 'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String}',
    query_params: { t: table },
    format: 'JSONEachRow',
  });
  const types = new Map((await rs.json<{ name: string; type: string }>()).map((r) => [r.name, r.type]));
  if (types.size === 0) throw new Error(`insert into ${table}: no such table`);
  perClient.set(table, types);
  return types;
}
