import { ApplicationFailure, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PlannedApproval, PlanStep } from '../src/policy/planner.ts';
import { durationMs } from '../src/runtime/duration.ts';
import { approveUpdate, rejectUpdate, type ApprovalAnswer, type ApprovalRequest, type PendingApproval } from './definitions.ts';
import { provenDecider } from './decision-proof.ts';
import { failureReason } from './failure-reason.ts';
import { actions } from './identity-activities.ts';
import type { IdentityState } from './identity-state.ts';
import { workflowOf, type ApprovalDesk, type Notices, type Runnable, type StepRunner } from './identity-steps.ts';

interface Decision {
  approval: PendingApproval;
  answer: ApprovalAnswer;
  by: string | undefined;
}

/**
 * The steps that wait for a person: a DELETE_IDENTITY with `approval` parks the rest of its policy
 * workflow, asks the approver, and waits for `tenure approve` or `tenure reject` (the updates
 * below) until its deadline, when it expires.
 */
export class Approvals implements ApprovalDesk {
  /** Approvals decided by a person, in the order they were decided, to act on in the workflow's loop. */
  private readonly decided: Decision[] = [];
  /** A decision was refused since the loop last showed the state: the loop wakes to show it. */
  private refusalToShow = false;

  constructor(
    private readonly state: IdentityState,
    private readonly notices: Notices,
  ) {}

  /**
   * Takes the approve and reject updates; a decision is only queued, and acted on in the loop.
   * The validator turns away only what cannot be decided (nothing waiting); a decision without
   * a valid proof is accepted, so that it is in the history, and refused by the handler.
   */
  listen(): void {
    for (const [update, decision] of [
      [approveUpdate, 'approved'],
      [rejectUpdate, 'rejected'],
    ] as const) {
      setHandler(update, (request) => this.decide(request, decision), { validator: (request) => void this.approvalFor(request) });
    }
  }

  /** Whether a person has decided, or a decision was refused, since the loop last acted. */
  get anyDecided(): boolean {
    return this.decided.length > 0 || this.refusalToShow;
  }

  /** Parks a step and the rest of its workflow, and asks the approver. */
  async request(plan: Runnable, index: number, stepId: string, asked: PlannedApproval): Promise<void> {
    const step = plan.steps[index]!;
    const { timeout, approvers, ...request } = asked;
    const workflow = workflowOf(step);
    const approval: PendingApproval = {
      id: workflow,
      action: step.action.action,
      requestedAt: new Date().toISOString(),
      // The schema admits only durations durationMs reads.
      deadline: new Date(Date.now() + durationMs(timeout)!).toISOString(),
      notice: request,
      steps: plan.steps.slice(index).filter((later) => workflowOf(later) === workflow),
      onFailure: plan.onFailure[workflow],
      stepId,
      // The policy of the moment it asked decides who may answer.
      ...(approvers ? { approvers } : {}),
    };
    this.state.approvals = [...this.state.approvals.filter(({ id }) => id !== workflow), approval];
    await this.sendNotice(approval, false);
  }

  /** Acts on the oldest decision: runs the approved step and the rest of its workflow, or records the rejection. */
  async actOnNext(runner: Pick<StepRunner, 'runSteps'>): Promise<void> {
    this.refusalToShow = false;
    // Woken only to show a refusal: the loop publishes the state after this.
    if (this.decided.length === 0) return;
    const { approval, answer, by } = this.decided.shift()!;
    // Who decided is in the update's answer in the history, not in the log: a login is personal data.
    log.info(`Approval ${answer.decision}`, { workflow: approval.id, action: approval.action });
    if (answer.decision === 'rejected') {
      this.state.lastError = `${approval.action} of ${approval.id} was rejected${by ? ` by ${by}` : ''}`;
      return;
    }
    const [waiting, ...rest] = approval.steps;
    // The approved step runs as it was planned, without asking again.
    const approved: PlanStep = { ...waiting!, action: { action: 'DELETE_IDENTITY' } };
    const failure = await runner.runSteps({ steps: [approved, ...rest], onFailure: approval.onFailure ? { [approval.id]: approval.onFailure } : {} }, `${approval.stepId}.approved`);
    if (failure) this.state.lastError = failureReason(failure);
  }

  /** Nobody decided in time: the approver hears so, the workflow's failure notice goes out, and the step is not done. */
  async expire(approval: PendingApproval): Promise<Error> {
    await this.sendNotice(approval, true);
    const reason = `${approval.action} of ${approval.id} was not approved by ${approval.deadline}`;
    await this.notices.sendFailure(approval.onFailure, { error: reason, workflow: approval.id, action: approval.action }, `${approval.stepId}.expired`);
    return ApplicationFailure.nonRetryable(reason, 'ApprovalTimedOut');
  }

  private async sendNotice(approval: PendingApproval, expired: boolean): Promise<void> {
    const { workflowId } = workflowInfo();
    const context = {
      ...approval.notice.context,
      approval: { workflow: approval.id, action: approval.action, deadline: approval.deadline, workflowId, expired },
    };
    await actions.notify.executeWithOptions({ summary: `${expired ? 'approval expired' : 'approval request'} · ${approval.id}` }, [
      this.notices.notice({ ...approval.notice, context }, `${approval.stepId}.approval${expired ? '-expired' : ''}`),
    ]);
  }

  private approvalFor(request: ApprovalRequest): PendingApproval {
    const { state } = this;
    const candidates = state.approvals.filter(({ id }) => request.id === undefined || id === request.id);
    if (candidates.length === 1) return candidates[0]!;
    const waiting = state.approvals.map(({ id, action }) => `${action} of ${id}`).join(', ');
    if (candidates.length === 0) {
      throw new Error(`${state.source}/${state.key}: ${request.id ? `no approval of ${request.id} is waiting` : 'nothing is waiting for approval'}${waiting ? `; waiting: ${waiting}` : ''}`);
    }
    throw new Error(`${state.source}/${state.key}: several approvals are waiting (${waiting}); name one`);
  }

  /**
   * Acts on a decision whose proof holds: `by` is the person the proof names, never the caller's
   * word. Before signed decisions it was taken at once; the check is an activity, so the approval
   * is looked up again after it, in case another decision took it meanwhile.
   */
  private async decide(request: ApprovalRequest, decision: ApprovalAnswer['decision']): Promise<ApprovalAnswer> {
    const approval = this.approvalFor(request);
    const { by, verified } = await provenDecider(request, { approval: approval.id, decision, approvers: approval.approvers ?? {} }, this.state, {
      stillOpen: () => {
        if (this.approvalFor(request) !== approval) throw new Error(`${this.state.source}/${this.state.key}: the approval of ${approval.id} was asked again meanwhile; decide again`);
      },
      refused: () => {
        this.refusalToShow = true;
      },
    });
    this.state.approvals = this.state.approvals.filter((waiting) => waiting !== approval);
    const answer: ApprovalAnswer = { id: approval.id, action: approval.action, decision };
    this.decided.push({ approval, answer, by });
    // Answered as before signed decisions when replaying one of their histories.
    return verified ? { ...answer, by } : answer;
  }
}
