import { httpError } from '../plugins/errors.ts';

/** At most this many intervals per camera in one answer (31 days of 15 minutes is 2976). */
export const MAX_POINTS = 3000;

/**
 * Checks a validated from/to pair: `to` after `from`, and not more than MAX_POINTS intervals
 * apart. Errors name the field (`querystring.to: ...`).
 */
export function timeRange(q: { from: string; to: string }, intervalMinutes: number) {
  const fromMs = Date.parse(q.from);
  const toMs = Date.parse(q.to);
  if (!(toMs > fromMs)) throw httpError(400, `querystring.to: must be after from (${q.from})`);
  const points = (toMs - fromMs) / (intervalMinutes * 60_000);
  if (points > MAX_POINTS) {
    throw httpError(
      400,
      `querystring.to: range too long for ${intervalMinutes}-minute intervals (${Math.ceil(points)} > ${MAX_POINTS} per camera); use a longer interval or a shorter range`,
    );
  }
  return { fromMs, toMs };
}
