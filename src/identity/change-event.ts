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
}

export function identityWorkflowId(source: string, key: string): string {
  return `identity/${source}/${key}`;
}
