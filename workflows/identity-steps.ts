import { ApplicationFailure, log, patched, workflowInfo } from '@temporalio/workflow';
import type { IdentityRecord } from '../src/policy/schema.ts';
import type { NotificationContext, Plan, PlannedApproval, PlannedNotification, PlanStep } from '../src/policy/planner.ts';
import { OKTA_SOURCE } from '../src/policy/source-name.ts';
import { DEFAULT_TARGET, targetOf, type TargetedAction } from '../src/targets/actions.ts';
import { failureReason } from './failure-reason.ts';
import { actions } from './identity-activities.ts';
import { accountIn, noAccount, oktaAccount, type IdentityState } from './identity-state.ts';

/** `policy/workflow` of a step: what stops together, and what an approval is named by. */
export const workflowOf = (step: PlanStep) => `${step.policy}/${step.workflow}`;

/** A plan's steps that a run can take, with the notices their workflows send on failure. */
export type Runnable = Pick<Plan, 'steps' | 'onFailure'>;

/** Where a step that needs a person's approval is parked, with the rest of its workflow. */
export interface ApprovalDesk {
  request(plan: Runnable, index: number, stepId: string, asked: PlannedApproval): Promise<void>;
}

/** The identity's notices: what they say of Okta, and message-ids a mail system recognises. */
export class Notices {
  constructor(private readonly state: IdentityState) {}

  /** Message-ids stay the same across retries, so a mail system can recognise a message sent twice. */
  messageId(stem: string): string {
    return `<${stem}.${workflowInfo().workflowId}@tenure>`;
  }

  /**
   * Templates see, under `okta.`, what Okta really holds after a sync (the login a fallback gave),
   * in place of what the plan meant to write.
   */
  withOktaValues(context: NotificationContext): NotificationContext {
    const planned = context.okta;
    if (!planned || typeof planned !== 'object') return context;
    return { ...context, okta: Object.fromEntries(Object.entries(planned).map(([name, value]) => [name, oktaAccount(this.state).profile[name] ?? value])) };
  }

  notice(planned: PlannedNotification, stem: string) {
    return { ...planned, context: this.withOktaValues(planned.context), messageId: this.messageId(stem) };
  }

  async sendFailure(notice: PlannedNotification | undefined, failure: Record<string, string>, stepId: string): Promise<void> {
    if (!notice) return;
    await actions.notify.executeWithOptions({ summary: `onFailure notice of ${failure.workflow}` }, [
      { ...notice, context: { ...this.withOktaValues(notice.context), failure }, messageId: this.messageId(`${stepId}.failure`) },
    ]);
  }
}

/** Runs a plan's steps on their targets, and keeps each target's account in the identity's state. */
export class StepRunner {
  /** The record the steps being run act on: the one being applied, else the last applied. */
  basis: IdentityRecord | null;

  constructor(
    private readonly state: IdentityState,
    private readonly notices: Notices,
    private readonly approvals: ApprovalDesk,
  ) {
    this.basis = state.record;
  }

  /**
   * Runs a plan's steps in order. A step that fails for good ends its own policy workflow
   * (`onError: stop`, the default) and sends that workflow's onFailure notice, or is recorded
   * and passed over (`onError: continue`). A step that needs approval parks the rest of its
   * workflow until a person decides; other workflows go on. Returns the first failure that
   * stopped a workflow.
   */
  async runSteps(plan: Runnable, runId: string): Promise<Error | undefined> {
    const stopped = new Set<string>();
    let firstStop: Error | undefined;
    for (const [index, step] of plan.steps.entries()) {
      const workflow = workflowOf(step);
      if (stopped.has(workflow)) continue;
      const stepId = `${runId}/${index}`;
      if (step.action.action === 'DELETE_IDENTITY' && step.action.approval) {
        await this.approvals.request(plan, index, stepId, step.action.approval);
        stopped.add(workflow);
        continue;
      }
      try {
        await this.runStep(step, stepId);
      } catch (error) {
        const reason = failureReason(error);
        log.error('A step failed', { workflow, action: step.action.action, error: reason });
        if (step.onError === 'continue') {
          this.state.lastError = `${workflow} ${step.action.action}: ${reason}`;
          continue;
        }
        stopped.add(workflow);
        firstStop ??= error as Error;
        try {
          await this.notices.sendFailure(plan.onFailure[workflow], { error: reason, workflow, action: step.action.action }, stepId);
        } catch (noticeError) {
          // A notice that cannot be sent must not hide the failure it was about: that stays the error.
          if (!patched('failure-notice-kept-apart')) throw noticeError;
          log.error('An onFailure notice could not be sent', { workflow, error: failureReason(noticeError) });
        }
      }
    }
    return firstStop;
  }

  private async runStep(step: PlanStep, stepId: string): Promise<void> {
    const { action } = step;
    if (action.action === 'NOTIFY') {
      await actions.notify.executeWithOptions({ summary: `NOTIFY · ${workflowOf(step)}` }, [this.notices.notice(action, stepId)]);
      return;
    }
    const target = targetOf(action);
    try {
      await this.onTarget(step, action, target, stepId);
      if (this.state.accounts[target]) this.state.accounts[target].lastError = undefined;
    } catch (error) {
      // Which target failed stays in view beside its account, whatever the step's onError.
      accountIn(this.state, target).lastError = `${workflowOf(step)} ${action.action}: ${failureReason(error)}`;
      throw error;
    }
  }

