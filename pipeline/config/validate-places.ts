import type { Config } from '../../schemas/config.ts';
import { ConfigError } from '../errors/config-error.ts';
import { isTimeZone } from './time-zone.ts';

/**
 * Checks what the schema cannot: the time zone is one the runtime knows, corridor ids are unique,
 * every corridor a camera names is declared under `corridors:`, and no two cameras hold the same
 * position in one corridor. Each error names the key:
 *   cityflow.yaml: cameras[3].corridors[0].id: unknown corridor "nguyen-hu"; declared: nguyen-hue, le-loi
 */
export function validatePlaces(cfg: Config, file: string): void {
  if (!isTimeZone(cfg.timeZone))
    throw new ConfigError(
      file,
      'timeZone',
      `unknown time zone "${cfg.timeZone}" (IANA names, e.g. Asia/Ho_Chi_Minh)`,
    );
  const declared = new Set<string>();
  cfg.corridors.forEach((c, i) => {
    if (declared.has(c.id))
      throw new ConfigError(file, `corridors[${i}].id`, `duplicate corridor id "${c.id}"`);
    declared.add(c.id);
  });
  const taken = new Map<string, string>(); // "<corridor>#<position>" → camera id
  cfg.cameras.forEach((cam, i) => {
    const own = new Set<string>();
    (cam.corridors ?? []).forEach((m, j) => {
      const key = `cameras[${i}].corridors[${j}]`;
      if (!declared.has(m.id)) {
        const list = [...declared].join(', ') || 'none';
        throw new ConfigError(file, `${key}.id`, `unknown corridor "${m.id}"; declared: ${list}`);
      }
      if (own.has(m.id))
        throw new ConfigError(file, `${key}.id`, `camera "${cam.id}" is in corridor "${m.id}" twice`);
      own.add(m.id);
      const other = taken.get(`${m.id}#${m.position}`);
      if (other)
        throw new ConfigError(
          file,
          `${key}.position`,
          `position ${m.position} of corridor "${m.id}" is already camera "${other}"'s`,
        );
      taken.set(`${m.id}#${m.position}`, cam.id);
    });
  });
}
