import { randomUUID } from 'node:crypto';
import { postDelivery } from './event-hook-calls.ts';
import { hookTarget, type EventHookRecord, type EventHookRegistry } from './event-hook-store.ts';
import type { LogEvent, SystemLog } from './system-log.ts';

export interface DeliveryOptions {
  /** How long events wait for others to join them in one request. */
  flushIntervalMs: number;
  /** How long each attempt waits for the endpoint to answer. */
  timeoutMs: number;
  /** Deliveries the admin API asked to lose. */
  drops?: DeliveryDrops;
}

export const DEFAULT_FLUSH_INTERVAL_MS = 100;

/**
 * How many of the next deliveries are lost before they are sent, as if every attempt had failed:
 * tests make Okta miss an event this way, to see reconciliation catch what the hook did not get.
 */
export class DeliveryDrops {
  private remaining = 0;

  /** Loses the next `count` deliveries; 0 stops losing them. */
  dropNext(count: number): void {
    this.remaining = count;
  }

  /** Whether the delivery about to be sent is one to lose. */
  take(): boolean {
    if (this.remaining === 0) return false;
    this.remaining--;
    return true;
  }
}

interface Batch {
  hook: EventHookRecord;
  events: LogEvent[];
  timer: NodeJS.Timeout;
}

/**
 * Pushes System Log events to the event hooks subscribed to them. Events that occur close together
 * go in one request. Delivery happens after the change that caused it has been answered, never
 * within it; `close` sends what is waiting and waits for every delivery to finish.
 */
export class EventHookDelivery {
  private readonly pending = new Map<string, Batch>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly hooks: EventHookRegistry,
    private readonly log: SystemLog,
    private readonly options: DeliveryOptions,
  ) {
    this.unsubscribe = log.subscribe((event) => this.enqueue(event));
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const hookId of [...this.pending.keys()]) this.flush(hookId);
    await Promise.all(this.inFlight);
  }

  private enqueue(event: LogEvent): void {
    for (const hook of this.hooks.subscribersOf(event.eventType)) {
      let batch = this.pending.get(hook.id);
      if (!batch) {
        batch = { hook, events: [], timer: setTimeout(() => this.flush(hook.id), this.options.flushIntervalMs) };
        this.pending.set(hook.id, batch);
      }
      batch.events.push(event);
    }
  }

  private flush(hookId: string): void {
    const batch = this.pending.get(hookId);
    if (!batch) return;
    this.pending.delete(hookId);
    clearTimeout(batch.timer);
    const delivery = this.deliver(batch.hook, batch.events).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private async deliver(hook: EventHookRecord, events: LogEvent[]): Promise<void> {
    if (this.options.drops?.take()) {
      this.logFailure(hook, "Dropped on purpose: the emulator's admin API was asked to lose this delivery");
      return;
    }
    const body = {
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      source: `${hook.origin}/api/v1/eventHooks/${hook.id}`,
      eventId: randomUUID(),
      eventTime: this.log.now().toISOString(),
      contentType: 'application/json',
      data: { events },
    };
    const result = await postDelivery(hook.channel, body, this.options.timeoutMs);
    if (!result.ok) this.logFailure(hook, result.reason);
  }

  private logFailure(hook: EventHookRecord, reason: string): void {
    this.log.append({
      eventType: 'event_hook.delivery',
      displayMessage: 'Event hook delivery',
      target: [hookTarget(hook)],
      outcome: { result: 'FAILURE', reason },
    });
  }
}
