import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import type { DeferredWorkflow, PlannedNotification, PlanStep, ScheduledTrigger } from '../src/policy/planner.ts';
import type { Approvers, IdentityRecord } from '../src/policy/schema.ts';
import type { IdentityState } from './identity-state.ts';
import type * as registered from './index.ts';

/*
 * The workflows' one face: what the rest of Tenure (src/, activities/, bench/, test/) may know of
 * them (names, ids, signals, updates, queries, memos, inputs and results), so that following a
 * change from a source to a target never reaches into workflow internals, and those can be split
 * or patched without their callers noticing.
 */

/**
 * The workflow types, by the names clients start them with and visibility queries name them by;
 * `satisfies` keeps each one a workflow the worker registers (workflows/index.ts).
 */
export const WorkflowType = {
  identity: 'identityWorkflow',
  massChangeGuard: 'massChangeGuard',
  heldBatch: 'heldBatch',
  heldBatchPart: 'heldBatchPart',
  hrExportPull: 'hrExportPull',
  oktaReconciliation: 'oktaReconciliation',
  oktaLogPoll: 'oktaLogPoll',
} as const satisfies Record<string, keyof typeof registered>;

/** What an identity workflow starts with: its identity, and what a run before it carried over. */
export interface IdentityWorkflowInput {
  source: string;
  key: string;
  /** Carried over by continue-as-new (the benchmarks start identities with a state so). */
  carried?: {
    status: IdentityState;
    recentEventIds: string[];
    pending: ChangeEvent[];
  };
}

/**
 * The memo field in which an identity workflow shows its source's last applied record, as
 * `{value}`: a memo field set to null is removed, and a record the source removed is null.
 */
export const RECORD_MEMO = 'record';

/** Set by Temporal on every run a schedule starts: the moment the run stands for. */
export const ScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

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

/** Which chunks of its events (or, for a batch held in parts, which parts) a held batch has received, so that holding it again sends only the missing ones. */
export const heldChunksQuery = defineQuery<number[]>('heldChunks');

/** Parts of a held batch that its holder has started, each holding its share of the changes. */
export const heldPartsSignal = defineSignal<[{ indexes: number[] }]>('heldParts');

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
  /** Who may decide, from the policy when it asked; unset (an approval asked before approvers existed), anyone Tenure authenticated. */
  approvers?: Approvers;
}

/** A decision a workflow refused: unsigned, forged, expired, made for something else, used before, or by someone not allowed. */
export interface DecisionRefusal {
  at: string;
  decision: 'approved' | 'rejected';
  /** What it was meant for: the approval's `policy/workflow`, or the guard's or held batch's workflow id. */
  approval: string;
  reason: string;
  /** Who the proof (or, without a valid one, the request) said decides; not verified unless the refusal is about that person. */
  claimedBy?: string;
}

/** An identity's account in one target (Okta, a SCIM application), as its actions left it. */
export interface TargetAccount {
  /** The target's id of the account: the Okta user id, the SCIM resource id. */
  id: string | undefined;
  /** What the target holds for the attributes synced, by the policy's names (the login really given). */
  profile: Record<string, string>;
  /** Groups a deprovisioning removed, which a rehire restores. */
  removedGroups: string[];
  deleted: boolean;
  /** The target's word for the account after the last action on it (ACTIVE, DEPROVISIONED; active, inactive). */
  status?: string;
  /** The last action on this target that failed for good, and why; cleared when one succeeds. */
  lastError?: string;
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
  /** Per target, by name (`okta`, and each SCIM application a policy acts on), the identity's account. */
  accounts: Record<string, TargetAccount>;
  /** The Okta account's id, profile, removed groups and deletion, as the status said them before targets. */
  oktaUserId: string | undefined;
  /**
   * Why the Okta user a SCIM client named (its externalId) is not this identity's: Okta did not
   * confirm that user's login is the SCIM userName, so no action touches it. Unset otherwise.
   */
  oktaUserRefused?: string;
  oktaProfile: Record<string, string>;
  removedGroups: string[];
  /** Every account the identity had is deleted. */
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
  /** The latest decisions refused (the last 20), oldest first; unset until one is. */
  refusedDecisions?: DecisionRefusal[];
  /** The ids of the latest decision proofs acted on: a proof is good for one decision. */
  usedProofs?: string[];
}

export const statusQuery = defineQuery<IdentityStatus>('status');

export interface ApprovalRequest {
  /** `policy/workflow` of the approval meant; needed only when several wait. */
  id?: string;
  by?: string;
  /**
   * Tenure's signed proof of who decides (src/decisions/proof.ts), made by the intake after it
   * authenticated the person; a decision without a valid one is refused and recorded.
   */
  proof?: string;
}

export interface ApprovalAnswer {
  id: string;
  action: string;
  decision: 'approved' | 'rejected';
  /** The person whose signed decision it was, as verified; unset from workflows deciding without proofs (before signed decisions). */
  by?: string;
}

/** Releases a waiting step; the steps run right after, in the workflow, not in the update. */
export const approveUpdate = defineUpdate<ApprovalAnswer, [ApprovalRequest]>('approve');
/** Drops a waiting step and the rest of its workflow. */
export const rejectUpdate = defineUpdate<ApprovalAnswer, [ApprovalRequest]>('reject');

// The rest of the face, defined beside the workflows they belong to.
export { identityWorkflowId } from '../src/identity/change-event.ts';
export type { IdentityState } from './identity-state.ts';
export { accountLine, initialState, refusalLine } from './identity-state.ts';
export type { identityWorkflow } from './identity.ts';
export { clearanceRequestSignal, guardWorkflowId, heldBatchWorkflowId, SAMPLE_SIZE, type ClearanceRequest } from './mass-change.ts';
export type { heldBatch, HeldBatchInput, HeldBatchResult } from './held-batch.ts';
export { heldPartDecisionSignal, heldPartWorkflowId, type heldBatchPart, type HeldBatchPartInput, type HeldBatchPartResult } from './held-batch-parts.ts';
export type { massChangeGuard, GuardInput } from './mass-change-guard.ts';
export type { hrExportPull } from './hr-export-pull.ts';
export type { oktaLogPoll, OktaLogPollInput, oktaReconciliation, OktaReconciliationInput } from './okta-reconciliation.ts';
