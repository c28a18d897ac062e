import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RgbFrame } from '../../schemas/frame.ts';

/**
 * How frames travel from extract to detect on one host: one file per segment in a folder of this
 * host (default `<dataDir>/frames/<host>`; a tmpfs such as /dev/shm keeps it off the disk).
 *
 *   <segment key>.rgb = frame 0 | frame 1 | ... | frame n-1     each width*height*3 bytes, RGB24
 *
 * The file is written under a temporary name and renamed, so a reader never sees half a file; the
 * detect stage deletes it once the segment's results are queued for storage. Queue payloads carry
 * the path and the frame times, never pixels.
 */
export class FrameFiles {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  pathFor(segmentKey: string): string {
    return join(this.dir, `${segmentKey.replace(/[^A-Za-z0-9_.#@-]/g, '_')}.rgb`);
  }

  async write(segmentKey: string, frames: RgbFrame[]): Promise<string> {
    const path = this.pathFor(segmentKey);
    const tmp = `${path}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writev(frames.map((f) => f.data)); // one system call, no 20 MB concatenation
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    return path;
  }

  /** Reads a segment file back into frames; the frames are views on one buffer, no copies. */
  static async read(
    path: string,
    count: number,
    width: number,
    height: number,
    scale: number,
  ): Promise<RgbFrame[]> {
    const buf = await readFile(path);
    const size = width * height * 3;
    if (buf.length !== size * count) {
      throw new Error(
        `frames file ${path} holds ${buf.length} bytes, expected ${count} frames of ${width}x${height}`,
      );
    }
    return Array.from({ length: count }, (_, i) => ({
      data: new Uint8Array(buf.buffer, buf.byteOffset + i * size, size),
      width,
      height,
      scale,
    }));
  }

  static async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /**
   * Removes this folder's frames files older than maxAgeMs: those kept for evidence snapshots whose
   * track stage ran on another host (or failed) and so never removed them. Returns how many went.
   */
  async sweep(maxAgeMs: number): Promise<number> {
    let removed = 0;
    const now = Date.now();
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.endsWith('.rgb')) continue;
      const path = join(this.dir, name);
      const st = await stat(path).catch(() => null);
      if (st && now - st.mtimeMs > maxAgeMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
