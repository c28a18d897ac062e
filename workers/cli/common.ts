import { join, resolve } from 'node:path';
import { loadConfig, normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { Config } from '../../schemas/config.ts';

/** The configuration of a command: the file when given, else defaults with `dataDir` from the option. */
export function configFrom(
  opts: { config?: string; dataDir?: string },
  extra: Record<string, unknown> = {},
): Config {
  if (opts.config) return loadConfig(opts.config);
  return normaliseConfig(
    { dataDir: resolve(opts.dataDir ?? 'var'), ...extra },
    join(process.cwd(), '(command line)'),
  );
}