  /**
   * Runs an action on its target and keeps the account's state. Workflows that ran before the target
   * seam scheduled Okta's activities under their old names, with the Okta user id as
   * `oktaUserId`; they replay so, and go on through the seam's activities.
   */
  private async onTarget(step: PlanStep, action: TargetedAction, target: string, stepId: string): Promise<void> {
    const { state } = this;
    const summary = { summary: `${action.action}${target === DEFAULT_TARGET ? '' : ` on ${target}`} · ${workflowOf(step)}` };
    const seam = () => patched('target-seam');
    const held = accountIn(state, target);
    switch (action.action) {
      case 'SYNC_IDENTITIES': {
        const rehire = step.trigger === 'rehire';
        const input = {
          key: state.key,
          accountId: held.id,
          create: action.create,
          attributes: action.attributes,
          fallbacks: action.fallbacks,
          createOnly: action.createOnly,
          // When Okta itself is the source it has reactivated the user already; a report that is
          // late (a reconciliation listing overtaken by a deactivation) must never undo one.
          reactivate: rehire && !(target === DEFAULT_TARGET && state.source === OKTA_SOURCE),
          restoreGroups: rehire ? held.removedGroups : [],
        };
        const result = seam()
          ? await actions.targetSyncIdentity.executeWithOptions(summary, [{ target, ...input }])
          : await actions.syncIdentity.executeWithOptions(summary, [legacy(input)]).then(({ oktaUserId, ...rest }) => ({ ...rest, accountId: oktaUserId }));
        held.id = result.accountId;
        held.profile = { ...held.profile, ...result.profile };
        held.status = result.status;
        held.deleted = false;
        if (rehire) held.removedGroups = [];
        return;
      }
      case 'MANAGE_RELATIONSHIPS': {
        const input = { key: state.key, accountId: this.accountFor(step, target), add: action.add, remove: action.remove, sync: action.sync };
        if (seam()) await actions.targetManageRelationships.executeWithOptions(summary, [{ target, ...input }]);
        else await actions.manageRelationships.executeWithOptions(summary, [legacy(input)]);
        return;
      }
      case 'DEPROVISION_IDENTITY': {
        const { action: _name, target: _target, ...options } = action;
        const account = { key: state.key, accountId: this.accountFor(step, target) };
        if (options.removeGroups) {
          const groups = seam()
            ? await actions.targetGroupsToRemove.executeWithOptions(summary, [{ target, ...account }])
            : await actions.groupsToRemove.executeWithOptions(summary, [legacy(account)]);
          held.removedGroups = [...new Set([...held.removedGroups, ...groups])];
        }
        const input = { ...account, ...options, onlyIfStatus: this.statusReportedBy(target) };
        const { status } = seam()
          ? await actions.targetDeprovisionIdentity.executeWithOptions(summary, [{ target, ...input }])
          : await actions.deprovisionIdentity.executeWithOptions(summary, [legacy(input)]);
        held.status = status;
        return;
      }
      case 'DELETE_IDENTITY':
        // An Okta user Tenure does not know is not its to delete; a SCIM account is looked up by
        // the key it carries, and with none found there is nothing of the identity's to delete.
        if (held.id || target !== DEFAULT_TARGET) {
          const input = { key: state.key, accountId: held.id, onlyIfStatus: this.statusReportedBy(target) };
          if (seam()) await actions.targetDeleteIdentity.executeWithOptions(summary, [{ target, ...input }]);
          else await actions.deleteIdentity.executeWithOptions(summary, [legacy(input)]);
        }
        held.id = undefined;
        held.deleted = true;
        held.removedGroups = [];
        held.status = undefined;
        return;
      case 'CREATE_ENTITLEMENT': {
        const input = { key: state.key, name: action.name, description: action.description, assign: action.assign, accountId: action.assign ? this.accountFor(step, target) : undefined };
        if (seam()) await actions.targetCreateEntitlement.executeWithOptions(summary, [{ target, ...input }]);
        else await actions.createEntitlement.executeWithOptions(summary, [legacy(input)]);
        return;
      }
      case 'RESET_PASSWORD':
        // Okta's alone (validation refuses another target): the password goes straight into the notice.
        await actions.resetPassword.executeWithOptions(summary, [{ oktaUserId: this.accountFor(step, DEFAULT_TARGET)!, notify: this.notices.notice(action.notify, stepId) }]);
        // Okta expires the password it gives: the user must set a new one at the first sign-in.
        held.status = 'PASSWORD_EXPIRED';
        return;
    }
  }

  /** When Okta itself is the source, the status it reported, which an action on the user must still find. */
  private statusReportedBy(target: string): string | undefined {
    return target === DEFAULT_TARGET && this.state.source === OKTA_SOURCE && typeof this.basis?.status === 'string' ? this.basis.status : undefined;
  }

  /**
   * The id of the account a step acts on. Without one, an Okta step fails here: an Okta user
   * Tenure did not create or bind is not its to change. A SCIM target is asked anyway, with the
   * identity key, and finds the account that carries it (one made by an earlier run whose id the
   * state no longer holds), or says there is none.
   */
  private accountFor(step: PlanStep, target: string): string | undefined {
    const { state } = this;
    const held = state.accounts[target] ?? noAccount();
    if (held.id || target !== DEFAULT_TARGET) return held.id;
    const why = held.deleted ? 'it was deleted' : (state.oktaUserRefused ?? 'Tenure has not created one');
    throw ApplicationFailure.nonRetryable(`${step.action.action} for ${state.source}/${state.key}: no Okta user is known for this identity (${why})`, 'NoOktaUser');
  }
}

/** An input as Okta's activities took it before the target seam: the account id under its Okta name. */
function legacy<I extends { accountId: unknown }>({ accountId, ...rest }: I): Omit<I, 'accountId'> & { oktaUserId: I['accountId'] } {
  return { ...rest, oktaUserId: accountId };
}
