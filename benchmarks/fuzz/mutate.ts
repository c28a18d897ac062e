/** Seeded random values and mutations for the fuzzers: the same seed, the same inputs. */
import { mulberry32 } from '../tracking/synthetic-scene.ts';

export type Rnd = () => number;

/** The seeded generator of the synthetic scenes (mulberry32). */
export const random = (seed: number): Rnd => mulberry32(seed);

export const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

const STRINGS = [
  '',
  ' ',
  'x'.repeat(5000),
  "x' OR '1'='1",
  '../../etc/passwd',
  '{camera:String}',
  '\u0000',
  'ñ漢字🚦',
  '-1',
  'NaN',
  'true',
  '1e308',
  '2026-13-45T99:99:99Z',
  '<script>alert(1)</script>',
  '__proto__',
];
const NUMBERS = [0, -1, 1, 0.5, -0.0001, 1e308, -1e308, 2 ** 53, 65536, 4294967296, Number.MAX_SAFE_INTEGER];

/** Any JSON value, nested up to `depth`. */
export function anyValue(rnd: Rnd, depth = 2): unknown {
  const r = rnd();
  if (r < 0.25) return pick(rnd, STRINGS);
  if (r < 0.5) return pick(rnd, NUMBERS);
  if (r < 0.6) return rnd() < 0.5;
  if (r < 0.7) return null;
  if (depth <= 0) return pick(rnd, STRINGS);
  if (r < 0.85) return Array.from({ length: Math.floor(rnd() * 4) }, () => anyValue(rnd, depth - 1));
  return Object.fromEntries(
    Array.from({ length: Math.floor(rnd() * 4) }, () => [
      pick(rnd, ['a', 'id', 'x', '__proto__', 'constructor']),
      anyValue(rnd, depth - 1),
    ]),
  );
}

/** A copy of `value` with one random change: a key dropped, added or given any value; a type swapped. */
export function mutate(rnd: Rnd, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 6 || rnd() < 0.15) return anyValue(rnd);
  if (Array.isArray(value)) {
    if (!value.length || rnd() < 0.2) return [...value, anyValue(rnd)];
    const i = Math.floor(rnd() * value.length);
    return value.map((v, j) => (j === i ? mutate(rnd, v, depth + 1) : v));
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const r = rnd();
  if (!keys.length || r < 0.15)
    return { ...obj, [pick(rnd, ['unknownKey', 'fpss', 'camera', 'x'])]: anyValue(rnd) };
  const k = pick(rnd, keys);
  if (r < 0.3) {
    const { [k]: _dropped, ...rest } = obj;
    return rest;
  }
  return { ...obj, [k]: mutate(rnd, obj[k], depth + 1) };
}

/** Outcome counts of a fuzzer. `clear`: refused with the thing and the reason named (or accepted). */
export interface FuzzTally {
  target: string;
  cases: number;
  accepted: number;
  clear: number;
  unclear: number;
  crashed: number;
  examples: string[];
}

export function tally(target: string): FuzzTally {
  return { target, cases: 0, accepted: 0, clear: 0, unclear: 0, crashed: 0, examples: [] };
}

/** Records one outcome; keeps the first few unclear or crashed cases as examples. */
export function record(
  t: FuzzTally,
  outcome: 'accepted' | 'clear' | 'unclear' | 'crashed',
  example?: string,
) {
  t.cases++;
  t[outcome]++;
  if ((outcome === 'unclear' || outcome === 'crashed') && example && t.examples.length < 5)
    t.examples.push(example.slice(0, 300));
}
