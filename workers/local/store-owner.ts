import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { runSql, type SqlResult } from '../../pipeline/store/run-sql.ts';

/**
 * The embedded ClickHouse can be opened by one process only. The process that owns it (a running
 * pipeline) serves SQL to other local processes (`cityflow query`) on a loopback port; the port and
 * a random token are in `<dataDir>/run/store-owner.json` (mode 0600), so only this user can use it.
 */
interface OwnerFile {
  pid: number;
  port: number;
  token: string;
}

const ownerFile = (dataDir: string) => join(dataDir, 'run', 'store-owner.json');

export async function serveStore(
  client: ClickHouseClient,
  dataDir: string,
): Promise<{ close(): Promise<void> }> {
  const token = randomBytes(16).toString('hex');
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/query' || req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      try {
        const { sql } = JSON.parse(body) as { sql: string };
        const result = await runSql(client, sql);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      } catch (e) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: (e as Error).message }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const file = ownerFile(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ pid: process.pid, port, token } satisfies OwnerFile), { mode: 0o600 });
  const cleanup = () => rmSync(file, { force: true });
  process.once('exit', cleanup);
  return {
    close: async () => {
      cleanup();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Runs SQL through the owning process when one is alive; null when none is. */
export async function queryThroughOwner(dataDir: string, sql: string): Promise<SqlResult | null> {
  const file = ownerFile(dataDir);
  if (!existsSync(file)) return null;
  const owner = JSON.parse(readFileSync(file, 'utf8')) as OwnerFile;
  try {
    process.kill(owner.pid, 0);
  } catch {
    rmSync(file, { force: true }); // stale: its process is gone
    return null;
  }
  const res = await fetch(`http://127.0.0.1:${owner.port}/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql }),
  });
  const body = (await res.json()) as SqlResult & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `store owner answered ${res.status}`);
  return body;
}
