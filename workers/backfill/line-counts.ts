import type { ClickHouseClient } from '@clickhouse/client';

/** Crossings of one counting line, in one direction, by one class. */
export interface LineCount {
  camera: string;
  line: string;
  direction: string;
  class: string;
  count: number;
}

/** The crossings of the cameras' counting lines in these sources, per line, direction and class. */
export async function lineCountsOf(
  client: ClickHouseClient,
  sourceIds: readonly string[],
): Promise<LineCount[]> {
  if (!sourceIds.length) return [];
  const rs = await client.query({
    query: `SELECT camera_id AS camera, line_id AS line, direction, class, count() AS n FROM line_crossings
            WHERE source_id IN {ids:Array(String)}
            GROUP BY camera, line, direction, class ORDER BY camera, line, direction, n DESC, class`,
    query_params: { ids: sourceIds },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<Omit<LineCount, 'count'> & { n: string }>();
  return rows.map(({ n, ...c }) => ({ ...c, count: Number(n) }));
}

/**
 * One text line per counting line and direction, the first labelled, for a report:
 *
 *   line counts       demo / street negative: car 8
 *                     demo / street positive: car 3, motorcycle 2
 */
export function formatLineCounts(counts: readonly LineCount[], label = 'line counts'): string[] {
  const byLine = new Map<string, string[]>();
  for (const c of counts) {
    const k = `${c.camera} / ${c.line} ${c.direction}`;
    byLine.set(k, [...(byLine.get(k) ?? []), `${c.class} ${c.count}`]);
  }
  return [...byLine].map(([k, v], i) => `${(i === 0 ? `  ${label}` : '').padEnd(20)}${k}: ${v.join(', ')}`);
}
