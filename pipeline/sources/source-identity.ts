import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { SourceError } from '../errors/source-error.ts';

/**
 * A stable id for "this camera's recording in this file", the root of every segment key and so of
 * idempotency: processing the same file for the same camera again yields the same ids, and the
 * store skips what it already has. It hashes the file's size and its first and last MiB (not the
 * path: a copied or moved file is the same recording; not the whole file: archives run to GBs).
 *
 *   cam-07/2026-03-01_0800.mp4@3f9a1c2b7d
 */
export async function fileSourceId(cameraId: string, path: string): Promise<string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new SourceError(path, 'not-found', (e as Error).message);
  }
  const h = createHash('sha256').update(`${size}:`);
  const fh = await open(path, 'r');
  try {
    const n = Math.min(size, 1 << 20);
    const head = Buffer.alloc(n);
    await fh.read(head, 0, n, 0);
    h.update(head);
    if (size > n) {
      const tail = Buffer.alloc(n);
      await fh.read(tail, 0, n, size - n);
      h.update(tail);
    }
  } finally {
    await fh.close();
  }
  return `${cameraId}/${basename(path)}@${h.digest('hex').slice(0, 10)}`;
}

/** Wall time of a file's first frame: explicit > container creation time > file modification time. */
export async function fileStartTime(
  path: string,
  explicit?: string,
  containerCreatedAtMs?: number | null,
): Promise<number> {
  if (explicit) {
    const t = Date.parse(explicit);
    if (Number.isNaN(t)) throw new Error(`${path}: start time "${explicit}" is not an ISO 8601 date-time`);
    return t;
  }
  if (containerCreatedAtMs) return containerCreatedAtMs;
  return Math.round((await stat(path)).mtimeMs);
}
