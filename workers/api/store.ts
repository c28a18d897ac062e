import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows, insertSelect } from '../../pipeline/store/insert-rows.ts';
import { queryThroughOwner } from '../local/store-owner.ts';

/** A bound query parameter: `{name:Type}` in the SQL, its value here. */
export type Param = string | number | boolean | readonly string[] | readonly number[];
export type Params = Record<string, Param>;

/**
 * What the API needs from ClickHouse: parameterised reads and row inserts. Values never enter the
 * SQL text as written by a caller; they are bound as `{name:Type}` parameters.
 *
 *   DirectStore ──▶ @clickhouse/client (a server, or the embedded engine this process opened)
 *   OwnerStore  ──▶ loopback HTTP ──▶ the process that owns the embedded store (`cityflow run`)
 */
export interface ApiStore {
  readonly mode: 'server' | 'embedded' | 'owner';
  query<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  insert(table: string, rows: object[]): Promise<void>;
  close(): Promise<void>;
}

/** What ClickHouse reports about one query (rows and bytes read, seconds). */
export interface QueryStatistics {
  elapsed: number;
  rows_read: number;
  bytes_read: number;
}

/** Through a client this process holds. */
export class DirectStore implements ApiStore {
  /** Called with each query's statistics (the benchmark counts rows scanned with it). */
  onStatistics?: (s: QueryStatistics) => void;

  constructor(
    readonly client: ClickHouseClient,
    readonly mode: 'server' | 'embedded',
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async query<T>(sql: string, params: Params = {}): Promise<T[]> {
    const rs = await this.client.query({ query: sql, query_params: params, format: 'JSON' });
    const body = await rs.json<T>();
    if (this.onStatistics && body.statistics) this.onStatistics(body.statistics);
    return body.data;
  }

  insert(table: string, rows: object[]): Promise<void> {
    return insertRows(this.client, table, rows);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

/**
 * Through the local process that owns the embedded store. Its protocol carries SQL text only, so
 * parameters are bound here as typed literals (`CAST('..' AS Type)`, quotes and backslashes escaped):
 * a value can never close its literal, so it stays data.
 */
export class OwnerStore implements ApiStore {
  readonly mode = 'owner' as const;
  constructor(private readonly dataDir: string) {}

  async query<T>(sql: string, params: Params = {}): Promise<T[]> {
    let result: Awaited<ReturnType<typeof queryThroughOwner>>;
    try {
      result = await queryThroughOwner(this.dataDir, bindLiterals(sql, params));
    } catch (e) {
      // The owner answers errors of the SQL with a message; a refused connection means it is gone.
      if (e instanceof TypeError)
        throw new StoreUnavailableError(`the store owner does not answer: ${e.message}`);
      throw e;
    }
    if (!result) throw new StoreUnavailableError('the process that owned the embedded store has stopped');
    return result.rows as T[];
  }

  async insert(table: string, rows: object[]): Promise<void> {
    if (!rows.length) return;
    // INSERT ... SELECT FROM format(): no data section, so the owner's engine never reads its stdin.
    const types = await this.query<{ name: string; type: string }>(
      'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String}',
      { t: table },
    );
    const { query, params } = insertSelect(table, rows, new Map(types.map((t) => [t.name, t.type])));
    await this.query(query, params);
  }

  async close(): Promise<void> {}
}

/** ClickHouse is not reachable (the owner stopped, or the server is down): 503, not 500. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** Replaces `{name:Type}` placeholders with `CAST(<literal> AS Type)`. */
export function bindLiterals(sql: string, params: Params): string {
  return sql.replace(/\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g, (_m, name: string, type: string) => {
    if (!(name in params)) throw new Error(`query parameter ${name} is not bound`);
    // String is the type of a quoted literal already (and table functions such as format() want one).
    return type.trim() === 'String' ? literal(params[name]) : `CAST(${literal(params[name])} AS ${type})`;
  });
}

function literal(v: Param): string {
  if (Array.isArray(v)) return `[${v.map((x) => literal(x as Param)).join(', ')}]`;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`query parameter is not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
