import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { TenureActivities } from '../activities/index.ts';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import { deprovisions } from '../src/guard/limits.ts';
import type { IdentityRecord } from '../src/policy/schema.ts';
import { isScimSource } from '../src/policy/source-name.ts';
import { durationMs } from '../src/runtime/duration.ts';
import { RECORD_MEMO } from '../src/sources/known-identities.ts';
import { OKTA_SOURCE } from '../src/sources/okta-events.ts';
import type { NotificationContext, Plan, PlannedNotification, PlanStep } from '../src/policy/planner.ts';
import { LifecycleState, PolicyVersion } from '../src/runtime/search-attributes.ts';
import {
  approveUpdate,
  changeSignal,
  clearanceSignal,
  type Clearance,
  rejectUpdate,
  statusQuery,
  type ApprovalAnswer,
  type ApprovalRequest,
  type PendingApproval,
} from './definitions.ts';
import { describe, initialState, lifecycleStateOf, type IdentityState } from './identity-state.ts';

/** How many recent event ids an identity remembers to drop redeliveries. */
const DEDUPE_WINDOW = 1_000;

export interface IdentityWorkflowInput {
  source: string;
  key: string;
  /** Carried over by continue-as-new. */
  carried?: {
    status: IdentityState;
    recentEventIds: string[];
    pending: ChangeEvent[];
  };
}

const { planChange, planTrigger, requestClearance } = proxyActivities<TenureActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

// Okta or SMTP being down delays a step; it must never drop it, so attempts are unlimited.
const actions = proxyActivities<TenureActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

/** The reason a final failure gives, for the status and the onFailure notice. */
function failureReason(error: unknown): string {
  if (error instanceof ActivityFailure) return error.cause?.message ?? error.message;
  if (error instanceof ApplicationFailure) return error.message;
  throw error;
}

const workflowOf = (step: PlanStep) => `${step.policy}/${step.workflow}`;

/** A plan's steps that a run can take, with the notices their workflows send on failure. */
type Runnable = Pick<Plan, 'steps' | 'onFailure'>;

/**
 * One identity's lifecycle: every change a source reports about it, applied one at a time in
 * arrival order, so a leaver can never overtake the joiner before it. Between changes it waits
 * for the moments its policies named (an `effective` date, a date-relative trigger) and for the
 * people whose approval a step needs.
 */
