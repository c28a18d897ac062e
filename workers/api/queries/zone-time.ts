import { isoOf } from './time.ts';

/**
 * Report times in a time zone (an IANA name, e.g. Asia/Kolkata). Storage and the SQL's filters stay
 * UTC; what changes is where interval boundaries fall (the zone's local clock: 09:00-10:00 in Kolkata
 * is 03:30-04:30 UTC) and how times are written (with the zone's offset).
 *
 * The boundaries are computed, in SQL and here alike, as `t - ((t + offset(t)) mod step)`: the
 * start of the local-grid interval holding instant t. ClickHouse's own
 * `toStartOfInterval(t, INTERVAL 60 MINUTE, tz)` is not usable for this: for minute and second
 * intervals it rounds on the UTC epoch whenever the zone's offset is a whole number of minutes
 * (08:30 in Kolkata, not 08:00); only `INTERVAL 1 HOUR` is local, and the report's steps are minutes.
 */

export const UTC = 'UTC';

// One formatter per zone (building one costs ~50 µs, formatting ~1 µs). Names are validated before
// they get here, but case variants of one name are distinct keys, hence the bound.
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 64;

/** The zone's offset from UTC at an instant, in seconds east of UTC, from the runtime's tz data. */
export function zoneOffsetS(timeZone: string, ms: number): number {
  if (timeZone === UTC) return 0;
  let f = formatters.get(timeZone);
  if (!f) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', timeZoneName: 'longOffset' });
    formatters.set(timeZone, f);
  }
  // "2026, GMT+05:30"; "GMT" alone for a zero offset; seconds for historic local mean times.
  const text = f.format(ms);
  const m = /GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(text);
  if (!m) throw new Error(`time zone ${timeZone}: unexpected offset text "${text}"`);
  if (!m[1]) return 0;
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === '-' ? -s : s;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * An instant as ISO 8601 in the zone, with its offset: `2026-11-02T08:15:00+07:00` (milliseconds
 * only when there are some). UTC keeps the API's usual form, `2026-11-02T01:15:00.000Z`.
 */
export function isoIn(ms: number, timeZone: string): string {
  return timeZone === UTC ? isoOf(ms) : isoAtOffset(ms, zoneOffsetS(timeZone, ms));
}

function isoAtOffset(ms: number, off: number): string {
  // An ISO 8601 offset has no seconds: a historic local mean time (before ~1970) is written in UTC.
  if (off % 60 !== 0) return isoOf(ms);
  const local = new Date(ms + off * 1000).toISOString(); // the local wall time, labelled Z
  const minutes = Math.abs(off) / 60;
  const zone = `${off < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  return `${local.slice(0, ms % 1000 === 0 ? 19 : 23)}${zone}`;
}

/** The start (UTC seconds) of the local-grid interval of `stepS` seconds that holds instant `tS`. */
export function localIntervalStart(tS: number, stepS: number, timeZone: string): number {
  const local = tS + zoneOffsetS(timeZone, tS * 1000);
  return tS - (((local % stepS) + stepS) % stepS);
}

/**
 * The same as SQL, for a DateTime or DateTime64 column, as UTC seconds; binds `{tz:String}` and
 * `{step:UInt32}`. Instants are after 1970 and offsets under 15 h, so the dividend is positive.
 */
export const localIntervalStartSql = (column: string) =>
  `(toUnixTimestamp(${column}) - ((toUnixTimestamp(${column}) + timeZoneOffset(toTimeZone(${column}, {tz:String}))) % {step:UInt32}))`;

/** One interval of a report's grid: UTC seconds, and both ends as written in the zone. */
export interface GridSlot {
  start: number;
  end: number;
  /** localIntervalStart of every instant in the slot: what the SQL groups it under. */
  key: number;
  startIso: string;
  endIso: string;
}

/**
 * The local-grid intervals from the one holding `fromS` up to `toS` (exclusive). An interval ends at
 * the next multiple of `stepS` on the local clock, or at a change of offset that is not a multiple
 * of the step (Lord Howe Island's 30-minute DST with hourly steps): there the offset in the
 * formula changes, so the instants after it belong to another key. Changes by a multiple of the step
 * (the usual hour of DST) fall on a boundary anyway: a fall-back day has 25 hourly rows, 01:00-04:00
 * then 01:00-05:00 in New York.
 */
export function localGrid(fromS: number, toS: number, stepS: number, timeZone: string): GridSlot[] {
  // One offset look-up per interval (the one at its end serves the next): a 31-day report at 15
  // minutes has ~3000 intervals.
  const offsetAt = (s: number) => zoneOffsetS(timeZone, s * 1000);
  const write = (s: number, offset: number) =>
    timeZone === UTC ? isoOf(s * 1000) : isoAtOffset(s * 1000, offset);
  // The first interval starts at fromS's key, or where the offset changed if that is later.
  let t = localIntervalStart(fromS, stepS, timeZone);
  let offset = offsetAt(t);
  if (offset !== offsetAt(fromS)) {
    t = offsetChange(t, fromS, offset, timeZone);
    offset = offsetAt(t);
  }
  let tIso = write(t, offset);
  const grid: GridSlot[] = [];
  while (t < toS) {
    const key = t - ((((t + offset) % stepS) + stepS) % stepS); // localIntervalStart, offset known
    let end = key + stepS;
    let endOffset = offsetAt(end);
    if (endOffset !== offset) {
      const change = offsetChange(t, end, offset, timeZone);
      if (change < end) {
        end = change;
        endOffset = offsetAt(end);
      }
    }
    const endIso = write(end, endOffset);
    grid.push({ start: t, end, key, startIso: tIso, endIso });
    t = end;
    offset = endOffset;
    tIso = endIso;
  }
  return grid;
}

/** The first second in (lo, hi] whose offset is not `offset` (there is one at hi): a bisection. */
function offsetChange(lo: number, hi: number, offset: number, timeZone: string): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetS(timeZone, mid * 1000) === offset) lo = mid;
    else hi = mid;
  }
  return hi;
}
