import { chmodSync, mkdirSync } from 'node:fs';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { markEmbedded } from './insert-rows.ts';

export interface ClickHouseOptions {
  /** A ClickHouse server (>= 24.8), e.g. http://user:pass@host:8123/db. Wins over `path`. */
  url?: string;
  /** Data directory of the embedded engine (chDB) for local mode. */
  path?: string;
}

/**
 * Settings sent with every query. async_insert is on by default in the engine chDB embeds (and on
 * some servers); then an INSERT fails whenever this process's stdin carries data ("Processing async
 * inserts with both inlined and external data ... is not supported", e.g. `echo | cityflow demo`),
 * and deduplication tokens depend on async_insert_deduplicate. Inserts here are already batched per
 * segment, so they are made synchronous, with the token semantics SegmentWriter relies on.
 */
const SETTINGS = { async_insert: 0 } as const;

export interface ClickHouseHandle {
  client: ClickHouseClient;
  /** 'server' when talking to CLICKHOUSE_URL, 'embedded' for chDB. */
  mode: 'server' | 'embedded';
  /** Where the data is, for people: the URL without credentials, or the directory. */
  where: string;
  close(): Promise<void>;
}

/**
 * Opens ClickHouse through @clickhouse/client: a real server when a URL is given, otherwise the
 * embedded engine (chDB) on a data directory, plugged into the same client so that every query in
 * the project is written once.
 *
 * chDB allows one data directory per process and one process per directory (a file lock): in a
 * local deployment exactly one process (the store owner) calls this; others go through it.
 */
export async function openClickHouse(opts: ClickHouseOptions): Promise<ClickHouseHandle> {
  if (opts.url) {
    const client = createClient({
      url: opts.url,
      request_timeout: 60_000,
      clickhouse_settings: SETTINGS,
      // Errors reach the caller, which logs them once with context; the client's own log would print
      // every failed request of an outage again.
      log: { level: ClickHouseLogLevel.OFF },
    });
    const where = redact(opts.url);
    const ping = await client.ping();
    if (!ping.success) throw new Error(`ClickHouse at ${where} does not answer: ${ping.error.message}`);
    return { client, mode: 'server', where, close: () => client.close() };
  }
  if (!opts.path) throw new Error('openClickHouse: give a server url or an embedded data path');
  mkdirSync(opts.path, { recursive: true });
  // The store's files bypass the API's roles: readable by this user only, whatever the umask.
  chmodSync(opts.path, 0o700);
  // Loaded lazily: the engine is a 500 MB native library that server deployments never need.
  const { createChdbConnection } = await import('chdb/connection');
  let connection: ReturnType<typeof createChdbConnection>;
  try {
    connection = createChdbConnection({ path: opts.path });
  } catch (e) {
    const msg = (e as Error).message;
    if (/lock/i.test(msg)) {
      throw new Error(
        `the embedded ClickHouse at ${opts.path} is owned by another process (${msg}); ` +
          'stop that process or query through it (cityflow query)',
      );
    }
    throw e;
  }
  const client = createClient({ connection, clickhouse_settings: SETTINGS } as Parameters<
    typeof createClient
  >[0]);
  markEmbedded(client); // inserts must not let the engine read this process's stdin (insert-rows.ts)
  return { client, mode: 'embedded', where: opts.path, close: () => client.close() };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