export async function identityWorkflow(input: IdentityWorkflowInput): Promise<void> {
  const state: IdentityState = input.carried?.status ?? initialState(input.source, input.key);
  const recentEventIds = input.carried?.recentEventIds ?? [];
  const seen = new Set(recentEventIds);
  const pending: ChangeEvent[] = [...(input.carried?.pending ?? [])];
  /** Approvals decided by a person, in the order they were decided, to act on in the main loop. */
  const decided: Array<{ approval: PendingApproval; answer: ApprovalAnswer; by: string | undefined }> = [];
  let published: { lifecycleState?: string; policyVersion?: string; record?: string } = {};
  /** The guard's answers, by event id, for changes that asked to deprovision. */
  const clearances = new Map<string, Clearance>();
  /** The record the steps being run act on: the one being applied, else the last applied. */
  let basis: IdentityRecord | null = state.record;

  setHandler(changeSignal, (event) => {
    pending.push(event);
  });
  setHandler(clearanceSignal, (clearance) => {
    clearances.set(clearance.eventId, clearance);
  });
  setHandler(statusQuery, () => ({ ...state, pending: pending.length, lifecycleState: lifecycleStateOf(state) }));
  for (const [update, decision] of [
    [approveUpdate, 'approved'],
    [rejectUpdate, 'rejected'],
  ] as const) {
    setHandler(update, (request) => decide(request, decision), { validator: (request) => void approvalFor(request) });
  }
  publish();

  for (;;) {
    const wake = nextMoment();
    const ready = () => pending.length > 0 || decided.length > 0 || workflowInfo().continueAsNewSuggested;
    const arrived = wake === undefined ? (await condition(ready), true) : await waitUntil(wake, ready);
    if (decided.length > 0) {
      await actOnDecision(decided.shift()!);
    } else if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof identityWorkflow>({ source: input.source, key: input.key, carried: { status: state, recentEventIds, pending } });
    } else if (!arrived) {
      await runDueMoments();
    } else {
      await receive(pending.shift()!);
    }
    publish();
  }

  /**
   * Shows where the identity stands: search attributes to find it, details to read in the UI.
   * Each upsert is an event in the history, so only a change is upserted.
   */
  function publish(): void {
    const attributes = { lifecycleState: lifecycleStateOf(state), policyVersion: state.policyVersion };
    if (attributes.lifecycleState !== published.lifecycleState || attributes.policyVersion !== published.policyVersion) {
      upsertSearchAttributes([
        { key: LifecycleState, value: attributes.lifecycleState },
        ...(attributes.policyVersion ? [{ key: PolicyVersion, value: attributes.policyVersion }] : []),
      ]);
      published = { ...published, ...attributes };
    }
    // The source's last applied record, for imports and reconciliation to compare exports with.
    const record = state.known ? JSON.stringify(state.record) : undefined;
    // Asked at the point of use: a workflow that was running before the feature adopts it live.
    if (record !== published.record && patched('record-memo')) {
      upsertMemo({ [RECORD_MEMO]: { value: state.record } });
      published.record = record;
    }
    setCurrentDetails(describe(state, pending.length));
  }

  /** The earliest moment the identity waits for, and what waits for it, in words for the timer's summary. */
  function nextMoment(): { at: number; label: string } | undefined {
    const moments = [
      ...state.deferred.map(({ id, at }) => ({ at, label: `until effective ${at}: ${id}` })),
      ...state.schedule.map(({ id, at }) => ({ at, label: `date trigger ${id} at ${at}` })),
      ...state.approvals.map(({ id, action, deadline }) => ({ at: deadline, label: `approval deadline ${action} · ${id} at ${deadline}` })),
    ].map(({ at, label }) => ({ at: Date.parse(at), label }));
    if (moments.length === 0) return undefined;
    const at = Math.min(...moments.map((moment) => moment.at));
    const due = moments.filter((moment) => moment.at === at);
    return { at, label: `${due[0]!.label}${due.length > 1 ? ` (+${due.length - 1} more)` : ''}` };
  }

  /** Waits for `ready` or the moment, whichever is first; answers whether `ready` came first. */
  function waitUntil(moment: { at: number; label: string }, ready: () => boolean): Promise<boolean> {
    const timeout = Math.max(1, moment.at - Date.now());
    // The timer's summary is what the Temporal UI shows for it; histories from before it have unlabelled timers.
    return patched('labelled-timers') ? condition(ready, timeout, { summary: moment.label }) : condition(ready, timeout);
  }

  async function receive(event: ChangeEvent): Promise<void> {
    if (seen.has(event.eventId)) {
      log.info('Skipping an event already applied', { eventId: event.eventId });
      return;
    }
    seen.add(event.eventId);
    recentEventIds.push(event.eventId);
    if (recentEventIds.length > DEDUPE_WINDOW) seen.delete(recentEventIds.shift()!);
    await applyChange(event);
  }

  async function applyChange(event: ChangeEvent): Promise<void> {
    try {
      const previous = state.known ? state.record : event.before;
      const next = event.partial && event.record ? { ...(previous ?? {}), ...event.record } : event.record;
      const plan = await planChange({
        source: state.source,
        key: state.key,
        previous,
        next,
        now: new Date().toISOString(),
        everActive: state.everActive,
        deferred: state.deferred.map(({ id, lifecycle, at }) => ({ id, lifecycle, at })),
      });
      if (!event.clearedBy && deprovisions(plan) && patched('mass-change-guard')) await clearedByGuard(event);
      if (event.oktaUserId) {
        if (!state.deleted && state.oktaUserId === undefined) await bindOktaUser(event.oktaUserId, next);
      } else {
        // A refusal is about the externalId refused: once the source names none, it is no reason any more.
        state.oktaUserRefused = undefined;
      }
      state.policyVersion = plan.policySetHash;
      // An earlier deferral stands at the moment the review gives it; cancelled or planned anew, it goes.
      state.deferred = state.deferred.flatMap((deferred) => {
        const moment = plan.review[deferred.id];
        return moment ? [{ ...deferred, at: moment }] : [];
      });
      // Deleting an identity that is active again would lock out a colleague.
      if (plan.active) state.approvals = [];
      state.deferred.push(...plan.deferred);
      state.schedule = plan.schedule;
      basis = next;
      const failure = await runSteps(plan, event.eventId);
      if (failure) throw failure;
      state.record = next;
      state.known = true;
      state.active = plan.active;
      // A leaver was active before, even when Tenure first heard of it leaving (an Okta deactivation).
      state.everActive ||= plan.active || Object.values(plan.lifecycles).includes('leaver');
      state.applied++;
      // An Okta user refused stays in view while the identity goes on without one.
      state.lastError = state.oktaUserRefused;
    } catch (error) {
      // A final failure stops this change only: the record is not advanced, so a corrected
      // event from the source is classified against what Okta really got.
      const cause = failureReason(error);
      state.lastError = `${event.eventId}: ${cause}`;
      log.error('A change could not be applied', { eventId: event.eventId, error: cause });
    } finally {
      state.lastEventId = event.eventId;
      basis = state.record;
    }
  }

  /**
   * Makes the Okta user the source named this identity's, whom its actions then act on. A SCIM
   * client chooses its externalId freely: any integration's token could name a colleague's Okta
   * user, and its PATCH active:false would deactivate them. So a SCIM source's user is bound only
   * once Okta confirms its login is the record's userName, as Okta's own push has it; checked at
   * binding, not again once bound. Histories from before the check bound it at once.
   */
  async function bindOktaUser(oktaUserId: string, record: IdentityRecord | null): Promise<void> {
    if (isScimSource(state.source) && patched('scim-okta-user-checked')) {
      const login = typeof record?.userName === 'string' ? record.userName : undefined;
      const { confirmed, reason } = await actions.confirmOktaUser.executeWithOptions({ summary: `confirm Okta user ${oktaUserId}` }, [{ oktaUserId, login }]);
      if (!confirmed) {
        state.oktaUserRefused = `externalId ${oktaUserId} ${reason}; not acting on it`;
        // Ids only: the userName is personal data.
        log.warn('Not binding the Okta user a SCIM client named', { scimId: state.key, oktaUserId, reason });
        return;
      }
      state.oktaUserRefused = undefined;
    }
    state.oktaUserId = oktaUserId;
  }

  /**
   * Asks the source's mass-change guard before taking access away, and waits for its answer:
   * at once within the limits, or an administrator's decision when a burst is held. Later
   * changes to this identity wait behind it, so a rehire can never overtake a held leaver.
   */
  async function clearedByGuard(event: ChangeEvent): Promise<void> {
    const guard = await requestClearance({ source: state.source, key: state.key, eventId: event.eventId });
    for (;;) {
      await condition(() => clearances.has(event.eventId));
      const { decision, by } = clearances.get(event.eventId)!;
      clearances.delete(event.eventId);
      if (decision === 'held') {
        state.held = { eventId: event.eventId, since: new Date().toISOString(), guard };
        publish();
        continue;
      }
      state.held = undefined;
      if (decision === 'cleared') return;
      throw ApplicationFailure.nonRetryable(`the mass-change guard ${guard} held this deprovisioning and ${by ?? 'an administrator'} rejected it`, 'MassChangeRejected');
    }
  }

  /**
   * Runs the deferred steps and date triggers whose moment has come, and expires overdue
   * approvals. Each is settled on its own, so one that fails cannot drop the others.
   */
  async function runDueMoments(): Promise<void> {
    const now = Date.now();
    const due = <T>(items: T[], at: (item: T) => string) => items.filter((item) => Date.parse(at(item)) <= now);
    const dueDeferred = due(state.deferred, ({ at }) => at);
    const dueTriggers = due(state.schedule, ({ at }) => at);
    const expired = due(state.approvals, ({ deadline }) => deadline);
    state.deferred = state.deferred.filter((deferred) => !dueDeferred.includes(deferred));
    state.schedule = state.schedule.filter((trigger) => !dueTriggers.includes(trigger));
    state.approvals = state.approvals.filter((approval) => !expired.includes(approval));
    for (const approval of expired) await settle(() => expire(approval));
    for (const { id, at, steps, onFailure } of dueDeferred) {
      await settle(() => runSteps({ steps, onFailure: onFailure ? { [id]: onFailure } : {} }, `${id}@${at}`));
    }
    for (const trigger of dueTriggers) {
      await settle(async () => {
        const plan = await planTrigger({ source: state.source, key: state.key, record: state.record, trigger: trigger.id, now: new Date().toISOString() });
        state.schedule = plan.schedule;
        return runSteps(plan, `${trigger.id}@${trigger.at}`);
      });
    }
  }

  /** Runs scheduled work, recording a final failure as the identity's last error. */
  async function settle(work: () => Promise<Error | undefined>): Promise<void> {
    try {
      const failure = await work();
      if (failure) throw failure;
    } catch (error) {
      const cause = failureReason(error);
      state.lastError = cause;
      log.error('A scheduled step could not be applied', { error: cause });
    }
  }

  /**
   * Runs a plan's steps in order. A step that fails for good ends its own policy workflow
   * (`onError: stop`, the default) and sends that workflow's onFailure notice, or is recorded
   * and passed over (`onError: continue`). A step that needs approval parks the rest of its
   * workflow until a person decides; other workflows go on. Returns the first failure that
   * stopped a workflow.
   */
  async function runSteps(plan: Runnable, runId: string): Promise<Error | undefined> {
    const stopped = new Set<string>();
    let firstStop: Error | undefined;
    for (const [index, step] of plan.steps.entries()) {
      const workflow = workflowOf(step);
      if (stopped.has(workflow)) continue;
      const stepId = `${runId}/${index}`;
      if (step.action.action === 'DELETE_IDENTITY' && step.action.approval) {
        await requestApproval(plan, index, stepId, step.action.approval);
        stopped.add(workflow);
        continue;
      }
      try {
        await runStep(step, stepId);
      } catch (error) {
        const reason = failureReason(error);
        log.error('A step failed', { workflow, action: step.action.action, error: reason });
        if (step.onError === 'continue') {
          state.lastError = `${workflow} ${step.action.action}: ${reason}`;
          continue;
        }
        stopped.add(workflow);
        firstStop ??= error as Error;
        try {
          await noticeFailure(plan.onFailure[workflow], { error: reason, workflow, action: step.action.action }, stepId);
        } catch (noticeError) {
          // A notice that cannot be sent must not hide the failure it was about: that stays the error.
          if (!patched('failure-notice-kept-apart')) throw noticeError;
          log.error('An onFailure notice could not be sent', { workflow, error: failureReason(noticeError) });
        }
      }
    }
    return firstStop;
  }

  async function noticeFailure(notice: PlannedNotification | undefined, failure: Record<string, string>, stepId: string): Promise<void> {
    if (!notice) return;
    await actions.notify.executeWithOptions({ summary: `onFailure notice of ${failure.workflow}` }, [
      { ...notice, context: { ...withOktaValues(notice.context), failure }, messageId: messageId(`${stepId}.failure`) },
    ]);
  }

  /** Message-ids stay the same across retries, so a mail system can recognise a message sent twice. */
  function messageId(stem: string): string {
    return `<${stem}.${workflowInfo().workflowId}@tenure>`;
  }

  /**
   * Templates see, under `okta.`, what Okta really holds after a sync (the login a fallback gave),
   * in place of what the plan meant to write.
   */
  function withOktaValues(context: NotificationContext): NotificationContext {
    const planned = context.okta;
    if (!planned || typeof planned !== 'object') return context;
    return { ...context, okta: Object.fromEntries(Object.entries(planned).map(([name, value]) => [name, state.oktaProfile[name] ?? value])) };
  }

  function notice(planned: PlannedNotification, stem: string) {
    return { ...planned, context: withOktaValues(planned.context), messageId: messageId(stem) };
  }

  async function runStep(step: PlanStep, stepId: string): Promise<void> {
    const { action } = step;
    const summary = { summary: `${action.action} · ${workflowOf(step)}` };
    switch (action.action) {
      case 'SYNC_IDENTITIES': {
        const rehire = step.trigger === 'rehire';
        const result = await actions.syncIdentity.executeWithOptions(summary, [
          {
            key: state.key,
            oktaUserId: state.oktaUserId,
            create: action.create,
            attributes: action.attributes,
            fallbacks: action.fallbacks,
            createOnly: action.createOnly,
            // When Okta itself is the source it has reactivated the user already; a report that is
            // late (a reconciliation listing overtaken by a deactivation) must never undo one.
            reactivate: rehire && state.source !== OKTA_SOURCE,
            restoreGroups: rehire ? state.removedGroups : [],
          },
        ]);
        state.oktaUserId = result.oktaUserId;
        state.oktaProfile = { ...state.oktaProfile, ...result.profile };
        state.deleted = false;
        if (rehire) state.removedGroups = [];
        return;
      }
      case 'MANAGE_RELATIONSHIPS':
        await actions.manageRelationships.executeWithOptions(summary, [
          { oktaUserId: requireUser(step), add: action.add, remove: action.remove, sync: action.sync },
        ]);
        return;
      case 'DEPROVISION_IDENTITY': {
        const { action: _name, ...options } = action;
        const oktaUserId = requireUser(step);
        if (options.removeGroups) {
          const groups = await actions.groupsToRemove.executeWithOptions(summary, [{ oktaUserId }]);
          state.removedGroups = [...new Set([...state.removedGroups, ...groups])];
        }
        await actions.deprovisionIdentity.executeWithOptions(summary, [{ oktaUserId, ...options, onlyIfStatus: statusOktaReported() }]);
        return;
      }
      case 'DELETE_IDENTITY':
        if (state.oktaUserId) await actions.deleteIdentity.executeWithOptions(summary, [{ oktaUserId: state.oktaUserId, onlyIfStatus: statusOktaReported() }]);
        state.oktaUserId = undefined;
        state.deleted = true;
        state.removedGroups = [];
        return;
      case 'CREATE_ENTITLEMENT':
        await actions.createEntitlement.executeWithOptions(summary, [
          { name: action.name, description: action.description, assign: action.assign, oktaUserId: action.assign ? requireUser(step) : undefined },
        ]);
        return;
      case 'RESET_PASSWORD':
        await actions.resetPassword.executeWithOptions(summary, [{ oktaUserId: requireUser(step), notify: notice(action.notify, stepId) }]);
        return;
      case 'NOTIFY':
        await actions.notify.executeWithOptions(summary, [notice(action, stepId)]);
        return;
    }
  }

  /** When Okta itself is the source, the status it reported, which an action on the user must still find. */
  function statusOktaReported(): string | undefined {
    return state.source === OKTA_SOURCE && typeof basis?.status === 'string' ? basis.status : undefined;
  }

  function requireUser(step: PlanStep): string {
    if (state.oktaUserId) return state.oktaUserId;
    throw ApplicationFailure.nonRetryable(
      `${step.action.action} for ${state.source}/${state.key}: no Okta user is known for this identity (${state.deleted ? 'it was deleted' : (state.oktaUserRefused ?? 'Tenure has not created one')})`,
      'NoOktaUser',
    );
  }

  /** Parks a step and the rest of its workflow, and asks the approver. */
  async function requestApproval(plan: Runnable, index: number, stepId: string, asked: PlannedNotification & { timeout: string }): Promise<void> {
    const step = plan.steps[index]!;
    const { timeout, ...request } = asked;
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
    };
    state.approvals = [...state.approvals.filter(({ id }) => id !== workflow), approval];
    await sendApprovalNotice(approval, false);
  }

  async function sendApprovalNotice(approval: PendingApproval, expired: boolean): Promise<void> {
    const { workflowId } = workflowInfo();
    const context = {
      ...approval.notice.context,
      approval: { workflow: approval.id, action: approval.action, deadline: approval.deadline, workflowId, expired },
    };
    await actions.notify.executeWithOptions({ summary: `${expired ? 'approval expired' : 'approval request'} · ${approval.id}` }, [
      notice({ ...approval.notice, context }, `${approval.stepId}.approval${expired ? '-expired' : ''}`),
    ]);
  }

  function approvalFor(request: ApprovalRequest): PendingApproval {
    const candidates = state.approvals.filter(({ id }) => request.id === undefined || id === request.id);
    if (candidates.length === 1) return candidates[0]!;
    const waiting = state.approvals.map(({ id, action }) => `${action} of ${id}`).join(', ');
    if (candidates.length === 0) {
      throw new Error(`${state.source}/${state.key}: ${request.id ? `no approval of ${request.id} is waiting` : 'nothing is waiting for approval'}${waiting ? `; waiting: ${waiting}` : ''}`);
    }
    throw new Error(`${state.source}/${state.key}: several approvals are waiting (${waiting}); name one`);
  }

  function decide(request: ApprovalRequest, decision: ApprovalAnswer['decision']): ApprovalAnswer {
    const approval = approvalFor(request);
    state.approvals = state.approvals.filter((waiting) => waiting !== approval);
    const answer: ApprovalAnswer = { id: approval.id, action: approval.action, decision };
    decided.push({ approval, answer, by: request.by });
    return answer;
  }

  async function actOnDecision({ approval, answer, by }: (typeof decided)[number]): Promise<void> {
    log.info(`Approval ${answer.decision}`, { workflow: approval.id, action: approval.action, by });
    if (answer.decision === 'rejected') {
      state.lastError = `${approval.action} of ${approval.id} was rejected${by ? ` by ${by}` : ''}`;
      return;
    }
    const [waiting, ...rest] = approval.steps;
    // The approved step runs as it was planned, without asking again.
    const approved: PlanStep = { ...waiting!, action: { action: 'DELETE_IDENTITY' } };
    const failure = await runSteps({ steps: [approved, ...rest], onFailure: approval.onFailure ? { [approval.id]: approval.onFailure } : {} }, `${approval.stepId}.approved`);
    if (failure) state.lastError = failureReason(failure);
  }

  /** Nobody decided in time: the approver hears so, the workflow's failure notice goes out, and the step is not done. */
  async function expire(approval: PendingApproval): Promise<Error> {
    await sendApprovalNotice(approval, true);
    const reason = `${approval.action} of ${approval.id} was not approved by ${approval.deadline}`;
    await noticeFailure(approval.onFailure, { error: reason, workflow: approval.id, action: approval.action }, `${approval.stepId}.expired`);
    return ApplicationFailure.nonRetryable(reason, 'ApprovalTimedOut');
  }
}
