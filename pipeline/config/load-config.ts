import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Config } from '../../schemas/config.ts';
import { check } from '../../schemas/validate.ts';
import { BUILTIN_MODELS } from '../detect/detector-spec.ts';
import { ConfigError } from '../errors/config-error.ts';
import { validateRules } from '../rules/validate-rules.ts';
import { validateScene } from '../scene/validate-scene.ts';
import { validatePlaces } from './validate-places.ts';

/**
 * Reads, validates and normalises a configuration file. Every error names the file and the key:
 *   cityflow.yaml: cameras[0].fpss: unknown key
 * Paths in the file (dataDir, framesDir, camera sources) are resolved against the file's folder.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(file, '', `not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return normaliseConfig(raw ?? {}, file, env);
}

/** Validates an already-parsed configuration object; `file` is used in messages and to resolve paths. */
export function normaliseConfig(given: unknown, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = overBuiltIns(given);
  const issues = check(Config, raw);
  if (issues.length) {
    const [first, ...rest] = issues;
    const more = rest.length ? ` (and ${rest.map((i) => `${i.key}: ${i.message}`).join('; ')})` : '';
    throw new ConfigError(file, first.key, `${first.message}${more}`);
  }
  const cfg = raw as Config;
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const seen = new Set<string>();
  cfg.cameras.forEach((cam, i) => {
    if (seen.has(cam.id)) throw new ConfigError(file, `cameras[${i}].id`, `duplicate camera id "${cam.id}"`);
    seen.add(cam.id);
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(cam.source)) cam.source = abs(cam.source);
    if (cam.scene) validateScene(cam.scene, file, `cameras[${i}].scene`);
    if (cam.plates?.detector) cam.plates.detector.file = abs(cam.plates.detector.file);
  });
  for (const [name, model] of Object.entries(cfg.models)) {
    if (model.file) model.file = abs(model.file);
    else if (!(name in BUILTIN_MODELS))
      throw new ConfigError(file, `models.${name}.file`, 'is required (only built-in models may omit it)');
  }
  if (!(cfg.detector.model in cfg.models) && !(cfg.detector.model in BUILTIN_MODELS)) {
    const known = [...Object.keys(cfg.models), ...Object.keys(BUILTIN_MODELS)].join(', ');
    throw new ConfigError(
      file,
      'detector.model',
      `unknown model "${cfg.detector.model}"; declared or built in: ${known}`,
    );
  }
  const los = cfg.measures.losDensity;
  if (los.some((v, i) => i > 0 && v <= los[i - 1])) {
    throw new ConfigError(
      file,
      'measures.losDensity',
      `must increase (LOS A to E upper bounds), got [${los.join(', ')}]`,
    );
  }
  validateRules(cfg, file);
  validatePlaces(cfg, file);
  cfg.dataDir = abs(cfg.dataDir);
  if (cfg.framesDir) cfg.framesDir = abs(cfg.framesDir);
  if (env.REDIS_URL) cfg.redisUrl = env.REDIS_URL;
  if (env.CLICKHOUSE_URL) cfg.clickhouseUrl = env.CLICKHOUSE_URL;
  // BullMQ's scripts and cityflow's transactions touch several keys at once; on a Cluster those must
  // share a slot, which a hash tag prefix gives.
  if (cfg.redisUrl?.startsWith('redis+cluster://') && !/^\{.+\}$/.test(cfg.queuePrefix))
    throw new ConfigError(
      file,
      'queuePrefix',
      `with a Redis Cluster (redis+cluster://) the prefix must be a hash tag, e.g. "{${cfg.queuePrefix}}", so that each queue's keys share a slot`,
    );
  return cfg;
}

/**
 * A built-in model redeclared under its own name changes only the keys it gives (`input` key by
 * key); the rest, its file and its thresholds included, stay the built-in's. Declaring the whole
 * model again to change one key lost what the declaration forgot (trackThreshold: weak boxes no
 * longer extended tracks). centernet's built-in has no file: its ONNX is converted at creation.
 *
 * @example
 *   // models: { yolox-nano: { input: { width: 640, height: 640, fitFrame: true } } }
 *   overBuiltIns(raw).models['yolox-nano'].format; // 'yolox', with the committed file
 */
function overBuiltIns(raw: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(raw) || !isObject(raw.models)) return raw;
  const models: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(raw.models)) {
    const builtIn = Object.hasOwn(BUILTIN_MODELS, name) ? BUILTIN_MODELS[name] : undefined;
    models[name] =
      builtIn && isObject(m)
        ? {
            ...builtIn,
            ...m,
            input: isObject(m.input) ? { ...builtIn.input, ...m.input } : (m.input ?? builtIn.input),
          }
        : m;
  }
  return { ...raw, models };
}
