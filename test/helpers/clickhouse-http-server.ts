import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'chdb';
import { insertSelect } from '../../pipeline/store/insert-rows.ts';

/**
 * The real ClickHouse engine (chDB) behind ClickHouse's HTTP interface, for tests of the server
 * path (`CLICKHOUSE_URL`): @clickhouse/client talks HTTP to it exactly as to a server. What it
 * speaks, as the server does:
 *   - `GET /ping` → `Ok.`
 *   - `POST /?query=<INSERT … FORMAT X>` with the rows as body (client.insert; JSONEachRow rows run
 *     as INSERT … SELECT, so chDB never reads this process's stdin, see JSON_INSERT)
 *   - `POST /` with the SQL as body (client.query / command / exec), `FORMAT` in the SQL
 *   - `param_<name>` URL parameters bound to `{name:Type}`; other parameters are settings
 *   - errors as HTTP 500 with `Code: N. DB::Exception: …` in the body
 * It can be stopped and started again on the same port and data folder: a server outage.
 *
 * @example
 *   const ch = await ClickHouseHttpServer.start(dir);
 *   process.env.CLICKHOUSE_URL = ch.url;
 *   await ch.stop(); await ch.restart();
 */
export class ClickHouseHttpServer {
  private server: Server | null = null;
  private session: Session | null = null;
  /** Requests answered, by kind: tests see the server was really used. */
  readonly requests = { query: 0, insert: 0 };

  private constructor(
    private readonly dataDir: string,
    private port: number,
  ) {}

  static async start(dataDir: string): Promise<ClickHouseHttpServer> {
    const s = new ClickHouseHttpServer(dataDir, 0);
    await s.restart();
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and data folder. */
  async restart(): Promise<void> {
    if (this.server) return;
    this.session = new Session(this.dataDir);
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => answer(res, 500, `Code: 1000. DB::Exception: ${e.message}`));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops answering (connections refused), as a server that went down. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    this.session?.close();
    this.session = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ping') return answer(res, 200, 'Ok.\n');
    let body = '';
    for await (const chunk of req) body += chunk;
    const params: Record<string, string> = {};
    const settings: string[] = [];
    let format = 'TabSeparated';
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) params[k.slice(6)] = v;
      else if (k === 'default_format') format = v;
      else if (!IGNORED.has(k)) settings.push(`SET ${k} = '${v.replace(/'/g, "''")}'`);
    }
    const query = url.searchParams.get('query');
    if (query) this.requests.insert++;
    else this.requests.query++;
    const session = this.session;
    if (!session) return answer(res, 503, 'Code: 210. DB::Exception: the server is stopping');
    let sql = query ? `${query}\n${body}` : body;
    const insert = query ? JSON_INSERT.exec(query) : null;
    if (insert) {
      const stdinSafe = await insertSelectOf(session, insert[1], body);
      if (!stdinSafe) return answer(res, 200, ''); // no rows: nothing to insert
      sql = stdinSafe.query;
      Object.assign(params, stdinSafe.params);
    }
    const full = [...SERVER_DEFAULTS, ...settings, sql].join('; ');
    try {
      const result = Object.keys(params).length
        ? await session.queryBindAsync(full, params, { format })
        : await session.queryAsync(full, { format });
      answer(res, 200, Buffer.from(result.bytes()), {
        'x-clickhouse-summary': JSON.stringify({ read_rows: String(result.rowsRead), written_rows: '0' }),
        'x-clickhouse-format': format,
      });
    } catch (e) {
      answer(res, 500, `Code: 1000. DB::Exception: ${(e as Error).message}`, {
        'x-clickhouse-exception-code': '1000',
      });
    }
  }
}

/**
 * The client's row insert: `INSERT INTO <table> [(<columns>)] FORMAT JSONEachRow`, rows in the body.
 * It runs as INSERT ... SELECT FROM format(...) (as the embedded store does, see insert-rows.ts):
 * chDB reads the process's stdin as more rows for an INSERT with a data section whenever stdin is a
 * file or pipe, which it is in a sandbox whose /dev/null is a plain file that other processes write.
 */
const JSON_INSERT = /^\s*INSERT\s+INTO\s+([\w.`"]+)\s*(?:\([^)]*\))?\s*FORMAT\s+JSONEachRow\s*$/i;

/** The stdin-safe INSERT of a JSONEachRow body into a table; null when the body holds no rows. */
async function insertSelectOf(session: Session, table: string, body: string) {
  const rows = body.split('\n').filter((l) => l.trim() !== '');
  if (rows.length === 0) return null;
  const types = await columnTypes(session, table);
  // A server skips unknown keys in JSONEachRow by default (input_format_skip_unknown_fields).
  const known = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => types.has(k)));
  return insertSelect(
    table,
    rows.map((l) => known(JSON.parse(l))),
    types,
  );
}

/** A table's column types (name → type), as insertSelect needs them. */
async function columnTypes(session: Session, table: string): Promise<Map<string, string>> {
  const parts = table.replace(/[`"]/g, '').split('.');
  const [db, name] = parts.length === 2 ? parts : [null, parts[0]];
  const result = await session.queryBindAsync(
    `SELECT name, type FROM system.columns WHERE database = ${db ? '{db:String}' : 'currentDatabase()'} AND table = {name:String}`,
    db ? { db, name } : { name },
    { format: 'JSONEachRow' },
  );
  const types = new Map<string, string>();
  for (const line of Buffer.from(result.bytes()).toString().split('\n').filter(Boolean)) {
    const c = JSON.parse(line) as { name: string; type: string };
    types.set(c.name, c.type);
  }
  return types;
}

/**
 * Where clickhouse-server's defaults differ from the embedded engine's (clickhouse-local): a server
 * quotes 64-bit integers in JSON formats, so clients must not rely on getting numbers.
 */
const SERVER_DEFAULTS = ['SET output_format_json_quote_64bit_integers = 1'];

/** URL parameters that are not engine settings, or that only the HTTP interface knows. */
const IGNORED = new Set([
  'query',
  'query_id',
  'database',
  'session_id',
  'session_timeout',
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'enable_http_compression',
  'http_headers_progress_interval_ms',
  'role',
]);

function answer(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', ...headers });
  res.end(body);
}
