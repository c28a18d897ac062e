import { appendFileSync, copyFileSync } from 'node:fs';

/**
 * Copies an MP4 as a recording of its own: backfill recognises a renamed copy of a file by its
 * content and skips it, so a top-level MP4 `free` box of `n` bytes is appended, which changes the
 * copy's size and last bytes (so its identity) and nothing a demuxer plays. Give each copy its own n.
 */
export function distinctCopy(from: string, to: string, n: number): string {
  copyFileSync(from, to);
  const free = Buffer.alloc(8 + n);
  free.writeUInt32BE(free.length, 0);
  free.write('free', 4, 'latin1');
  appendFileSync(to, free);
  return to;
}
