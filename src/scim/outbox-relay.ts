import { isGrpcServiceError } from '@temporalio/client';
import { ValueError } from '@temporalio/common';
import type { ChangeEvent } from '../identity/change-event.ts';
import { SCIM_SOURCE_PREFIX } from '../policy/source-name.ts';
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
  directory: Pick<ScimDirectory, 'pendingChanges' | 'markDelivered' | 'markUndeliverable'>;
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

/** gRPC status codes (grpc/grpc doc/statuscodes.md), as Temporal's client reports them. */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

/**
 * What Temporal says of an event too large for it ("Blob data size exceeds limit", a memo or
 * payload over its limit). Its other INVALID_ARGUMENTs, such as a search attribute the frontend
 * has not seen yet after `ensureSearchAttributes`, pass with time, so they are retried.
 */
const TOO_LARGE = /size exceeds|exceeds (the )?(size )?limit|too large|larger than max/i;

/**
 * Why Temporal will never take this event, or undefined when a retry may succeed (Temporal down,
 * overloaded, a timeout, a namespace still being set up). Temporal answers INVALID_ARGUMENT to a
 * payload over its blob size limit, gRPC refuses a message over its own limit before sending, and
 * the payload converter refuses what it cannot encode: none of these changes on a retry, and
 * retrying would hold every later change of every integration behind it.
 */
export function undeliverableReason(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof ValueError) return `the event cannot be encoded: ${cause.message}`;
    if (!isGrpcServiceError(cause)) continue;
    if (cause.code === INVALID_ARGUMENT && TOO_LARGE.test(cause.details)) return `Temporal refused it as too large: ${cause.details}`;
    if (cause.code === RESOURCE_EXHAUSTED && /larger than max/i.test(cause.details)) return `it is larger than a gRPC message may be: ${cause.details}`;
  }
  return undefined;
}

export function scimSource(integration: string): string {
  return `${SCIM_SOURCE_PREFIX}${integration}`;
}

/** An Okta user id: "00u" and 17 letters and digits (Okta's push sends it as the user's externalId). */
const OKTA_USER_ID = /^00u[A-Za-z0-9]{17}$/;

export function changeEventOf(entry: OutboxEntry): ChangeEvent {
  const externalId = entry.record?.externalId;
  return {
    source: scimSource(entry.integration),
    key: entry.userId,
    eventId: `scim:${entry.integration}:${entry.seq}`,
    record: entry.record,
    receivedAt: entry.createdAt,
    // So the identity workflow can act on the Okta user this SCIM user is; another client's
    // externalId (an HR number, a GUID) names no Okta user and is left out.
    ...(typeof externalId === 'string' && OKTA_USER_ID.test(externalId) ? { oktaUserId: externalId } : {}),
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
          const reason = undeliverableReason(error);
          if (reason) {
            // Set aside, so the rows after it flow; `tenure scim list` counts what is set aside.
            // The SCIM id and the outbox row, never the record: it is personal data.
            await directory.markUndeliverable(row.seq, reason);
            options.log?.(`scim: the change of ${scimSource(row.integration)}/${row.userId} (outbox row ${row.seq}) cannot be delivered and is set aside: ${reason}`);
            continue;
          }
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
