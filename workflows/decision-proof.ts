import { ActivityFailure, ApplicationFailure, log, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DecisionActivities } from '../activities/index.ts';
import type { Approvers } from '../src/policy/schema.ts';
import type { ApprovalRequest, DecisionRefusal } from './definitions.ts';
import { failureReason } from './failure-reason.ts';

/*
 * The one check every decision passes before a workflow acts on it (identity approvals, the
 * mass-change guard, held imports): the update's proof is verified by an activity on the worker,
 * which holds Tenure's public decision key and reads Okta groups. The update's validator still
 * accepts a decision without a valid proof, so that it is in the history, and its handler refuses
 * it here: recorded in the workflow, logged, and answered with a `DecisionRefused` failure.
 */

/** The patch that brought proofs in: histories decided before it replay as they ran, with `by` as the caller wrote it. */
export const SIGNED_DECISIONS = 'signed-decisions';

/** The person is waiting on the command line: a short retry of an Okta that does not answer, then a refusal. */
const { verifyDecision } = proxyActivities<DecisionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** How many refusals a workflow keeps in view, and how many proofs it remembers having acted on. */
export const REFUSALS_KEPT = 20;
/** Proofs live five minutes, so the last hundred decisions cover any proof still current. */
const PROOFS_KEPT = 100;

/** Where a workflow keeps what its decisions left: in its state, so that continue-as-new carries it. */
export interface DecisionLedger {
  refusedDecisions?: DecisionRefusal[];
  usedProofs?: string[];
}

export interface ExpectedDecision {
  /** The waiting approval's `policy/workflow`, or for the guard and a held import their workflow id. */
  approval: string;
  decision: DecisionRefusal['decision'];
  /** An identity approval's (`{}` when its policy names none); unset, the mass-change approvers configured on the worker. */
  approvers?: Approvers;
}

/** Who decides: verified from the proof, or (replaying a history from before proofs) the caller's word. */
export interface Decider {
  by: string | undefined;
  verified: boolean;
}

export interface DecisionHooks {
  /**
   * Throws, as the update's validator does, when the decision can no longer be taken: checked
   * again after the proof's check, since another decision may have been taken meanwhile.
   */
  stillOpen(): void;
  /** Shows a refusal just recorded (the workflow's current details). */
  refused(): void;
}

/**
 * The person who decides, verified once the proof of `request` holds for `expected`; the proof is
 * then spent. Otherwise the refusal is recorded in `ledger` and thrown as an ApplicationFailure of
 * type `DecisionRefused` ("Decision refused: <reason>"), which fails the update, not the workflow.
 * Without the patch (replaying a history from before proofs), `by` is the request's, unchecked.
 */
export async function provenDecider(request: ApprovalRequest, expected: ExpectedDecision, ledger: DecisionLedger, hooks: DecisionHooks): Promise<Decider> {
  if (!patched(SIGNED_DECISIONS)) return { by: request.by, verified: false };
  const { workflowId } = workflowInfo();
  let verdict: Awaited<ReturnType<typeof verifyDecision>>;
  try {
    verdict = await verifyDecision.executeWithOptions({ summary: `verify ${expected.decision} · ${expected.approval}` }, [
      { proof: request.proof, workflowId, approval: expected.approval, decision: expected.decision, approvers: expected.approvers },
    ]);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    verdict = { allowed: false, reason: `the decision could not be verified (${failureReason(error)}): decide again` };
  }
  if (!verdict.allowed) refuse(verdict.reason, verdict.claimedBy ?? request.by);
  try {
    hooks.stillOpen();
  } catch (error) {
    throw ApplicationFailure.nonRetryable((error as Error).message, 'DecisionTooLate');
  }
  if (ledger.usedProofs?.includes(verdict.proofId)) refuse('the decision\'s proof was used already: decide again', verdict.by);
  ledger.usedProofs = [...(ledger.usedProofs ?? []), verdict.proofId].slice(-PROOFS_KEPT);
  return { by: verdict.by, verified: true };

  function refuse(reason: string, claimedBy: string | undefined): never {
    const refusal: DecisionRefusal = { at: new Date().toISOString(), decision: expected.decision, approval: expected.approval, reason, ...(claimedBy ? { claimedBy } : {}) };
    ledger.refusedDecisions = [...(ledger.refusedDecisions ?? []), refusal].slice(-REFUSALS_KEPT);
    // Who claimed to decide is personal data: it is in the workflow's state, not in the log.
    log.warn('Decision refused', { approval: expected.approval, decision: expected.decision, reason });
    hooks.refused();
    throw ApplicationFailure.nonRetryable(`Decision refused: ${reason}`, 'DecisionRefused');
  }
}
