/** Network errors that mean the ClickHouse server cannot be reached now (down, restarting, cut off). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/**
 * Whether an error from @clickhouse/client says the server is unreachable, as opposed to refusing
 * the query (a bad row, a missing table): the first passes when the server is back, so work that
 * failed on it must wait, not use up its retries and be dropped.
 *
 * @example
 *   try { await insertRows(client, 'frames', rows); }
 *   catch (e) { if (storeUnreachable(e)) retryLater(); else throw e; }
 */
export function storeUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (/^Timeout error\b|socket hang up|does not answer/i.test(e.message)) return true;
  }
  return false;
}
