import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import type { DeferredWorkflow, PlannedNotification, PlanStep, ScheduledTrigger } from '../src/policy/planner.ts';
import type { IdentityRecord } from '../src/policy/schema.ts';

export const changeSignal = defineSignal<[ChangeEvent]>('change');

/** The mass-change guard's answer to an identity that asked to deprovision. */
export interface Clearance {
  eventId: string;
  /** `cleared` at once within the limits; beyond them `held`, then `cleared` or `rejected` once an administrator decides. */
  decision: 'cleared' | 'held' | 'rejected';
  /** Who released or rejected a held change; unset when it was within the limits. */
  by?: string;
}

export const clearanceSignal = defineSignal<[Clearance]>('clearance');

/** A held batch's events by chunk: the first comes with its input, the rest after it starts; a chunk sent again replaces itself. */
export const heldEventsSignal = defineSignal<[{ index: number; events: ChangeEvent[] }]>('heldEvents');

/** Which chunks of its events a held batch has received, so that holding it again sends only the missing ones. */
export const heldChunksQuery = defineQuery<number[]>('heldChunks');

/**
 * Where an identity stands, as its search attribute `LifecycleState` says it:
 * `new` (nothing applied yet), `joining` (known, never active yet), `active`, `leaving` (a leaver
 * waits for its effective moment), `awaiting-approval` (a deletion waits for a person),
 * `held` (a deprovisioning waits for an administrator: the mass-change guard holds it),
 * `inactive` (left), `deleted` (its Okta user deleted).
 */
export type LifecycleState = 'new' | 'joining' | 'active' | 'leaving' | 'awaiting-approval' | 'held' | 'inactive' | 'deleted';

/** A step that waits for a person's approval; its workflow's later steps wait with it. */
export interface PendingApproval {
  /** `policy/workflow` of the workflow it belongs to. */
  id: string;
  action: PlanStep['action']['action'];
  requestedAt: string;
  /** Without a decision by then, the step is not done. */
  deadline: string;
  /** Who was asked, and the notice that asked them; it is sent again when the time is up. */
  notice: PlannedNotification;
  /** The waiting step first, then the rest of its workflow. */
  steps: PlanStep[];
  onFailure: PlannedNotification | undefined;
  /** The message-id stem of the request, so that retries and the expiry notice are recognisable. */
  stepId: string;
}

export interface IdentityStatus {
  source: string;
  key: string;
  /** The source's last applied record; null once it said the identity is gone. */
  record: IdentityRecord | null;
  known: boolean;
  /** Whether any policy counts the identity active, as of the last applied change. */
  active: boolean;
  /** Whether any policy ever counted the identity active; tells a rehire from a joiner. */
  everActive: boolean;
  lifecycleState: LifecycleState;
  /** The hash of the policy set that planned the last change. */
  policyVersion: string | undefined;
  oktaUserId: string | undefined;
  /**
   * Why the Okta user a SCIM client named (its externalId) is not this identity's: Okta did not
   * confirm that user's login is the SCIM userName, so no action touches it. Unset otherwise.
   */
  oktaUserRefused?: string;
  /** What Okta holds for the attributes synced, by the policy's names (the login really given). */
  oktaProfile: Record<string, string>;
  /** Groups a deprovisioning removed, which a rehire restores. */
  removedGroups: string[];
  deleted: boolean;
  applied: number;
  /** The last event handled, applied or failed; duplicates skipped do not count. */
  lastEventId: string | undefined;
  pending: number;
  lastError: string | undefined;
  /** Steps waiting for their `effective` moment. */
  deferred: DeferredWorkflow[];
  /** Date-triggered workflows waiting for their moment. */
  schedule: ScheduledTrigger[];
  approvals: PendingApproval[];
  /** A change the mass-change guard holds, waiting for an administrator. */
  held: { eventId: string; since: string; guard: string } | undefined;
}

export const statusQuery = defineQuery<IdentityStatus>('status');

export interface ApprovalRequest {
  /** `policy/workflow` of the approval meant; needed only when several wait. */
  id?: string;
  by?: string;
}

export interface ApprovalAnswer {
  id: string;
  action: string;
  decision: 'approved' | 'rejected';
}

/** Releases a waiting step; the steps run right after, in the workflow, not in the update. */
export const approveUpdate = defineUpdate<ApprovalAnswer, [ApprovalRequest]>('approve');
/** Drops a waiting step and the rest of its workflow. */
export const rejectUpdate = defineUpdate<ApprovalAnswer, [ApprovalRequest]>('reject');

// The rest of the workflows' public face, so that src/ never reaches into workflow internals.
export type { identityWorkflow } from './identity.ts';
export type { heldBatch, HeldBatchInput } from './held-batch.ts';
export { heldBatchWorkflowId, SAMPLE_SIZE } from './mass-change.ts';
