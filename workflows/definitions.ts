import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import type { IdentityRecord } from '../src/policy/schema.ts';

export const changeSignal = defineSignal<[ChangeEvent]>('change');

export interface IdentityStatus {
  source: string;
  key: string;
  /** The source's last applied record; null once it said the identity is gone. */
  record: IdentityRecord | null;
  known: boolean;
  oktaUserId: string | undefined;
  applied: number;
  /** The last event handled, applied or failed; duplicates skipped do not count. */
  lastEventId: string | undefined;
  pending: number;
  lastError: string | undefined;
}

export const statusQuery = defineQuery<IdentityStatus>('status');
