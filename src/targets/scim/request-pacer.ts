import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most `requests` request starts in any `perMs` window (a sliding window over the last starts).
 * A request over the limit waits for its turn, in the order asked, and is never dropped: the
 * limit is what the application allows, and work that waits is still done. A request whose
 * `cancelled` signal aborts (its activity was cancelled or timed out) stops waiting at once and
 * takes no turn: the requests behind it move up.
 */
export class RequestPacer {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly requests: number,
    private readonly perMs: number,
  ) {}

  /** Resolves when a request may start; rejects with the signal's reason when it aborts first. */
  turn(cancelled?: AbortSignal): Promise<void> {
    if (cancelled?.aborted) return Promise.reject(cancelled.reason);
    const mine = this.queue.then(() => this.waitForRoom(cancelled));
    // The next in line waits for this one's turn to pass, however it ended.
    this.queue = mine.catch(() => undefined);
    return cancelled ? untilAborted(mine, cancelled) : mine;
  }

  private async waitForRoom(cancelled: AbortSignal | undefined): Promise<void> {
    for (;;) {
      // Abandoned while in line: it takes no start.
      cancelled?.throwIfAborted();
      const now = Date.now();
      while (this.starts.length > 0 && this.starts[0]! <= now - this.perMs) this.starts.shift();
      if (this.starts.length < this.requests) {
        this.starts.push(now);
        return;
      }
      await sleep(this.starts[0]! + this.perMs - now, undefined, cancelled ? { signal: cancelled } : undefined);
    }
  }
}

/** `waiting`, or the signal's reason as soon as it aborts. */
function untilAborted(waiting: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    waiting.then(
      () => {
        signal.removeEventListener('abort', abort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
