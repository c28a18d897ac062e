import { ApiKeyStore, ROLES, type Role } from '../api/auth/api-keys.ts';
import { configFrom } from './common.ts';
import { keysFile } from './serve-command.ts';

type Opts = { config?: string; dataDir?: string };

const store = (opts: Opts) => new ApiKeyStore(keysFile(configFrom(opts).dataDir));

/** `cityflow keys create --role <role> [--name <text>]`: prints the new key once (only its hash is kept). */
export function keysCreateCommand(opts: Opts & { role: string; name?: string }) {
  if (!(ROLES as readonly string[]).includes(opts.role)) {
    throw new Error(`--role: unknown role "${opts.role}"; choose from ${ROLES.join(', ')}`);
  }
  const { key, record } = store(opts).create(opts.role as Role, opts.name ?? '');
  process.stderr.write(`created key ${record.id} (${record.role}); it is shown once, keep it safe:\n`);
  process.stdout.write(`${key}\n`);
}

/** `cityflow keys list [--json]` */
export function keysListCommand(opts: Opts & { json?: boolean }) {
  const keys = store(opts)
    .list()
    .map(({ sha256: _h, ...k }) => k);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(keys)}\n`);
    return;
  }
  if (!keys.length) process.stdout.write('no API keys (create one: cityflow keys create --role admin)\n');
  for (const k of keys) {
    process.stdout.write(
      `${k.id}  ${k.role.padEnd(9)}  ${k.createdAt}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  ${k.name}\n`,
    );
  }
}

/** `cityflow keys revoke <id>`: a running server refuses the key from its next request. */
export function keysRevokeCommand(id: string, opts: Opts) {
  const k = store(opts).revoke(id);
  process.stdout.write(`revoked ${k.id} (${k.role})\n`);
}
