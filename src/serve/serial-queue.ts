// Runs tasks one at a time in arrival order: the runtime computes one generation at a time, so
// requests wait their turn instead of failing. A waiting task whose signal aborts leaves the line.

export class SerialQueue {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  /** Tasks waiting for their turn (not counting the running one). */
  get length(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.turn(signal);
    try {
      signal?.throwIfAborted();
      return await task();
    } finally {
      this.next();
    }
  }

  private turn(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        this.waiting.splice(this.waiting.indexOf(start), 1);
        reject(signal!.reason);
      };
      this.waiting.push(start);
      signal?.addEventListener('abort', leave, { once: true });
    });
  }

  /** Hands the turn to the next waiting task, or frees the queue. */
  private next(): void {
    const start = this.waiting.shift();
    if (start) start();
    else this.busy = false;
  }
}
