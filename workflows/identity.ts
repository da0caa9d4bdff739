import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TenureActivities } from '../activities/index.ts';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import type { Plan, PlanStep } from '../src/policy/planner.ts';
import { changeSignal, statusQuery, type IdentityStatus } from './definitions.ts';

/** How many recent event ids an identity remembers to drop redeliveries. */
const DEDUPE_WINDOW = 1_000;

type State = Omit<IdentityStatus, 'pending'>;

export interface IdentityWorkflowInput {
  source: string;
  key: string;
  /** Carried over by continue-as-new. */
  carried?: {
    status: State;
    recentEventIds: string[];
    pending: ChangeEvent[];
  };
}

const { planChange, planTrigger } = proxyActivities<TenureActivities>({
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

/**
 * One identity's lifecycle: every change a source reports about it, applied one at a time in
 * arrival order, so a leaver can never overtake the joiner before it. Between changes it waits
 * for the moments its policies named: an `effective` date, a date-relative trigger.
 */
export async function identityWorkflow(input: IdentityWorkflowInput): Promise<void> {
  const state: State = input.carried?.status ?? {
    source: input.source,
    key: input.key,
    record: null,
    known: false,
    everActive: false,
    oktaUserId: undefined,
    applied: 0,
    lastEventId: undefined,
    lastError: undefined,
    deferred: [],
    schedule: [],
  };
  const recentEventIds = input.carried?.recentEventIds ?? [];
  const seen = new Set(recentEventIds);
  const pending: ChangeEvent[] = [...(input.carried?.pending ?? [])];

  setHandler(changeSignal, (event) => {
    pending.push(event);
  });
  setHandler(statusQuery, () => ({ ...state, pending: pending.length }));

  for (;;) {
    const wake = nextMoment();
    const ready = () => pending.length > 0 || workflowInfo().continueAsNewSuggested;
    const arrived = wake === undefined ? (await condition(ready), true) : await condition(ready, Math.max(1, wake - Date.now()));
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof identityWorkflow>({ source: input.source, key: input.key, carried: { status: state, recentEventIds, pending } });
    }
    if (arrived === false) {
      await runDueMoments();
      continue;
    }
    const event = pending.shift()!;
    if (seen.has(event.eventId)) {
      log.info('Skipping an event already applied', { eventId: event.eventId });
      continue;
    }
    seen.add(event.eventId);
    recentEventIds.push(event.eventId);
    if (recentEventIds.length > DEDUPE_WINDOW) seen.delete(recentEventIds.shift()!);
    await applyChange(event);
  }

  function nextMoment(): number | undefined {
    const moments = [...state.deferred, ...state.schedule].map(({ at }) => Date.parse(at));
    return moments.length === 0 ? undefined : Math.min(...moments);
  }

  async function applyChange(event: ChangeEvent): Promise<void> {
    try {
      const plan = await planChange({
        source: state.source,
        key: state.key,
        previous: state.known ? state.record : undefined,
        next: event.record,
        now: new Date().toISOString(),
        everActive: state.everActive,
        deferred: state.deferred.map(({ id, lifecycle, at }) => ({ id, lifecycle, at })),
      });
      // An earlier deferral stands at the moment the review gives it; cancelled or planned anew, it goes.
      state.deferred = state.deferred.flatMap((deferred) => {
        const moment = plan.review[deferred.id];
        return moment ? [{ ...deferred, at: moment }] : [];
      });
      state.deferred.push(...plan.deferred);
      state.schedule = plan.schedule;
      const failure = await runSteps(plan, event.eventId);
      if (failure) throw failure;
      state.record = event.record;
      state.known = true;
      state.everActive ||= plan.active;
      state.applied++;
      state.lastError = undefined;
    } catch (error) {
      // A final failure stops this change only: the record is not advanced, so a corrected
      // event from the source is classified against what Okta really got.
      const cause = failureReason(error);
      state.lastError = `${event.eventId}: ${cause}`;
      log.error('A change could not be applied', { eventId: event.eventId, error: cause });
    } finally {
      state.lastEventId = event.eventId;
    }
  }

  /** Runs the deferred steps and date triggers whose moment has come. */
  async function runDueMoments(): Promise<void> {
    const now = Date.now();
    const dueDeferred = state.deferred.filter(({ at }) => Date.parse(at) <= now);
    const dueTriggers = state.schedule.filter(({ at }) => Date.parse(at) <= now);
    state.deferred = state.deferred.filter((deferred) => !dueDeferred.includes(deferred));
    state.schedule = state.schedule.filter((trigger) => !dueTriggers.includes(trigger));
    try {
      for (const deferred of dueDeferred) {
        const failure = await runSteps({ steps: deferred.steps, onFailure: {} }, `${deferred.id}@${deferred.at}`);
        if (failure) throw failure;
      }
      for (const trigger of dueTriggers) {
        const plan = await planTrigger({ source: state.source, key: state.key, record: state.record, trigger: trigger.id, now: new Date().toISOString() });
        state.schedule = plan.schedule;
        const failure = await runSteps(plan, `${trigger.id}@${trigger.at}`);
        if (failure) throw failure;
      }
    } catch (error) {
      const cause = failureReason(error);
      state.lastError = cause;
      log.error('A scheduled step could not be applied', { error: cause });
    }
  }

  /**
   * Runs a plan's steps in order. A step that fails for good ends its own policy workflow
   * (`onError: stop`, the default) and sends that workflow's onFailure notice, or is recorded
   * and passed over (`onError: continue`). Returns the first failure that stopped a workflow.
   */
  async function runSteps(plan: Pick<Plan, 'steps' | 'onFailure'>, runId: string): Promise<Error | undefined> {
    const stopped = new Set<string>();
    let firstStop: Error | undefined;
    for (const [index, step] of plan.steps.entries()) {
      const workflow = `${step.policy}/${step.workflow}`;
      if (stopped.has(workflow)) continue;
      try {
        await runStep(step, `${runId}/${index}`);
      } catch (error) {
        const reason = failureReason(error);
        log.error('A step failed', { workflow, action: step.action.action, error: reason });
        if (step.onError === 'continue') {
          state.lastError = `${workflow} ${step.action.action}: ${reason}`;
          continue;
        }
        stopped.add(workflow);
        firstStop ??= error as Error;
        const notice = plan.onFailure[workflow];
        if (notice) {
          await actions.notify({
            ...notice,
            context: { ...notice.context, failure: { error: reason, workflow, action: step.action.action } },
            messageId: `<${runId}/${index}.failure.${workflowInfo().workflowId}@tenure>`,
          });
        }
      }
    }
    return firstStop;
  }

  async function runStep(step: PlanStep, stepId: string): Promise<void> {
    const { action } = step;
    switch (action.action) {
      case 'SYNC_IDENTITIES': {
        const result = await actions.syncIdentity({
          key: state.key,
          oktaUserId: state.oktaUserId,
          create: action.create,
          attributes: action.attributes,
          fallbacks: action.fallbacks,
          createOnly: action.createOnly,
        });
        state.oktaUserId = result.oktaUserId;
        return;
      }
      case 'MANAGE_RELATIONSHIPS':
        await actions.manageRelationships({ oktaUserId: requireUser(step), add: action.add, remove: action.remove, sync: action.sync });
        return;
      case 'DEPROVISION_IDENTITY': {
        const { action: _name, ...options } = action;
        await actions.deprovisionIdentity({ oktaUserId: requireUser(step), ...options });
        return;
      }
      case 'NOTIFY':
        await actions.notify({
          template: action.template,
          to: action.to,
          context: action.context,
          // Stable across retries, so a mail system can recognise a message sent twice.
          messageId: `<${stepId}.${workflowInfo().workflowId}@tenure>`,
        });
        return;
      case 'DELETE_IDENTITY':
      case 'CREATE_ENTITLEMENT':
      case 'RESET_PASSWORD':
        throw ApplicationFailure.nonRetryable(
          `${action.action} is validated and planned, but this version of Tenure does not run it yet`,
          'NotYetSupported',
        );
    }
  }

  function requireUser(step: PlanStep): string {
    if (state.oktaUserId) return state.oktaUserId;
    throw ApplicationFailure.nonRetryable(
      `${step.action.action} for ${state.source}/${state.key}: no Okta user is known for this identity (Tenure has not created one)`,
      'NoOktaUser',
    );
  }
}
