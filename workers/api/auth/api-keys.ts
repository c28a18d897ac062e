import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `plates`: the one role that sees raw licence plates (plate reads, the watch list); every request
 * it makes is written to the `plate_audit` table. Other roles see plates masked, or only their hash.
 */
export const ROLES = ['analyst', 'transport', 'operator', 'plates', 'admin'] as const;
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

/** The key file cannot be read as a list of keys. */
export class ApiKeyFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(
      `${file}: not a valid API key file (${reason}); fix or remove it, then create keys with \`cityflow keys create\``,
    );
    this.name = 'ApiKeyFileError';
  }
}

/** The keys in a key file's text, or the reason they are not. */
function parseKeys(file: string, text: string): StoredKey[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ApiKeyFileError(file, (e as Error).message);
  }
  if (!Array.isArray(data)) throw new ApiKeyFileError(file, 'expected a JSON array of keys');
  for (const [i, k] of data.entries()) {
    const ok =
      k &&
      typeof k.id === 'string' &&
      typeof k.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(k.sha256) &&
      (ROLES as readonly string[]).includes(k.role);
    if (!ok) throw new ApiKeyFileError(file, `entry ${i} lacks a valid id, role or sha256`);
  }
  return data as StoredKey[];
}

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

  /**
   * The keys in the file (re-read when it changes). A file that cannot be read as keys throws an
   * ApiKeyFileError, unless keys were read from it before: a server then keeps its last good keys
   * (and `lastError` says why the file was not taken) rather than refusing every request.
   */
  list(): StoredKey[] {
    if (!existsSync(this.file)) return [];
    const mtimeMs = statSync(this.file).mtimeMs;
    if (this.cache?.mtimeMs !== mtimeMs) {
      try {
        this.cache = { mtimeMs, keys: parseKeys(this.file, readFileSync(this.file, 'utf8')) };
        this.lastError = null;
      } catch (e) {
        if (!this.cache) throw e;
        this.cache = { mtimeMs, keys: this.cache.keys };
        this.lastError = e as ApiKeyFileError;
      }
    }
    return this.cache.keys;
  }

  /** Why the key file was last not taken (its last good keys stay in use); null when it was. */
  lastError: ApiKeyFileError | null = null;

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
