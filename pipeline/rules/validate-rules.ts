import type { Config } from '../../schemas/config.ts';
import { ConfigError } from '../errors/config-error.ts';
import { resolveRuleZones, ruleApplies, ruleOwnProblem } from './rule-zones.ts';

/**
 * Checks the `rules:` of a configuration that passed the JSON schema, against its cameras and their
 * scenes; throws a ConfigError naming the file, the rule and the item, e.g.
 *
 *   cityflow.yaml: rules[2].zones[0]: rule "jam-north" on camera "cam-1": unknown zone "lane-9" (the scene's zones: lane-1, lane-2)
 *
 * - rule ids unique;
 * - `cameras` name configured cameras;
 * - options given to a rule type they do not apply to; a threshold rule's measure and bound;
 * - for each camera the rule applies to: its zones exist, are of a kind the type can use, wrong-way
 *   lanes have a direction, density-based rules have a calibration.
 */
export function validateRules(cfg: Config, file: string): void {
  const seen = new Map<string, number>();
  const cameraIds = cfg.cameras.map((c) => c.id);
  cfg.rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    const first = seen.get(rule.id);
    if (first !== undefined) {
      throw new ConfigError(file, `${at}.id`, `duplicate rule id "${rule.id}" (also rules[${first}])`);
    }
    seen.set(rule.id, i);
    rule.cameras?.forEach((id, j) => {
      if (!cameraIds.includes(id)) {
        throw new ConfigError(
          file,
          `${at}.cameras[${j}]`,
          `rule "${rule.id}": unknown camera "${id}" (configured: ${cameraIds.join(', ') || 'none'})`,
        );
      }
    });
    const own = ruleOwnProblem(rule);
    if (own) throw new ConfigError(file, `${at}.${own.key}`, `rule "${rule.id}": ${own.message}`);
    for (const cam of cfg.cameras) {
      if (!ruleApplies(rule, cam.id)) continue;
      const zones = resolveRuleZones(rule, cam.scene);
      if (!Array.isArray(zones)) {
        throw new ConfigError(
          file,
          `${at}.${zones.key}`,
          `rule "${rule.id}" on camera "${cam.id}": ${zones.message}`,
        );
      }
    }
  });
}
