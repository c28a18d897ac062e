import type { CountRow } from './eval-counts.ts';
import { markdownTable } from './markdown-table.ts';

/** `night-arterial-motorbikes mirrored +0.25 s` → `night-arterial-motorbikes mirrored`. */
export function phaseBase(clip: string): string {
  return clip.replace(/ \+\d+(\.\d+)? s$/, '');
}

export interface SpreadRow {
  clip: string;
  fps: number;
  direction: string;
  phases: number;
  /** Truth and counted, lowest and highest over the phases (the truth is the same at every phase). */
  truth: [number, number];
  counted: [number, number];
  /** Phases whose total is outside its target. */
  missed: number;
}

/**
 * Each clip's direction totals over its frame phases (the clip and its shifted copies, see
 * shift-clip.ts): the spread of the count and how many phases miss the target.
 *
 * @example
 *   phaseSpread(rows) // [{ clip: 'street-from-window', fps: 2, direction: 'positive', phases: 3,
 *                     //    truth: [4, 4], counted: [2, 4], missed: 1 }, …]
 */
export function phaseSpread(rows: CountRow[]): SpreadRow[] {
  const groups = new Map<string, CountRow[]>();
  for (const r of rows) {
    if (r.class !== 'all' || r.allowed === null) continue;
    const key = `${phaseBase(r.clip)}\u0000${r.fps}\u0000${r.direction}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].map(([key, g]) => {
    const [clip, fps, direction] = key.split('\u0000');
    const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
    return {
      clip,
      fps: Number(fps),
      direction,
      phases: g.length,
      truth: range(g.map((r) => r.truth)),
      counted: range(g.map((r) => r.counted)),
      missed: g.filter((r) => Math.abs(r.counted - r.truth) > (r.allowed ?? 0)).length,
    };
  });
}

/** The spread as a Markdown table, and a line with how many phase totals miss their target. */
export function formatSpread(rows: CountRow[]): string {
  const spread = phaseSpread(rows);
  const range = ([a, b]: [number, number]) => (a === b ? String(a) : `${a}–${b}`);
  const head = ['clip', 'fps', 'direction', 'phases', 'truth', 'counted', 'phases outside'];
  const body = spread.map((s) => [
    s.clip,
    String(s.fps),
    s.direction,
    String(s.phases),
    range(s.truth),
    range(s.counted),
    String(s.missed),
  ]);
  const missed = spread.reduce((n, s) => n + s.missed, 0);
  const all = spread.reduce((n, s) => n + s.phases, 0);
  return `${markdownTable(head, body, [0, 1, 2])}\n${missed} of ${all} direction totals over all phases outside their target`;
}
