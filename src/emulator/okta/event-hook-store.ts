import { SYSTEM_ACTOR, currentRequestContext } from './context.ts';
import { accessDenied, resourceNotFound } from './errors.ts';
import type { EventHookDefinition, HookChannel } from './event-hook-input.ts';
import { OrderedIdGenerator } from './ids.ts';
import type { LogTarget, SystemLog } from './system-log.ts';

export type EventHookStatus = 'ACTIVE' | 'INACTIVE';
export type VerificationStatus = 'VERIFIED' | 'UNVERIFIED';

export interface EventHookRecord extends EventHookDefinition {
  readonly id: string;
  status: EventHookStatus;
  verificationStatus: VerificationStatus;
  readonly created: string;
  readonly createdBy: string;
  lastUpdated: string;
  /** The org URL the hook was registered on, which deliveries name as their `source`. */
  readonly origin: string;
}


/** Both channels come from `eventHookDefinition`, which builds them member by member in one order. */
function sameChannel(a: HookChannel, b: HookChannel): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The org's event hooks and Okta's rules for changing them. Every change is written to the System
 * Log under Okta's `event_hook.*` event types.
 */
export class EventHookRegistry {
  private readonly hooks = new Map<string, EventHookRecord>();
  private readonly ids = new OrderedIdGenerator('who');

  constructor(private readonly log: SystemLog) {}

  /** A new hook is active but receives nothing until its endpoint is verified. */
  create(definition: EventHookDefinition, origin: string): EventHookRecord {
    const now = this.log.now().toISOString();
    const hook: EventHookRecord = {
      ...definition,
      id: this.ids.next(),
      status: 'ACTIVE',
      verificationStatus: 'UNVERIFIED',
      created: now,
      createdBy: (currentRequestContext()?.actor ?? SYSTEM_ACTOR).id,
      lastUpdated: now,
      origin,
    };
    this.hooks.set(hook.id, hook);
    this.record(hook, 'event_hook.created', 'Event hook created');
    return hook;
  }

  get(id: string): EventHookRecord {
    const hook = this.hooks.get(id);
    if (!hook) throw resourceNotFound(id, 'EventHook');
    return hook;
  }

  /** All hooks, in creation order. */
  all(): IterableIterator<EventHookRecord> {
    return this.hooks.values();
  }

  /** A hook whose endpoint changes must be verified again before it receives events. */
  replace(id: string, definition: EventHookDefinition): EventHookRecord {
    const hook = this.get(id);
    if (!sameChannel(hook.channel, definition.channel)) hook.verificationStatus = 'UNVERIFIED';
    Object.assign(hook, definition, { lastUpdated: this.log.now().toISOString() });
    this.record(hook, 'event_hook.updated', 'Event hook updated');
    return hook;
  }

  activate(id: string): EventHookRecord {
    return this.changeStatus(id, 'ACTIVE', 'event_hook.activated', 'Event hook activated');
  }

  deactivate(id: string): EventHookRecord {
    return this.changeStatus(id, 'INACTIVE', 'event_hook.deactivated', 'Event hook deactivated');
  }

  markVerified(id: string): EventHookRecord {
    const hook = this.get(id);
    hook.verificationStatus = 'VERIFIED';
    hook.lastUpdated = this.log.now().toISOString();
    this.record(hook, 'event_hook.verified', 'Event hook verified');
    return hook;
  }

  /** As a safety precaution, Okta deletes only inactive hooks. */
  delete(id: string): void {
    const hook = this.get(id);
    if (hook.status !== 'INACTIVE') throw accessDenied();
    this.hooks.delete(id);
    this.record(hook, 'event_hook.deleted', 'Event hook deleted');
  }

  /** The hooks an event of this type is delivered to: active, verified and subscribed to it. */
  subscribersOf(eventType: string): EventHookRecord[] {
    return [...this.hooks.values()].filter(
      (hook) => hook.status === 'ACTIVE' && hook.verificationStatus === 'VERIFIED' && hook.eventTypes.includes(eventType),
    );
  }

  private changeStatus(id: string, status: EventHookStatus, eventType: string, displayMessage: string): EventHookRecord {
    const hook = this.get(id);
    if (hook.status === status) return hook;
    hook.status = status;
    hook.lastUpdated = this.log.now().toISOString();
    this.record(hook, eventType, displayMessage);
    return hook;
  }

  private record(hook: EventHookRecord, eventType: string, displayMessage: string): void {
    this.log.append({ eventType, displayMessage, target: [hookTarget(hook)] });
  }
}

/** How the System Log names a hook in the events about it. */
export function hookTarget(hook: EventHookRecord): LogTarget {
  return { id: hook.id, type: 'EventHook', alternateId: hook.name, displayName: hook.name };
}
