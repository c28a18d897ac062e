/**
 * Reads GStreamer's text serialization of a `GstStructure`, the form in which caps and event
 * contents travel in a GDP stream (`gdppay`):
 *
 *   video/x-raw, width=(int)512, height=(int)282, framerate=(fraction)5/1, format=(string)RGB
 *   └── name ──┘ └──────────────── fields: name=(type)value, comma separated ─────────────────┘
 *
 * Values are returned as text with the `(type)` prefix removed and quoted strings unescaped, so a
 * nested structure (a segment event carries `segment=(GstSegment)"segment, start=(guint64)…"`)
 * parses with a second call. Only what the extractor needs; not a full GValue deserializer.
 */
export interface GstStructure {
  /** Structure name, caps features removed: `video/x-raw(memory:SystemMemory)` → `video/x-raw`. */
  name: string;
  fields: Map<string, string>;
}

/** Parses the first structure of `text` (caps may list several separated by `;`); null when empty. */
export function parseGstStructure(text: string): GstStructure | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: GDP payloads end with a NUL byte.
  const s = text.replace(/\u0000+$/, '').trim();
  if (s === '') return null;
  const parts = splitTopLevel(s);
  const head = parts.shift()?.trim() ?? '';
  const name = head.replace(/\(.*\)$/, '').trim();
  if (name === '') return null;
  const fields = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    const typed = /^\([A-Za-z0-9_]+\)/.exec(value);
    if (typed) value = value.slice(typed[0].length).trim();
    if (value.startsWith('"')) value = unquote(value);
    fields.set(key, value);
  }
  return { name, fields };
}

/** `"5/1"` → 5, `"30000/1001"` → 29.97…, `"0/1"` → null (GStreamer's "variable / unknown"). */
export function parseFraction(value: string | undefined): { num: number; den: number } | null {
  const m = value === undefined ? null : /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) return null;
  const num = Number(m[1]);
  const den = Number(m[2]);
  return num > 0 && den > 0 ? { num, den } : null;
}

/** Integer field (`(int)`, `(uint)`, `(guint64)`, …); null when absent or not a number. */
export function intField(st: GstStructure, key: string): number | null {
  const v = st.fields.get(key);
  if (v === undefined || !/^-?\d+$/.test(v)) return null;
  return Number(v);
}

/**
 * Splits at commas that are not inside quotes or brackets; stops at a top-level `;` (the end of
 * the first structure).
 */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(' || c === '{' || c === '[' || c === '<') depth++;
    else if (c === ')' || c === '}' || c === ']' || c === '>') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === ',' || c === ';')) {
      out.push(s.slice(start, i));
      start = i + 1;
      if (c === ';') return out;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** `"a\ b\"c"` → `a b"c`: drops the outer quotes and backslash escapes. */
function unquote(v: string): string {
  let out = '';
  for (let i = 1; i < v.length; i++) {
    const c = v[i];
    if (c === '\\' && i + 1 < v.length) {
      out += v[++i];
    } else if (c === '"') {
      break;
    } else {
      out += c;
    }
  }
  return out;
}
