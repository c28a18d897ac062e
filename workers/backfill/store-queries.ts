import type { ClickHouseClient } from '@clickhouse/client';

async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}) {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

/**
 * Row counts of every table in the store's database (not the migrations' own bookkeeping): what a
 * backfill added is the difference before and after, whatever tables the schema holds by then.
 */
export async function tableRowCounts(client: ClickHouseClient): Promise<Record<string, number>> {
  const tables = await rows<{ name: string }>(
    client,
    `SELECT name FROM system.tables
     WHERE database = currentDatabase() AND engine LIKE '%MergeTree%' AND name != 'schema_migrations'
     ORDER BY name`,
  );
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    const [r] = await rows<{ n: string }>(client, `SELECT count() AS n FROM \`${name}\``);
    out[name] = Number(r?.n ?? 0);
  }
  return out;
}

/**
 * The id under which this recording is already stored, if it is: a file's source id is
 * `<camera>/<name>@<content hash>`, so a renamed or moved copy of a stored recording has a new id
 * but the same camera and hash. Returns the stored id (the first, by name) when one matches, else
 * `sourceId` itself; processing then goes on under the stored id, and the ledger skips what it has.
 *
 * @example
 *   await knownSourceId(client, 'cam-7/copy-of-0800.mp4@3f9a1c2b7d'); // 'cam-7/0800.mp4@3f9a1c2b7d'
 */
export async function knownSourceId(client: ClickHouseClient, sourceId: string): Promise<string> {
  const at = sourceId.lastIndexOf('@');
  const slash = sourceId.indexOf('/');
  if (at < 0 || slash < 0) return sourceId;
  const [known] = await rows<{ source_id: string }>(
    client,
    `SELECT source_id FROM segments
     WHERE startsWith(source_id, {camera:String}) AND endsWith(source_id, {hash:String})
     GROUP BY source_id ORDER BY source_id LIMIT 1`,
    { camera: sourceId.slice(0, slash + 1), hash: sourceId.slice(at) },
  );
  return known?.source_id ?? sourceId;
}

/** The segment indexes of a source in the `segments` ledger (complete, stored segments). */
export async function storedSegments(client: ClickHouseClient, sourceId: string): Promise<number[]> {
  const r = await rows<{ segment: number }>(
    client,
    'SELECT DISTINCT segment FROM segments WHERE source_id = {s:String} ORDER BY segment',
    { s: sourceId },
  );
  return r.map((x) => Number(x.segment));
}

/**
 * Whether the ledger already holds every segment of a file: segments 0 … the window of its last
 * frame, which lies before the container's end. Conservative: a file whose last window cannot be
 * told (no duration) counts as unfinished and is processed again, which stores nothing twice.
 */
export function ledgerComplete(stored: number[], durationMs: number, segmentMs: number): boolean {
  if (!(durationMs > 0)) return false;
  const last = Math.floor((durationMs - 1) / segmentMs);
  const have = new Set(stored);
  for (let i = 0; i <= last; i++) if (!have.has(i)) return false;
  return true;
}

/** What the store holds for some sources: objects by class, tracked objects, events. */
export async function sourceTotals(client: ClickHouseClient, sourceIds: string[]) {
  const ids = { ids: sourceIds };
  const byClass = await rows<{ class: string; n: string }>(
    client,
    'SELECT class, count() AS n FROM detections WHERE source_id IN {ids:Array(String)} GROUP BY class ORDER BY n DESC',
    ids,
  );
  const [tracked] = await rows<{ n: string }>(
    client,
    'SELECT uniqExact(source_id, track_id) AS n FROM detections WHERE source_id IN {ids:Array(String)} AND track_id > 0',
    ids,
  );
  const hasEvents = (
    await rows<{ n: string }>(
      client,
      "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'events'",
    )
  )[0];
  const events =
    Number(hasEvents?.n ?? 0) > 0
      ? Number(
          (
            await rows<{ n: string }>(
              client,
              'SELECT count() AS n FROM events FINAL WHERE source_id IN {ids:Array(String)}',
              ids,
            )
          )[0]?.n ?? 0,
        )
      : 0;
  return {
    objectsByClass: Object.fromEntries(byClass.map((r) => [r.class, Number(r.n)])),
    trackedObjects: Number(tracked?.n ?? 0),
    events,
  };
}
