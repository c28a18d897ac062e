import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfig, normaliseConfig } from '../../pipeline/config/load-config.ts';
import { ConfigError } from '../../pipeline/errors/config-error.ts';
import { type FuzzTally, mutate, pick, type Rnd, record, tally } from './mutate.ts';

const EXAMPLE = fileURLToPath(new URL('../../infra/cityflow.example.yaml', import.meta.url));

/**
 * Configurations: the example configuration with 1-3 random changes each (as an object), and its
 * text cut or scribbled on (as a file). A clear outcome is acceptance or a ConfigError naming the
 * key; any other exception is a crash of the validation.
 */
export function fuzzConfigs(rnd: Rnd, n: number): FuzzTally {
  const t = tally('configuration');
  const text = readFileSync(EXAMPLE, 'utf8');
  const base = parseYaml(text) as unknown;
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-fuzz-config-'));
  try {
    for (let i = 0; i < n; i++) {
      const asText = rnd() < 0.25;
      let input = '';
      try {
        if (asText) {
          const at = Math.floor(rnd() * text.length);
          const cut =
            rnd() < 0.5
              ? text.slice(0, at)
              : `${text.slice(0, at)}${pick(rnd, ['\t', ': :', '{', '- ', '"', '\u0000'])}${text.slice(at)}`;
          const file = join(dir, `c${i}.yaml`);
          writeFileSync(file, cut);
          input = cut.slice(Math.max(0, at - 40), at + 40);
          loadConfig(file, {});
        } else {
          let value = base;
          for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) value = mutate(rnd, value);
          input = JSON.stringify(value).slice(0, 200);
          normaliseConfig(structuredClone(value), join(dir, 'fuzz.yaml'), {});
        }
        record(t, 'accepted');
      } catch (e) {
        if (e instanceof ConfigError)
          record(t, e.message.length > e.file.length + 4 ? 'clear' : 'unclear', `${input} → ${e.message}`);
        else record(t, 'crashed', `${input} → ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return t;
}
