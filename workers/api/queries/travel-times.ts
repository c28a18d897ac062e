import type { OdMatrix, TravelTimes } from '../../../schemas/api/travel.ts';
import type { ApiStore } from '../store.ts';
import { isoOf } from './time.ts';
import { isoIn, localIntervalStartSql, UTC } from './zone-time.ts';

/**
 * One sighting per vehicle and camera (from the plate_sightings view: no plate text): a track's plate reads (one per segment it spans) collapse to
 * their first time; only the keyed hash is used, never the raw plate.
 */
const SIGHTINGS = (camera: string) => `
  SELECT plate_hash, min(ts) AS seen FROM plate_sightings
  WHERE camera_id = {${camera}:String}
    AND ts >= toDateTime64({from:Int64} / 1000, 3, 'UTC') - INTERVAL {window:UInt32} SECOND
    AND ts <  toDateTime64({to:Int64} / 1000, 3, 'UTC') + INTERVAL {window:UInt32} SECOND
  GROUP BY plate_hash, source_id, track_id`;

/**
 * Travel times from one camera to another, per interval of departure: each vehicle seen at `from`
 * is matched to its next sighting at `to` (ASOF JOIN on the plate hash: the first later sighting)
 * within `maxMinutes`; per interval, the matched vehicles, the median and the 85th percentile of
 * their travel times in seconds (exact, interpolated between the two nearest: PERCENTILE.INC).
 * With a time zone (the congestion report's), intervals follow its local grid and times carry its
 * offset, so that they line up with the report's rows.
 *
 *   cam A ──(plate_hash, t_a)──▶ first (plate_hash, t_b > t_a) at cam B ──▶ t_b − t_a ≤ max
 */
export async function travelTimes(
  store: ApiStore,
  q: {
    fromCamera: string;
    toCamera: string;
    fromMs: number;
    toMs: number;
    intervalMinutes: number;
    maxMinutes: number;
    timeZone?: string;
  },
): Promise<TravelTimes> {
  const timeZone = q.timeZone ?? UTC;
  const rows = await store.query<{
    start: string | number;
    matched: string | number;
    p50: number;
    p85: number;
  }>(
    `SELECT ${localIntervalStartSql('departed')} AS start,
            count() AS matched,
            quantileExactInclusive(0.5)(dt) AS p50,
            quantileExactInclusive(0.85)(dt) AS p85
     FROM (
       SELECT a.seen AS departed, dateDiff('millisecond', a.seen, b.seen) / 1000 AS dt
       FROM (${SIGHTINGS('a')}) AS a
       ASOF JOIN (${SIGHTINGS('b')}) AS b ON a.plate_hash = b.plate_hash AND b.seen > a.seen
     )
     WHERE departed >= toDateTime64({from:Int64} / 1000, 3, 'UTC') AND departed < toDateTime64({to:Int64} / 1000, 3, 'UTC')
       AND dt <= {window:UInt32}
     GROUP BY start ORDER BY start`,
    {
      a: q.fromCamera,
      b: q.toCamera,
      from: q.fromMs,
      to: q.toMs,
      step: q.intervalMinutes * 60,
      tz: timeZone,
      window: q.maxMinutes * 60,
    },
  );
  return {
    fromCamera: q.fromCamera,
    toCamera: q.toCamera,
    from: isoIn(q.fromMs, timeZone),
    to: isoIn(q.toMs, timeZone),
    intervalMinutes: q.intervalMinutes,
    maxMinutes: q.maxMinutes,
    intervals: rows.map((r) => ({
      start: isoIn(Number(r.start) * 1000, timeZone),
      matched: Number(r.matched),
      medianSeconds: Math.round(Number(r.p50) * 10) / 10,
      p85Seconds: Math.round(Number(r.p85) * 10) / 10,
    })),
  };
}

/**
 * Origin-destination matrix between cameras over a range: for each ordered pair (i, j), the vehicles
 * whose next sighting after camera i, within maxMinutes, was at camera j. One query over all
 * sightings: each sighting is paired with the same vehicle's next one (by time) at any camera.
 */
export async function odMatrix(
  store: ApiStore,
  q: { cameras: string[]; fromMs: number; toMs: number; maxMinutes: number },
): Promise<OdMatrix> {
  const rows = await store.query<{ origin: string; destination: string; n: string | number }>(
    `SELECT origin, destination, count() AS n FROM (
       SELECT camera_id AS origin,
              leadInFrame(camera_id) OVER w AS destination,
              leadInFrame(seen) OVER w AS next_seen, seen
       FROM (
         SELECT camera_id, plate_hash, min(ts) AS seen FROM plate_sightings
         WHERE camera_id IN {cameras:Array(String)}
           AND ts >= toDateTime64({from:Int64} / 1000, 3, 'UTC') AND ts < toDateTime64({to:Int64} / 1000, 3, 'UTC')
         GROUP BY camera_id, plate_hash, source_id, track_id
       )
       WINDOW w AS (PARTITION BY plate_hash ORDER BY seen ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)
     )
     WHERE destination != '' AND destination != origin AND dateDiff('second', seen, next_seen) <= {window:UInt32}
     GROUP BY origin, destination`,
    { cameras: q.cameras, from: q.fromMs, to: q.toMs, window: q.maxMinutes * 60 },
  );
  const index = new Map(q.cameras.map((c, i) => [c, i]));
  const counts = q.cameras.map(() => q.cameras.map(() => 0));
  for (const r of rows) {
    const i = index.get(r.origin);
    const j = index.get(r.destination);
    if (i !== undefined && j !== undefined) counts[i][j] = Number(r.n);
  }
  return { cameras: q.cameras, from: isoOf(q.fromMs), to: isoOf(q.toMs), maxMinutes: q.maxMinutes, counts };
}
