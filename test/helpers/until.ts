/**
 * Polls `get` until it returns a truthy value (returned), or throws after `ms` naming `what`.
 *
 * @example
 *   const status = await until('the camera online', async () => (await hash()).status === 'online' && hash, 10_000);
 */
export async function until<T>(
  what: string,
  get: () => Promise<T | null | undefined | false>,
  ms: number,
  everyMs = 100,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
