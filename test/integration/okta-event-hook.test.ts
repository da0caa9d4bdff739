import type { EventHook, User } from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/emulator/okta/system-log.ts';
import { deliverChange } from '../../src/identity/deliver.ts';
import type { OktaClient } from '../../src/okta/client.ts';
import { DEFAULT_OKTA_HOOK_EVENT_TYPES } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { changeFromOktaEvent } from '../../src/sources/okta-events.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { loseNextHookDelivery } from '../helpers/okta-hooks.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';

/*
 * Okta as a source, pushed: an event hook registered in the emulated org, verified by it, and
 * Tenure's okta-deactivations policy acting on what it delivers.
 */
const HOOK_SECRET = 'Basic b2t0YTpva3RhLWhvb2stdGVzdA==';
const EMULATOR_TOKEN = 'okta-hook-test-token';

let stack: TenureStack;
let okta: OktaClient;

beforeAll(async () => {
  // Reconciliation and System Log polling off: everything here comes through the hook.
  stack = await startTestStack({
    oktaHookSecret: HOOK_SECRET,
    oktaEmulatorToken: EMULATOR_TOKEN,
    oktaReconcileIntervalMs: undefined,
    oktaLogPollIntervalMs: undefined,
  });
  okta = stack.okta!;
});

afterAll(async () => {
  await stack?.stop();
});

const hookUrl = () => `${stack.intakeUrl}/hooks/okta`;

function hookDefinition(): EventHook {
  return {
    name: 'Tenure',
    events: { type: 'EVENT_TYPE', items: [...DEFAULT_OKTA_HOOK_EVENT_TYPES] },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: { uri: hookUrl(), authScheme: { type: 'HEADER', key: 'Authorization', value: HOOK_SECRET } },
    },
  };
}

let sequence = 0;

/** An active user in the staff and engineering groups, made as an Okta administrator would. */
async function activeUserInGroups(): Promise<User> {
  sequence += 1;
  const login = `hooked${sequence}@example.com`;
  const user = await okta.userApi.createUser({
    body: { profile: { login, email: login, firstName: 'Hooked', lastName: `User${sequence}` }, credentials: { password: { value: 'Tenure-Hook-Test-1' } } },
    activate: true,
  });
  for await (const group of await okta.groupApi.listGroups({})) {
    if (group!.profile!.name === 'staff' || group!.profile!.name === 'dept-engineering') {
      await okta.groupApi.assignUserToGroup({ groupId: group!.id!, userId: user.id! });
    }
  }
  return user;
}

async function groupNamesOf(userId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const group of await okta.userApi.listUserGroups({ userId })) names.push(group!.profile!.name!);
  return names.sort();
}

const orgLog = (): readonly LogEvent[] => stack.oktaEmulator!.store.log.all();

/** The org's System Log event of that type about the user: what the hook delivers. */
function logEventAbout(userId: string, eventType: string): LogEvent {
  const event = orgLog().find((candidate) => candidate.eventType === eventType && candidate.target.some((target) => target.id === userId));
  if (!event) throw new Error(`no ${eventType} event about ${userId} in the System Log`);
  return event;
}

const identity = (userId: string) => stack.client.workflow.getHandle(`identity/okta/${userId}`);

/** Waits until the user's identity workflow has handled the event `eventId`. */
async function handled(userId: string, eventId: string) {
  const status = await eventually(async () => {
    const current = await identity(userId).query(statusQuery);
    expect(current.lastEventId).toBe(eventId);
    return current;
  });
  expect(status.lastError).toBeUndefined();
  return status;
}

