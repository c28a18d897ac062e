/**
 * Runs async tasks strictly one after another, in call order. Detectors use it because their input
 * buffers are reused between runs: a second detect() must not start filling them while a first is
 * still being read by the model. A failed task does not stop the ones after it.
 *
 * @example
 *   const serial = new OneAtATime();
 *   const [a, b] = await Promise.all([serial.run(() => detectNow(f1)), serial.run(() => detectNow(f2))]);
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
