import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The secret behind plate hashes. `CITYFLOW_PLATE_KEY` (at least 16 characters) when set: every
 * host of a deployment must share it, or the same plate hashes differently on each. Otherwise a
 * local deployment's key in `<dataDir>/plate-hash.key`, made once (32 random bytes, mode 0600).
 */
export function plateHashKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CITYFLOW_PLATE_KEY;
  if (fromEnv !== undefined) {
    if (fromEnv.length < 16) throw new Error('CITYFLOW_PLATE_KEY: must be at least 16 characters');
    return fromEnv;
  }
  const file = join(dataDir, 'plate-hash.key');
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}
