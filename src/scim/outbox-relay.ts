import type { ChangeEvent } from '../identity/change-event.ts';
import type { IdentityRecord } from '../policy/schema.ts';
import type { OutboxEntry, ScimDirectory } from './directory/types.ts';

/**
 * Delivers the directory's outbox to the identity workflows: every change a SCIM client made,
 * in the order the directory acknowledged them, as a ChangeEvent of source `scim/<integration>`.
 * A row is marked delivered only after Temporal took it, so while Temporal is down the relay
 * retries with backoff and the changes wait in the database: an outage delays them, never drops
 * them. Delivering a row twice (a crash between delivery and marking) is harmless: the workflow
 * drops an event id it has seen.
 */

export interface OutboxRelayOptions {
  directory: Pick<ScimDirectory, 'pendingChanges' | 'markDelivered'>;
  deliver(event: ChangeEvent): Promise<unknown>;
  /** A sweep on a timer, for changes whose trigger was lost (a restart with rows pending). */
  intervalMs?: number;
  /** The first wait after a failed delivery, doubled on each failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  log?: (line: string) => void;
}

export interface OutboxRelay {
  /** Deliver what is pending now (after a write); returns at once. */
  trigger(): void;
  /** Resolves when no pass is running or waiting to run. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const BATCH = 100;

export function scimSource(integration: string): string {
  return `scim/${integration}`;
}

export function changeEventOf(entry: OutboxEntry): ChangeEvent {
  return {
    source: scimSource(entry.integration),
    key: entry.userId,
    eventId: `scim:${entry.integration}:${entry.seq}`,
    // The record's `groups` is a list, which IdentityRecord does not admit yet (src/policy/schema.ts's
    // AttributeValue); Temporal carries it as JSON either way.
    record: entry.record as IdentityRecord | null,
    receivedAt: entry.createdAt,
  };
}

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { directory, deliver } = options;
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;

  /** Delivers pending rows until none is left; false when a delivery failed and a retry is due. */
  async function pass(): Promise<boolean> {
    for (;;) {
      const rows = await directory.pendingChanges(BATCH);
      if (rows.length === 0) return true;
      for (const row of rows) {
        if (stopped) return true;
        try {
          await deliver(changeEventOf(row));
        } catch (error) {
          // Only what failed, never the record: it is personal data.
          if (failures === 0) options.log?.(`scim: the change of ${scimSource(row.integration)}/${row.userId} waits for delivery (${(error as Error).message}); retrying with backoff`);
          return false;
        }
        // Marked one by one, so that a crash re-delivers at most this row.
        await directory.markDelivered([row.seq]);
        if (failures > 0) options.log?.('scim: changes are being delivered again');
        failures = 0;
      }
    }
  }

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (retryTimer) return; // The retry after a failure runs the next pass.
    running = (async () => {
      let done = false;
      try {
        do {
          again = false;
          done = await pass();
        } while (done && again && !stopped);
      } catch (error) {
        options.log?.(`scim: the outbox could not be read (${(error as Error).message}); retrying with backoff`);
        done = false;
      } finally {
        running = undefined;
      }
      if (!done && !stopped) {
        const wait = Math.min(maxBackoffMs, backoffMs * 2 ** failures++);
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          run();
        }, wait);
        retryTimer.unref();
      }
    })();
  }

  const sweep = setInterval(run, options.intervalMs ?? 30_000);
  sweep.unref();
  run();

  return {
    trigger: run,
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      clearInterval(sweep);
      if (retryTimer) clearTimeout(retryTimer);
      await running;
    },
  };
}
