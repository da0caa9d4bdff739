import type { ChangeEvent } from '../identity/change-event.ts';
import type { IdentityRecord } from '../policy/schema.ts';

/** The source name of identities Okta itself reports: workflows `identity/okta/<Okta user id>`. */
import { OKTA_SOURCE } from '../policy/source-name.ts';

export { OKTA_SOURCE };

/**
 * One System Log event, as an event hook delivers it (`data.events[]`) and as the System Log API
 * lists it; the SDK's `LogEvent`, whose members are all optional and whose `published` is a Date,
 * fits as it is.
 */
export interface OktaLogEvent {
  uuid?: string;
  published?: string | Date;
  eventType?: string;
  outcome?: { result?: string; reason?: string | null } | null;
  target?: ReadonlyArray<{ id?: string | null; type?: string | null; alternateId?: string | null }> | null;
}

/** The user status each lifecycle event leaves behind, as a reconciliation pass would read it. */
const STATUS_AFTER = {
  'user.lifecycle.deactivate': 'DEPROVISIONED',
  'user.lifecycle.suspend': 'SUSPENDED',
  'user.lifecycle.unsuspend': 'ACTIVE',
  'user.lifecycle.activate': 'ACTIVE',
  'user.lifecycle.reactivate': 'ACTIVE',
} as const;

const DELETED = 'user.lifecycle.delete.initiated';

/** The event types Tenure can turn into changes; a configuration naming others is refused. */
export const MAPPED_OKTA_EVENT_TYPES: readonly string[] = [...Object.keys(STATUS_AFTER), DELETED];

/** Throws, naming them, when `types` holds event types Tenure cannot map. */
export function checkOktaEventTypes(types: readonly string[]): void {
  if (types.length === 0) throw new Error(`no Okta event types are configured: name some of ${MAPPED_OKTA_EVENT_TYPES.join(', ')}`);
  const unknown = types.filter((type) => !MAPPED_OKTA_EVENT_TYPES.includes(type));
  if (unknown.length > 0) {
    throw new Error(`Tenure cannot act on the Okta event types ${unknown.map((type) => `"${type}"`).join(', ')}; it maps ${MAPPED_OKTA_EVENT_TYPES.join(', ')}`);
  }
}

/**
 * The change an Okta event makes to the user it is about, or undefined when Tenure does not act
 * on it: a type not in `eventTypes`, a failed attempt, or no user target. The event's uuid is the
 * change's id, so the same event from a hook delivery and from a System Log poll is one change.
 * An event says what changed, not what the profile holds, so records are partial.
 */
export function changeFromOktaEvent(event: OktaLogEvent, eventTypes: readonly string[], receivedAt: string): ChangeEvent | undefined {
  const { uuid, eventType } = event;
  if (!uuid || !eventType || !eventTypes.includes(eventType)) return undefined;
  if (event.outcome?.result === 'FAILURE') return undefined;
  const user = event.target?.find((target) => target.type === 'User');
  // The id names the identity's workflow, so one that could not be a path segment is no user.
  if (!user?.id || user.id.includes('/')) return undefined;

  const change = { source: OKTA_SOURCE, key: user.id, eventId: uuid, receivedAt, oktaUserId: user.id };
  if (eventType === DELETED) return { ...change, record: null };
  if (!(eventType in STATUS_AFTER)) return undefined;

  const known: IdentityRecord = { id: user.id, ...(user.alternateId ? { login: user.alternateId } : {}) };
  const published = event.published instanceof Date ? event.published.toISOString() : event.published;
  const status = STATUS_AFTER[eventType as keyof typeof STATUS_AFTER];
  const record: IdentityRecord = { ...known, status, ...(published ? { statusChanged: published } : {}) };
  if (eventType !== 'user.lifecycle.deactivate') return { ...change, record, partial: true };
  // Whatever the user was before (active, suspended, staged), it was not deprovisioned: so a
  // deactivation is a leaver even for a user Tenure never saw.
  return { ...change, record, partial: true, before: { ...known, status: 'ACTIVE' } };
}
