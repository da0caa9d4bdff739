import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most `requests` request starts in any `perMs` window (a sliding window over the last starts).
 * A request over the limit waits for its turn, in the order asked, and is never dropped: the
 * limit is what the application allows, and work that waits is still done.
 */
export class RequestPacer {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly requests: number,
    private readonly perMs: number,
  ) {}

  /** Resolves when a request may start. */
  turn(): Promise<void> {
    const mine = this.queue.then(() => this.waitForRoom());
    this.queue = mine;
    return mine;
  }

  private async waitForRoom(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.starts.length > 0 && this.starts[0]! <= now - this.perMs) this.starts.shift();
      if (this.starts.length < this.requests) {
        this.starts.push(now);
        return;
      }
      await sleep(this.starts[0]! + this.perMs - now);
    }
  }
}
