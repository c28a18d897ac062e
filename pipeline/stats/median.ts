/**
 * The median of some numbers (the mean of the middle two for an even count; NaN for none).
 *
 * @example
 *   median([3, 1, 2]); // 2
 *   median([4, 1, 3, 2]); // 2.5
 */
export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
