/**
 * Byte buffers handed out again once their user is done with them, for frames that are mostly
 * dropped right after a look: a live camera decoded at the motion rate (10 fps) keeps one frame in
 * five whole (the analysed one) and only a small grey copy of the others. Allocating a fresh 300 KB
 * buffer for each made the process's garbage collector run several times a second with many
 * cameras; the pool gives the dropped frames' buffers to the next ones instead.
 *
 * Only a buffer this pool handed out is taken back; anything else is ignored, so a frame that was
 * never pooled (a view on a pipe chunk) is safe to release. A buffer must be released at most once
 * per alloc(): released again after it was handed out anew, it would be given to a third user while
 * the second still reads it. Frame sources therefore wrap release() so that it acts once
 * ({@link releaseOnce}), and a frame that is kept (analysed) carries no release at all.
 *
 * @example
 *   const pool = new BufferPool(4);
 *   const a = pool.alloc(292_032);
 *   pool.release(a);                                 // the frame was dropped: its memory may be reused
 *   pool.alloc(292_032).buffer === a.buffer;         // true (a new view on the same memory)
 */
export class BufferPool {
  readonly #free: Buffer[] = [];
  readonly #issued = new WeakSet<ArrayBufferLike>();

  /** @param max buffers kept for reuse at most (more released ones are left to the collector) */
  constructor(readonly max = 4) {
    if (!(Number.isInteger(max) && max >= 0))
      throw new RangeError(`BufferPool: max must be an integer >= 0, got ${max}`);
  }

  /** Buffers waiting for reuse. */
  get size(): number {
    return this.#free.length;
  }

  /** A buffer of `n` bytes (contents undefined): a released one of that size, else a new one. */
  alloc(n: number): Buffer {
    const i = this.#free.findIndex((b) => b.length === n);
    if (i >= 0) return this.#free.splice(i, 1)[0];
    // Its own ArrayBuffer (not a slice of Node's shared pool), so release() can recognise it.
    const b = Buffer.allocUnsafeSlow(n);
    this.#issued.add(b.buffer);
    return b;
  }

  /** Gives back a buffer from alloc() (or a whole view of one) that nothing refers to any more. */
  release(data: Uint8Array): void {
    if (!this.#issued.has(data.buffer) || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength)
      return;
    if (this.#free.length >= this.max || this.#free.some((b) => b.buffer === data.buffer)) return;
    this.#free.push(Buffer.from(data.buffer, 0, data.byteLength));
  }
}

/**
 * A release function for one pooled buffer that acts only on its first call, so that a frame
 * released twice by mistake cannot give its buffer to two later frames.
 *
 * @example
 *   const release = releaseOnce(pool, frame.data);
 *   release(); release(); // the second call does nothing
 */
export function releaseOnce(pool: BufferPool, data: Uint8Array): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    pool.release(data);
  };
}
