import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const ROLES = ['analyst', 'transport', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** One key as stored: never the secret, only its SHA-256. */
export interface StoredKey {
  id: string;
  name: string;
  role: Role;
  /** hex SHA-256 of the secret part of the key. */
  sha256: string;
  createdAt: string;
  revokedAt?: string;
}

/** A key as presented: `cfk_<id>_<secret>`, where secret is 32 random bytes (base64url). */
const KEY_FORMAT = /^cfk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * API keys in a JSON file (mode 0600) under the data directory. The secret is shown once, at
 * creation; the file holds its SHA-256 (a 256-bit random secret needs no slow hash: it cannot be
 * guessed, only stolen, and the file does not hold it). Revoked keys stay listed with their date.
 * The file is re-read when it changes, so `cityflow keys revoke` takes effect on a running server.
 *
 * @example
 *   const keys = new ApiKeyStore('var/api-keys.json');
 *   const { key } = keys.create('transport', 'traffic dept');   // give `key` to the user
 *   keys.verify(key)?.role === 'transport';
 */
export class ApiKeyStore {
  private cache: { mtimeMs: number; keys: StoredKey[] } | null = null;

  constructor(readonly file: string) {}

  list(): StoredKey[] {
    if (!existsSync(this.file)) return [];
    const mtimeMs = statSync(this.file).mtimeMs;
    if (this.cache?.mtimeMs !== mtimeMs) {
      this.cache = { mtimeMs, keys: JSON.parse(readFileSync(this.file, 'utf8')) as StoredKey[] };
    }
    return this.cache.keys;
  }

  create(role: Role, name = ''): { key: string; record: StoredKey } {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new Error(`role: unknown role "${role}"; choose from ${ROLES.join(', ')}`);
    }
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record: StoredKey = { id, name, role, sha256: hash(secret), createdAt: new Date().toISOString() };
    this.save([...this.list(), record]);
    return { key: `cfk_${id}_${secret}`, record };
  }

  revoke(id: string): StoredKey {
    const keys = this.list();
    const k = keys.find((x) => x.id === id);
    if (!k) throw new Error(`no API key with id "${id}" (see: cityflow keys list)`);
    if (!k.revokedAt) k.revokedAt = new Date().toISOString();
    this.save(keys);
    return k;
  }

  /** The key's record when it is valid and not revoked; null otherwise. */
  verify(presented: string): StoredKey | null {
    const m = KEY_FORMAT.exec(presented);
    if (!m) return null;
    const k = this.list().find((x) => x.id === m[1]);
    if (!k || k.revokedAt) return null;
    const a = Buffer.from(hash(m[2]), 'hex');
    const b = Buffer.from(k.sha256, 'hex');
    return a.length === b.length && timingSafeEqual(a, b) ? k : null;
  }

  private save(keys: StoredKey[]): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file); // atomic: a running server never reads half a file
    this.cache = null;
  }
}