async function activitiesOf(userId: string): Promise<string[]> {
  const history = await identity(userId).fetchHistory();
  return history.events!.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

function postToHook(body: unknown, authorization = HOOK_SECRET) {
  return fetch(hookUrl(), { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('the Okta event hook, registered in the org', () => {
  let hook: EventHook;

  beforeAll(async () => {
    hook = await okta.eventHookApi.createEventHook({ eventHook: hookDefinition() });
  });

  it('passes Okta’s verification', async () => {
    const verified = await okta.eventHookApi.verifyEventHook({ eventHookId: hook.id! });
    expect(verified.verificationStatus).toBe('VERIFIED');
  });

  describe('a user deactivated in Okta, then deleted', () => {
    let user: User;

    beforeAll(async () => {
      user = await activeUserInGroups();
    });

    it('runs the leaver workflow: groups removed, sessions ended', async () => {
      expect(await groupNamesOf(user.id!)).toEqual(['Everyone', 'dept-engineering', 'staff']);
      await okta.userApi.deactivateUser({ userId: user.id! });
      const deactivated = logEventAbout(user.id!, 'user.lifecycle.deactivate');

      const status = await handled(user.id!, deactivated.uuid);
      expect(status).toMatchObject({
        applied: 1,
        oktaUserId: user.id,
        lifecycleState: 'inactive',
        record: { id: user.id, login: user.profile!.login, status: 'DEPROVISIONED', statusChanged: deactivated.published },
      });
      expect(status.removedGroups.sort()).toEqual(['dept-engineering', 'staff']);
      expect(await groupNamesOf(user.id!)).toEqual(['Everyone']);
      const afterDeactivation = orgLog().slice(orgLog().indexOf(deactivated));
      expect(afterDeactivation.filter((event) => event.eventType === 'user.session.clear' && event.target[0]!.id === user.id)).toHaveLength(1);
      expect(await activitiesOf(user.id!)).toEqual(expect.arrayContaining(['planChange', 'targetGroupsToRemove', 'targetDeprovisionIdentity']));
    });

    it('applies a redelivered event once, even through another intake process', async () => {
      const deactivated = logEventAbout(user.id!, 'user.lifecycle.deactivate');
      const resent = await postToHook({ eventType: 'com.okta.event_hook', eventTypeVersion: '1.0', data: { events: [deactivated] } });
      expect(resent.status).toBe(200);
      expect(await resent.json()).toEqual({ received: 1, acted: 0, ignored: 0, duplicates: 1 });
      // A second intake, which never saw the event, hands it over: the workflow drops it.
      const change = changeFromOktaEvent(deactivated, DEFAULT_OKTA_HOOK_EVENT_TYPES, new Date().toISOString())!;
      await deliverChange(stack.client, stack.taskQueue, change);
    });

    it('skips the deletion of the user it deprovisioned: one DEPROVISION_IDENTITY in all', async () => {
      await okta.userApi.deleteUser({ userId: user.id! });
      const deleted = logEventAbout(user.id!, 'user.lifecycle.delete.initiated');
      // Changes apply in arrival order, so the redelivery before the deletion has been dropped by now.
      const status = await handled(user.id!, deleted.uuid);
      expect(status).toMatchObject({ applied: 2, record: null });
      const activities = await activitiesOf(user.id!);
      expect(activities.filter((name) => name === 'planChange')).toHaveLength(2);
      expect(activities.filter((name) => name === 'targetDeprovisionIdentity')).toHaveLength(1);
    });
  });

  it('skips the deletion of a user already deactivated when Tenure first hears of it', async () => {
    const user = await activeUserInGroups();
    // The deactivation's delivery is lost, as a network can lose it.
    await loseNextHookDelivery(stack, EMULATOR_TOKEN);
    const failuresBefore = orgLog().filter((event) => event.eventType === 'event_hook.delivery').length;
    await okta.userApi.deactivateUser({ userId: user.id! });
    await eventually(() => expect(orgLog().filter((event) => event.eventType === 'event_hook.delivery')).toHaveLength(failuresBefore + 1));

    await okta.userApi.deleteUser({ userId: user.id! });
    const status = await handled(user.id!, logEventAbout(user.id!, 'user.lifecycle.delete.initiated').uuid);
    expect(status).toMatchObject({ applied: 1, record: null });
    expect(await activitiesOf(user.id!)).toEqual(['planChange']);
  });

  it('does not deprovision a user an administrator reactivated before the deactivation reached Tenure', async () => {
    const user = await activeUserInGroups();
    await loseNextHookDelivery(stack, EMULATOR_TOKEN);
    await okta.userApi.deactivateUser({ userId: user.id! });
    const deactivation = await eventually(() => logEventAbout(user.id!, 'user.lifecycle.deactivate'));
    await okta.userApi.activateUser({ userId: user.id!, sendEmail: false });
    const reactivated = (await okta.userApi.getUser({ userId: user.id! })).status;
    const groups = await groupNamesOf(user.id!);
    expect(groups).toContain('staff');

    // The deactivation arrives late (a System Log poll or another intake hands it over).
    await deliverChange(stack.client, stack.taskQueue, changeFromOktaEvent(deactivation, DEFAULT_OKTA_HOOK_EVENT_TYPES, new Date().toISOString())!);
    await handled(user.id!, deactivation.uuid);
    expect(await activitiesOf(user.id!)).toContain('targetDeprovisionIdentity');
    expect((await okta.userApi.getUser({ userId: user.id! })).status).toBe(reactivated);
    expect(reactivated).not.toBe('DEPROVISIONED');
    expect(await groupNamesOf(user.id!)).toEqual(groups);
  });

  it('answered every delivery Okta made', () => {
    const failures = orgLog().filter((event) => event.eventType === 'event_hook.delivery');
    // The deliveries lost on purpose above, and no other.
    expect(failures.map((event) => event.outcome.reason)).toEqual(Array(2).fill("Dropped on purpose: the emulator's admin API was asked to lose this delivery"));
  });

  it('refuses a caller without the secret', async () => {
    const response = await postToHook({ eventType: 'com.okta.event_hook', data: { events: [] } }, 'Basic d3Jvbmc6c2VjcmV0');
    expect(response.status).toBe(401);
  });
});
