/**
 * A Markdown table of string cells, columns padded to their widest cell: the columns whose index is
 * in `left` aligned left (names), the others right (numbers).
 *
 * @example
 *   markdownTable(['clip', 'n'], [['street', '8']], [0]);
 *   // | clip   | n |
 *   // | ------ | -: |   (the rule's width follows the column's)
 */
export function markdownTable(head: string[], body: string[][], left: readonly number[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const isLeft = (i: number) => left.includes(i);
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (isLeft(i) ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  const rule = `| ${w.map((n, i) => (isLeft(i) ? '-'.repeat(n) : `${'-'.repeat(n - 1)}:`)).join(' | ')} |`;
  return [line(head), rule, ...body.map(line)].join('\n');
}
