import type { CitySummary } from '../../../schemas/api/reports.ts';
import type { ApiStore } from '../store.ts';
import { isoOf } from './time.ts';

/**
 * The city-wide summary: every camera's totals over a range, from the 15-minute measures (volume
 * over lines, else zones, as in the congestion report), with its incidents. Sorted by volume.
 */
export async function citySummary(store: ApiStore, fromMs: number, toMs: number): Promise<CitySummary> {
  const params = { from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000) };
  const [rows, events] = await Promise.all([
    store.query<Record<string, string | number | null>>(SUMMARY_SQL, params),
    store.query<{ camera_id: string; n: string | number }>(
      `SELECT camera_id, count() AS n FROM events FINAL
       WHERE ts >= toDateTime64({from:UInt32}, 3, 'UTC') AND ts < toDateTime64({to:UInt32}, 3, 'UTC')
       GROUP BY camera_id`,
      params,
    ),
  ]);
  const incidents = new Map(events.map((e) => [e.camera_id, Number(e.n)]));
  const num = (v: unknown, d = 1) =>
    v === null || v === undefined || !Number.isFinite(Number(v))
      ? null
      : Math.round(Number(v) * 10 ** d) / 10 ** d;
  return {
    from: isoOf(fromMs),
    to: isoOf(toMs),
    cameras: rows.map((r) => ({
      cameraId: String(r.camera_id),
      volume: Number(r.volume),
      pcu: num(r.pcu, 1) ?? 0,
      speedMeanKmh: num(r.speed_mean),
      congestedShare: num(r.congested_share, 3),
      worstLos: (r.worst_los as string) || null,
      coveredIntervals: Number(r.covered),
      incidents: incidents.get(String(r.camera_id)) ?? 0,
    })),
  };
}

const SUMMARY_SQL = `
SELECT
  camera_id,
  sum(volume) AS volume,
  sum(pcu) AS pcu,
  sum(speed_sum) / nullIf(sum(speed_n), 0) AS speed_mean,
  countIf(los IN ('E', 'F')) / nullIf(countIf(los != ''), 0) AS congested_share,
  max(los) AS worst_los,
  countIf(frames > 0) AS covered
FROM (
  SELECT
    camera_id,
    start,
    countIf(site_kind = 'line') > 0 AS has_lines,
    max(frames) AS frames,
    if(has_lines, sumIf(volume, site_kind = 'line'), sumIf(volume, site_kind = 'zone')) AS volume,
    if(has_lines, sumIf(pcu, site_kind = 'line'), sumIf(pcu, site_kind = 'zone')) AS pcu,
    if(has_lines,
       sumIf(speed_mean_kmh * speed_samples, site_kind = 'line' AND speed_mean_kmh IS NOT NULL),
       sumIf(speed_mean_kmh * speed_samples, site_kind = 'zone' AND speed_mean_kmh IS NOT NULL)) AS speed_sum,
    if(has_lines,
       sumIf(speed_samples, site_kind = 'line' AND speed_mean_kmh IS NOT NULL),
       sumIf(speed_samples, site_kind = 'zone' AND speed_mean_kmh IS NOT NULL)) AS speed_n,
    maxIf(toString(los), site_kind = 'zone') AS los
  FROM traffic_measures FINAL
  WHERE interval_s = 900
    AND start >= toDateTime({from:UInt32}, 'UTC') AND start < toDateTime({to:UInt32}, 'UTC')
  GROUP BY camera_id, start
)
GROUP BY camera_id
ORDER BY volume DESC, camera_id`;
