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
  return fn(value) ? [] : issuesOf(fn.errors ?? []);
}

/**
 * ajv says a value matching none of a union of constants (`positive: lft` against left | right) as
 * one "must be equal to constant" per constant and a "must match a schema in anyOf": said here as
 * one issue listing the allowed values. A union with other kinds of branch keeps ajv's messages.
 */
function issuesOf(errors: readonly ErrorObject[]): ValidationIssue[] {
  const at = new Map<string, ErrorObject[]>();
  for (const e of errors) at.set(e.instancePath, [...(at.get(e.instancePath) ?? []), e]);
  const choices = (path: string) => {
    const here = at.get(path) ?? [];
    const consts = here.filter((e) => e.keyword === 'const');
    const onlyConsts = consts.length > 0 && here.every((e) => e.keyword === 'const' || e.keyword === 'anyOf');
    return onlyConsts
      ? consts.map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue))
      : null;
  };
  const out: ValidationIssue[] = [];
  for (const e of errors) {
    const values = choices(e.instancePath);
    if (!values) out.push(toIssue(e));
    else if (e.keyword === 'anyOf')
      out.push({ ...toIssue(e), message: `must be one of ${values.join(', ')}` });
  }
  return out;
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
  } else if (e.keyword === 'enum') {
    const values = (e.params as { allowedValues: unknown[] }).allowedValues;
    message = `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
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
