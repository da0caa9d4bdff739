import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import type { DeferredWorkflow, ScheduledTrigger } from '../src/policy/planner.ts';
import type { IdentityRecord } from '../src/policy/schema.ts';

export const changeSignal = defineSignal<[ChangeEvent]>('change');

export interface IdentityStatus {
  source: string;
  key: string;
  /** The source's last applied record; null once it said the identity is gone. */
  record: IdentityRecord | null;
  known: boolean;
  /** Whether any policy ever counted the identity active; tells a rehire from a joiner. */
  everActive: boolean;
  oktaUserId: string | undefined;
  applied: number;
  /** The last event handled, applied or failed; duplicates skipped do not count. */
  lastEventId: string | undefined;
  pending: number;
  lastError: string | undefined;
  /** Steps waiting for their `effective` moment. */
  deferred: DeferredWorkflow[];
  /** Date-triggered workflows waiting for their moment. */
  schedule: ScheduledTrigger[];
}

export const statusQuery = defineQuery<IdentityStatus>('status');
