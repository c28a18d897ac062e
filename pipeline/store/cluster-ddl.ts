import type { Migration } from './migrations.ts';

/** The DDL of a sharded, replicated deployment, and what must run on each shard by hand. */
export interface ClusterDdl {
  /** Run once, against any node: each carries ON CLUSTER. */
  statements: string[];
  /** Backfills of rollups from data stored before (INSERT … SELECT): to run on every shard. */
  perShard: string[];
}

/**
 * The migrations rewritten for a ClickHouse cluster (`cityflow migrate --cluster <name>`), so a
 * sharded, replicated store is made from the same files as the embedded one:
 *
 *   CREATE TABLE t (…) ENGINE = XMergeTree(a)  ─▶  t_local ON CLUSTER: ReplicatedXMergeTree(
 *                                                     '/clickhouse/tables/{shard}/{database}/t_local',
 *                                                     '{replica}', a)
 *                                              ─▶  t ON CLUSTER: Distributed(cluster, db, t_local,
 *                                                     cityHash64(camera_id))
 *   ALTER TABLE t …                            ─▶  the same on t_local and on t
 *   CREATE MATERIALIZED VIEW v TO r AS … FROM t ─▶ on every shard, from t_local to r_local
 *   CREATE VIEW v AS …                         ─▶  ON CLUSTER, reading the Distributed tables
 *
 * Rows are sharded by camera, so one camera's rows, and the rollups its materialized views build,
 * live on one shard. Deduplication tokens work as on one server (replicated_deduplication_window).
 * A statement of a kind not listed here is an error: a new kind of migration needs a rule first.
 *
 * @example
 *   const { statements } = clusterDdl(loadMigrations(), 'city');
 *   // 'CREATE TABLE IF NOT EXISTS detections_local ON CLUSTER city (…) ENGINE = ReplicatedMergeTree(…)', …
 */
export function clusterDdl(migrations: readonly Migration[], cluster: string): ClusterDdl {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster))
    throw new Error(`cluster name "${cluster}": letters, digits, _ only`);
  const all = migrations.flatMap((m) => m.statements);
  const tables = all.flatMap((s) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(s)?.[1] ?? []);
  const out: ClusterDdl = { statements: [], perShard: [] };
  for (const s of all) {
    const table = /^CREATE TABLE IF NOT EXISTS (\w+)\s*\(/.exec(s);
    const alter = /^ALTER TABLE (\w+) ([\s\S]*)$/.exec(s);
    const mv = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) /.exec(s);
    const view = /^CREATE VIEW IF NOT EXISTS (\w+)/.exec(s);
    if (table) out.statements.push(...replicated(s, table[1], cluster));
    else if (alter) {
      out.statements.push(`ALTER TABLE ${alter[1]}_local ON CLUSTER ${cluster} ${alter[2]}`);
      out.statements.push(`ALTER TABLE ${alter[1]} ON CLUSTER ${cluster} ${alter[2]}`);
    } else if (mv) {
      const local = toLocal(s, tables);
      out.statements.push(local.replace(`${mv[1]} `, `${mv[1]} ON CLUSTER ${cluster} `));
    } else if (view) {
      out.statements.push(s.replace(view[0], `${view[0]} ON CLUSTER ${cluster}`));
    } else if (/^INSERT INTO \w+\s/.test(s)) {
      out.perShard.push(toLocal(s, tables));
    } else {
      throw new Error(`cluster DDL: no rule for the statement "${s.slice(0, 60)}…"`);
    }
  }
  return out;
}

/** A table as a replicated local table on every shard and a Distributed table over them. */
function replicated(statement: string, table: string, cluster: string): string[] {
  const engine = /ENGINE = (\w*)MergeTree(?:\(([^)]*)\))?/.exec(statement);
  if (!engine) throw new Error(`cluster DDL: table ${table} has no MergeTree engine`);
  const args = [`'/clickhouse/tables/{shard}/{database}/${table}_local'`, `'{replica}'`];
  if (engine[2]) args.push(engine[2]);
  const local = statement
    .replace(
      `CREATE TABLE IF NOT EXISTS ${table}`,
      `CREATE TABLE IF NOT EXISTS ${table}_local ON CLUSTER ${cluster}`,
    )
    .replace(engine[0], `ENGINE = Replicated${engine[1]}MergeTree(${args.join(', ')})`)
    .replace('non_replicated_deduplication_window', 'replicated_deduplication_window');
  const key = /^\s*camera_id\s/m.test(statement) ? 'cityHash64(camera_id)' : 'rand()';
  const distributed =
    `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${cluster} AS ${table}_local\n` +
    `ENGINE = Distributed(${cluster}, currentDatabase(), ${table}_local, ${key})`;
  return [local, distributed];
}

/**
 * The tables a statement reads or writes replaced by their shard-local tables: names after FROM,
 * JOIN, TO and INTO, and qualifiers (`traffic_measures.speed_samples`). Not every word: `frames`,
 * `segments`, `tracks` and `events` are column names too.
 */
function toLocal(statement: string, tables: readonly string[]): string {
  const local = (t: string) => (tables.includes(t) ? `${t}_local` : t);
  return statement
    .replace(
      /\b(FROM|JOIN|TO|INTO)(\s+)(\w+)\b/g,
      (_m, kw: string, sp: string, t: string) => `${kw}${sp}${local(t)}`,
    )
    .replace(/\b(\w+)\.(?=[a-z_])/g, (_m, t: string) => `${local(t)}.`);
}
