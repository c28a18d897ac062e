import { basename } from 'node:path';

/** Where a recording's start time came from (for messages and the backfill report). */
export type StartTimeOrigin = 'explicit' | 'file name' | 'container';

export interface ResolvedStartTime {
  /** Wall time of the recording's first frame (PTS 0), epoch ms. */
  ms: number;
  origin: StartTimeOrigin;
}

/**
 * A date-time in a file name, as recorders (NVRs, dash cams, ffmpeg's segment muxer with strftime)
 * write it: `YYYYMMDD`, one of `T`, `_`, `-` or nothing, `HHMMSS`, optionally `Z`, not touching
 * other digits. Read as UTC (archives from a camera network are kept in UTC; a local-time archive
 * needs `--start`).
 *
 *   cam07_20260301T080000.mp4   → 2026-03-01T08:00:00Z
 *   20260301-080000Z_north.mkv  → 2026-03-01T08:00:00Z
 *   2026-03-01 08.00.mp4        → no match (say --start)
 */
const FILE_NAME_TIME = /(?<!\d)(\d{4})(\d{2})(\d{2})[T_-]?(\d{2})(\d{2})(\d{2})(?!\d)/;

/** The start time a file name carries (see FILE_NAME_TIME), or null when it carries none. */
export function startTimeFromFileName(path: string): number | null {
  const m = FILE_NAME_TIME.exec(basename(path));
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls over (month 13 → next year); a real date-time survives the round trip.
  const t = new Date(ms);
  const valid =
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s;
  return valid ? ms : null;
}

/** Parses an ISO 8601 date-time given on the command line; throws naming the option. */
export function parseIsoTime(value: string, what = '--start'): number {
  // Date.parse accepts loose forms ("March 1"); require the ISO shape so a typo is not a guess.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(value.trim())) {
    throw new Error(`${what}: "${value}" is not an ISO 8601 date-time (e.g. 2026-03-01T08:00:00Z)`);
  }
  const t = Date.parse(value.trim());
  if (Number.isNaN(t)) throw new Error(`${what}: "${value}" is not a valid date-time`);
  return t;
}

/**
 * The wall time of a recording's first frame, in this order:
 *
 *   1. `explicit`: given by the operator (`--start`), who knows best;
 *   2. the file name (FILE_NAME_TIME): written by the recorder when it opened the file;
 *   3. the container's creation time (MP4 `mvhd` creation_time, Matroska DateUTC, as GStreamer's
 *      `datetime` tag): often the encoder's clock, or a later re-mux, hence last.
 *
 * Returns null when none is known: the caller refuses the file with a message (guessing, e.g. from
 * the file's modification time, would put a whole archive at the wrong hour without a word).
 *
 * @example
 *   resolveStartTime({ path: '/archive/cam07_20260301T080000.mp4', containerCreatedAtMs: null });
 *   // { ms: 1772352000000, origin: 'file name' }
 */
export function resolveStartTime(o: {
  path: string;
  explicitMs?: number;
  containerCreatedAtMs: number | null;
}): ResolvedStartTime | null {
  if (o.explicitMs !== undefined) return { ms: o.explicitMs, origin: 'explicit' };
  const fromName = startTimeFromFileName(o.path);
  if (fromName !== null) return { ms: fromName, origin: 'file name' };
  if (o.containerCreatedAtMs) return { ms: o.containerCreatedAtMs, origin: 'container' };
  return null;
}
