import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false }));
const cache = new WeakMap<TSchema, ValidateFunction>();

/** One problem found in a value, with the path of the key it concerns (e.g. `cameras[1].fps`). */
export interface ValidationIssue {
  key: string;
  message: string;
}

/** Checks `value` against a TypeBox/JSON schema (filling defaults in place); returns the issues. */
export function check(schema: TSchema, value: unknown): ValidationIssue[] {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn(value) ? [] : (fn.errors ?? []).map(toIssue);
}

function toIssue(e: ErrorObject): ValidationIssue {
  // "/cameras/1/fps" -> "cameras[1].fps"
  let key = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    key = key ? `${key}.${extra}` : extra;
    message = 'unknown key';
  } else if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    key = key ? `${key}.${missing}` : missing;
    message = 'is required';
  }
  return { key, message };
}

/** Like `check`, but throws one Error listing every issue, prefixed by `what`. */
export function assertValid<T>(schema: TSchema, value: unknown, what: string): T {
  const issues = check(schema, value);
  if (issues.length) {
    throw new Error(`${what}: ${issues.map((i) => `${i.key || '(root)'} ${i.message}`).join('; ')}`);
  }
  return value as T;
}
