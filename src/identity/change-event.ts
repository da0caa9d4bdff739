import type { IdentityRecord } from '../policy/schema.ts';

/** What every source adapter produces: one change to one identity. */
export interface ChangeEvent {
  source: string;
  key: string;
  /** Deduplication key: the same id delivered twice is applied once. */
  eventId: string;
  /** The identity's new record, or null when the source says it is gone. */
  record: IdentityRecord | null;
  receivedAt: string;
  /**
   * `record` holds only the attributes that changed, laid over the last known record: an Okta
   * event says a user was deactivated, not what its profile holds.
   */
  partial?: boolean;
  /**
   * What the source says the identity was just before this change, for an identity Tenure has
   * not seen: a deactivation implies the user was active.
   */
  before?: IdentityRecord;
  /** The Okta user this identity is, when the source is Okta itself. */
  oktaUserId?: string;
  /** The held batch an administrator released this change with: the mass-change guard has cleared it already. */
  clearedBy?: string;
}

export function identityWorkflowId(source: string, key: string): string {
  return `identity/${source}/${key}`;
}
