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
import type { PlanStep } from '../src/policy/planner.ts';
import { changeSignal, statusQuery, type IdentityStatus } from './definitions.ts';

/** How many recent event ids an identity remembers to drop redeliveries. */
const DEDUPE_WINDOW = 1_000;

export interface IdentityWorkflowInput {
  source: string;
  key: string;
  /** Carried over by continue-as-new. */
  carried?: {
    status: Omit<IdentityStatus, 'pending'>;
    recentEventIds: string[];
    pending: ChangeEvent[];
  };
}

const { planChange } = proxyActivities<TenureActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

// Okta or SMTP being down delays a step; it must never drop it, so attempts are unlimited.
const actions = proxyActivities<TenureActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '5 minutes', backoffCoefficient: 2 },
});

/**
 * One identity's lifecycle: every change a source reports about it, applied one at a time in
 * arrival order, so a leaver can never overtake the joiner before it.
 */
export async function identityWorkflow(input: IdentityWorkflowInput): Promise<void> {
  const status: Omit<IdentityStatus, 'pending'> = input.carried?.status ?? {
    source: input.source,
    key: input.key,
    record: null,
    known: false,
    oktaUserId: undefined,
    applied: 0,
    lastEventId: undefined,
    lastError: undefined,
  };
  const recentEventIds = input.carried?.recentEventIds ?? [];
  const seen = new Set(recentEventIds);
  const pending: ChangeEvent[] = [...(input.carried?.pending ?? [])];

  setHandler(changeSignal, (event) => {
    pending.push(event);
  });
  setHandler(statusQuery, () => ({ ...status, pending: pending.length }));

  for (;;) {
    await condition(() => pending.length > 0 || workflowInfo().continueAsNewSuggested);
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof identityWorkflow>({ source: input.source, key: input.key, carried: { status, recentEventIds, pending } });
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

  async function applyChange(event: ChangeEvent): Promise<void> {
    try {
      const plan = await planChange({
        source: status.source,
        key: status.key,
        previous: status.known ? status.record : undefined,
        next: event.record,
      });
      for (const [index, step] of plan.steps.entries()) await runStep(step, `${event.eventId}/${index}`);
      status.record = event.record;
      status.known = true;
      status.applied++;
      status.lastError = undefined;
    } catch (error) {
      // A final failure stops this change only: the record is not advanced, so a corrected
      // event from the source is classified against what Okta really got.
      let cause: string;
      if (error instanceof ActivityFailure) cause = error.cause?.message ?? error.message;
      else if (error instanceof ApplicationFailure) cause = error.message;
      else throw error;
      status.lastError = `${event.eventId}: ${cause}`;
      log.error('A change could not be applied', { eventId: event.eventId, error: cause });
    } finally {
      status.lastEventId = event.eventId;
    }
  }

  async function runStep(step: PlanStep, stepId: string): Promise<void> {
    const { action } = step;
    switch (action.action) {
      case 'SYNC_IDENTITIES': {
        const result = await actions.syncIdentity({ key: status.key, oktaUserId: status.oktaUserId, create: action.create, attributes: action.attributes });
        status.oktaUserId = result.oktaUserId;
        return;
      }
      case 'MANAGE_RELATIONSHIPS':
        await actions.manageRelationships({ oktaUserId: requireUser(step), add: action.add, remove: action.remove });
        return;
      case 'DEPROVISION_IDENTITY':
        await actions.deprovisionIdentity({ oktaUserId: requireUser(step) });
        return;
      case 'NOTIFY':
        await actions.notify({
          template: action.template,
          to: action.to,
          context: action.context,
          // Stable across retries, so a mail system can recognise a message sent twice.
          messageId: `<${stepId}.${workflowInfo().workflowId}@tenure>`,
        });
        return;
    }
  }

  function requireUser(step: PlanStep): string {
    if (status.oktaUserId) return status.oktaUserId;
    throw ApplicationFailure.nonRetryable(
      `${step.action.action} for ${status.source}/${status.key}: no Okta user is known for this identity (Tenure has not created one)`,
      'NoOktaUser',
    );
  }
}
