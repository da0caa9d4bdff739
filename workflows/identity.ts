import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import { deprovisions } from '../src/guard/limits.ts';
import type { IdentityRecord } from '../src/policy/schema.ts';
import { isScimSource } from '../src/policy/source-name.ts';
import { DEFAULT_TARGET } from '../src/targets/actions.ts';
import { LifecycleState, PolicyVersion } from '../src/runtime/search-attributes.ts';
import { changeSignal, clearanceSignal, RECORD_MEMO, statusQuery, type Clearance, type IdentityWorkflowInput } from './definitions.ts';
import { failureReason } from './failure-reason.ts';
import { sources } from './identity-activities.ts';
import { Approvals } from './identity-approvals.ts';
import { Moments } from './identity-moments.ts';
import { accountIn, carriedState, describe, initialState, oktaAccount, statusOf, withAccounts, type IdentityState } from './identity-state.ts';
import { Notices, StepRunner } from './identity-steps.ts';

/** How many recent event ids an identity remembers to drop redeliveries. */
const DEDUPE_WINDOW = 1_000;

/**
 * One identity's lifecycle: every change a source reports about it, applied one at a time in
 * arrival order, so a leaver can never overtake the joiner before it. Between changes it waits
 * for the moments its policies named (an `effective` date, a date-relative trigger) and for the
 * people whose approval a step needs.
 */
export async function identityWorkflow(input: IdentityWorkflowInput): Promise<void> {
  const state: IdentityState = input.carried ? withAccounts(input.carried.status) : initialState(input.source, input.key);
  const recentEventIds = input.carried?.recentEventIds ?? [];
  const seen = new Set(recentEventIds);
  const pending: ChangeEvent[] = [...(input.carried?.pending ?? [])];
  let published: { lifecycleState?: string; policyVersion?: string; record?: string } = {};
  /** The guard's answers, by event id, for changes that asked to deprovision. */
  const clearances = new Map<string, Clearance>();
  const notices = new Notices(state);
  const approvals = new Approvals(state, notices);
  const steps = new StepRunner(state, notices, approvals);
  const moments = new Moments(state, steps, approvals);

  setHandler(changeSignal, (event) => {
    pending.push(event);
  });
  setHandler(clearanceSignal, (clearance) => {
    clearances.set(clearance.eventId, clearance);
  });
  setHandler(statusQuery, () => statusOf(state, pending.length));
  approvals.listen();
  publish();

  for (;;) {
    const wake = moments.next();
    const ready = () => pending.length > 0 || approvals.anyDecided || workflowInfo().continueAsNewSuggested;
    const arrived = wake === undefined ? (await condition(ready), true) : await moments.waitUntil(wake, ready);
    if (approvals.anyDecided) {
      await approvals.actOnNext(steps);
    } else if (workflowInfo().continueAsNewSuggested) {
      // A decision still being verified would be lost with this run; a condition adds no command, so replays are unchanged.
      await condition(allHandlersFinished);
      await continueAsNew<typeof identityWorkflow>({ source: input.source, key: input.key, carried: { status: carriedState(state), recentEventIds, pending } });
    } else if (!arrived) {
      await moments.runDue();
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
    const attributes = { lifecycleState: statusOf(state, pending.length).lifecycleState, policyVersion: state.policyVersion };
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
      const plan = await sources.planChange({
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
        if (!oktaAccount(state).deleted && oktaAccount(state).id === undefined) await bindOktaUser(event.oktaUserId, next);
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
      steps.basis = next;
      const failure = await steps.runSteps(plan, event.eventId);
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
      steps.basis = state.record;
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
      const { confirmed, reason } = await sources.confirmOktaUser.executeWithOptions({ summary: `confirm Okta user ${oktaUserId}` }, [{ oktaUserId, login }]);
      if (!confirmed) {
        state.oktaUserRefused = `externalId ${oktaUserId} ${reason}; not acting on it`;
        // Ids only: the userName is personal data.
        log.warn('Not binding the Okta user a SCIM client named', { scimId: state.key, oktaUserId, reason });
        return;
      }
      state.oktaUserRefused = undefined;
    }
    accountIn(state, DEFAULT_TARGET).id = oktaUserId;
  }

  /**
   * Asks the source's mass-change guard before taking access away, and waits for its answer:
   * at once within the limits, or an administrator's decision when a burst is held. Later
   * changes to this identity wait behind it, so a rehire can never overtake a held leaver.
   */
  async function clearedByGuard(event: ChangeEvent): Promise<void> {
    const guard = await sources.requestClearance({ source: state.source, key: state.key, eventId: event.eventId });
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
}
