/**
 * Levenshtein distance between two strings (insertions, deletions and substitutions cost 1): how many
 * characters a read is away from a plate, for fuzzy watch-list entries and character accuracy.
 *
 * @example
 *   editDistance('51F12345', '51F12346'); // 1
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
