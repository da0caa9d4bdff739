import type { EventHook, User } from '@okta/okta-sdk-nodejs';
import { ScheduleNotFoundError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogPollResult, ReconcileResult } from '../../activities/okta-source.ts';
import type { LogEvent } from '../../src/emulator/okta/system-log.ts';
import type { OktaClient } from '../../src/okta/client.ts';
import { DEFAULT_OKTA_HOOK_EVENT_TYPES, loadConfig, type TenureConfig } from '../../src/runtime/config.ts';
import {
  ensureSchedules,
  HR_EXPORT_PULL_SCHEDULE,
  OKTA_LOG_POLL_SCHEDULE,
  OKTA_RECONCILIATION_SCHEDULE,
  triggerSchedule,
} from '../../src/runtime/schedules.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { ScheduledStartTime, statusQuery } from '../../workflows/definitions.ts';
import { loseNextHookDelivery } from '../helpers/okta-hooks.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';

/*
 * Okta as a source, pulled: full passes over the members of a scope group and System Log polls,
 * run as Temporal Schedules and triggered here one at a time, with and without the event hook.
 */
const SCOPE_GROUP = 'reconciled-staff';
const HOOK_SECRET = 'Basic cmVjb25jaWxlOnRlc3Q=';
const EMULATOR_TOKEN = 'okta-reconciliation-test-token';
/** So long that no schedule fires on its own while the test runs: every pass is triggered. */
const LONG_INTERVAL_MS = 30 * 86_400_000;

const settings = {
  oktaScopeGroup: SCOPE_GROUP,
  oktaReconcileIntervalMs: LONG_INTERVAL_MS,
  oktaLogPollIntervalMs: LONG_INTERVAL_MS,
  oktaHookSecret: HOOK_SECRET,
  oktaEmulatorToken: EMULATOR_TOKEN,
  // The mass-change guard is not under test: a window of 1 ms makes every leaver a burst of one.
  guard: { maxCount: 1_000, maxShare: 1, windowMs: 1 },
} satisfies Partial<TenureConfig>;

let stack: TenureStack;
let okta: OktaClient;
let scopeGroupId: string;
/** Okta user ids by the part each user plays. */
const users: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack(settings);
  okta = stack.okta!;
  scopeGroupId = (await okta.groupApi.createGroup({ group: { profile: { name: SCOPE_GROUP } } })).id!;
});

afterAll(async () => {
  await stack?.stop();
});

let sequence = 0;

/** An active user with a password, in the scope group unless told otherwise. */
async function oktaUser(name: string, { member = true } = {}): Promise<string> {
  sequence += 1;
  const login = `${name}.${sequence}@example.com`;
  const user: User = await okta.userApi.createUser({
    body: { profile: { login, email: login, firstName: name, lastName: 'Reconciled', title: 'Engineer' }, credentials: { password: { value: 'Tenure-Reconcile-1' } } },
    activate: true,
  });
  if (member) await okta.groupApi.assignUserToGroup({ groupId: scopeGroupId, userId: user.id! });
  return user.id!;
}

async function runPass(): Promise<Exclude<ReconcileResult, { skipped: string }>> {
  const { workflowId, runId } = await triggerSchedule(stack.client, OKTA_RECONCILIATION_SCHEDULE);
  const run = stack.client.workflow.getHandle(workflowId, runId);
  const result: ReconcileResult = await run.result();
  if ('skipped' in result) throw new Error(`the pass was skipped: ${result.skipped}`);
  // The pass names its import after the moment its schedule gave it.
  const scheduledAt = (await run.describe()).typedSearchAttributes.get(ScheduledStartTime);
  expect(result.summary.batchId).toBe(`okta-reconcile-${scheduledAt!.toISOString()}`);
  return result;
}

/** Runs a System Log poll, and answers its result and how many attempts its activity took. */
async function runPoll(): Promise<Exclude<LogPollResult, { skipped: string }> & { attempts: number }> {
  const { workflowId, runId } = await triggerSchedule(stack.client, OKTA_LOG_POLL_SCHEDULE);
  const run = stack.client.workflow.getHandle(workflowId, runId);
  const result: LogPollResult = await run.result();
  if ('skipped' in result) throw new Error(`the poll was skipped: ${result.skipped}`);
  const started = (await run.fetchHistory()).events!.flatMap((event) => event.activityTaskStartedEventAttributes ?? []);
  return { ...result, attempts: started[0]!.attempt! };
}

const identity = (userId: string) => stack.client.workflow.getHandle(`identity/okta/${userId}`);

async function historyOf(userId: string) {
  return (await identity(userId).fetchHistory()).events ?? [];
}

/** How many times the identity's workflow deprovisioned it. */
async function deprovisionsOf(userId: string): Promise<number> {
  return (await historyOf(userId)).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'targetDeprovisionIdentity').length;
}

/** How many changes were handed to the identity's workflow, applied or dropped as seen. */
async function changesReceivedBy(userId: string): Promise<number> {
  return (await historyOf(userId)).filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'change').length;
}

/** Waits until the identity's workflow has handled every change it was handed, and runs no step. */
async function settled(userId: string) {
  await eventually(async () => {
    const { raw } = await identity(userId).describe();
    expect(raw.pendingWorkflowTask ?? null).toBeNull();
    expect(raw.pendingActivities ?? []).toHaveLength(0);
  });
  return identity(userId).query(statusQuery);
}

/** Waits until the identity has been deprovisioned once, and checks it ended there. */
async function deprovisioned(userId: string) {
  await eventually(async () => expect(await deprovisionsOf(userId)).toBe(1));
  const status = await settled(userId);
  expect(status.lifecycleState).toBe('inactive');
  expect(status.lastError).toBeUndefined();
  expect(await deprovisionsOf(userId)).toBe(1);
}

async function notDeprovisioned(userId: string) {
  const status = await settled(userId);
  expect(status.lifecycleState).toBe('active');
  expect(status.lastError).toBeUndefined();
  expect(await deprovisionsOf(userId)).toBe(0);
}

const statusInOkta = async (userId: string) => (await okta.userApi.getUser({ userId })).status;

describe('the schedules', () => {
  const config = (overrides: Partial<TenureConfig> = {}): TenureConfig => ({ ...loadConfig({}), ...settings, ...overrides });
  const describeSchedule = (id: string) => stack.client.schedule.getHandle(id).describe();
  const intervalsOf = async (id: string) => (await describeSchedule(id)).spec.intervals?.map(({ every }) => every);

  it('are made at start from the configuration: a full pass and a poll, each skipping a run that would overlap', async () => {
    const pass = await describeSchedule(OKTA_RECONCILIATION_SCHEDULE);
    expect(await intervalsOf(OKTA_RECONCILIATION_SCHEDULE)).toEqual([LONG_INTERVAL_MS]);
    expect(pass.action).toMatchObject({ workflowType: 'oktaReconciliation', taskQueue: stack.taskQueue, args: [] });
    expect(pass.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: LONG_INTERVAL_MS });
    const poll = await describeSchedule(OKTA_LOG_POLL_SCHEDULE);
    expect(await intervalsOf(OKTA_LOG_POLL_SCHEDULE)).toEqual([LONG_INTERVAL_MS]);
    expect(poll.action).toMatchObject({ workflowType: 'oktaLogPoll', args: [{ intervalMs: LONG_INTERVAL_MS }] });
    await expect(describeSchedule(HR_EXPORT_PULL_SCHEDULE)).rejects.toThrow(ScheduleNotFoundError);
  });

  it('are left alone by a restart with the same configuration', async () => {
    await ensureSchedules(stack.client, config(), stack.taskQueue, stack.policySet);
    expect((await describeSchedule(OKTA_LOG_POLL_SCHEDULE)).info.lastUpdatedAt).toBeUndefined();
  });

  it('follow a changed interval, staying paused if an operator paused them, and go when turned off', async () => {
    const hourly = 3_600_000;
    await stack.client.schedule.getHandle(OKTA_LOG_POLL_SCHEDULE).pause('paused by an operator');
    await ensureSchedules(stack.client, config({ oktaLogPollIntervalMs: hourly, hrExportPath: '/srv/hr/export.csv' }), stack.taskQueue, stack.policySet);
    expect(await intervalsOf(OKTA_LOG_POLL_SCHEDULE)).toEqual([hourly]);
    expect((await describeSchedule(OKTA_LOG_POLL_SCHEDULE)).action.args).toEqual([{ intervalMs: hourly }]);
    expect((await describeSchedule(OKTA_LOG_POLL_SCHEDULE)).state).toMatchObject({ paused: true, note: 'paused by an operator' });
    expect((await describeSchedule(HR_EXPORT_PULL_SCHEDULE)).action).toMatchObject({ workflowType: 'hrExportPull', args: [] });

    await ensureSchedules(stack.client, config({ oktaLogPollIntervalMs: undefined }), stack.taskQueue, stack.policySet);
    await expect(describeSchedule(OKTA_LOG_POLL_SCHEDULE)).rejects.toThrow(ScheduleNotFoundError);
    await expect(describeSchedule(HR_EXPORT_PULL_SCHEDULE)).rejects.toThrow(ScheduleNotFoundError);
    expect(await intervalsOf(OKTA_RECONCILIATION_SCHEDULE)).toEqual([LONG_INTERVAL_MS]);

    const withoutOkta = { ...stack.policySet, policies: stack.policySet.policies.filter(({ policy }) => policy.source !== 'okta') };
    await ensureSchedules(stack.client, config(), stack.taskQueue, withoutOkta);
    await expect(describeSchedule(OKTA_RECONCILIATION_SCHEDULE)).rejects.toThrow(ScheduleNotFoundError);

    await ensureSchedules(stack.client, config(), stack.taskQueue, stack.policySet);
    expect(await intervalsOf(OKTA_RECONCILIATION_SCHEDULE)).toEqual([LONG_INTERVAL_MS]);
    expect((await describeSchedule(OKTA_LOG_POLL_SCHEDULE)).action.args).toEqual([{ intervalMs: LONG_INTERVAL_MS }]);
  });
});

describe('full passes over the scope group', { timeout: 120_000 }, () => {

  beforeAll(async () => {
    for (const name of ['stays', 'deactivated', 'deleted', 'removed', 'suspended', 'reactivated']) users[name] = await oktaUser(name);
    users.outsider = await oktaUser('outsider', { member: false });
  });

  it('make every member a known identity, with its profile as its record, and nobody else', async () => {
    const pass = await runPass();
    expect(pass).toMatchObject({ scope: `members of ${SCOPE_GROUP}`, users: 6, summary: { leavers: 0, delivered: 6 } });
    for (const name of ['stays', 'deactivated', 'deleted', 'removed', 'suspended', 'reactivated']) {
      const status = await eventually(async () => {
        const current = await identity(users[name]!).query(statusQuery);
        expect(current.applied).toBe(1);
        return current;
      });
      expect(status).toMatchObject({ oktaUserId: users[name], lifecycleState: 'active', record: { id: users[name], status: 'ACTIVE', firstName: name, title: 'Engineer' } });
    }
    await expect(identity(users.outsider!).describe()).rejects.toThrow(WorkflowNotFoundError);
  });

  it('turn users deactivated, deleted or removed from the group into leavers; not suspended or reactivated ones', async () => {
    await okta.userApi.deactivateUser({ userId: users.deactivated! });
    await okta.userApi.deactivateUser({ userId: users.deleted! });
    await okta.userApi.deleteUser({ userId: users.deleted! });
    await okta.groupApi.unassignUserFromGroup({ groupId: scopeGroupId, userId: users.removed! });
    await okta.userApi.suspendUser({ userId: users.suspended! });
    await okta.userApi.deactivateUser({ userId: users.reactivated! });
    await okta.userApi.activateUser({ userId: users.reactivated!, sendEmail: false });

    const pass = await runPass();
    expect(pass).toMatchObject({ users: 4, summary: { leavers: 3, unchanged: 1 } });

    for (const name of ['deactivated', 'deleted', 'removed']) await deprovisioned(users[name]!);
    // Out of scope is out of Tenure's hands: the policy deactivates the user in Okta.
    expect(await statusInOkta(users.removed!)).toBe('DEPROVISIONED');

    for (const name of ['suspended', 'reactivated']) {
      await eventually(async () => expect(await changesReceivedBy(users[name]!)).toBe(2));
      await notDeprovisioned(users[name]!);
    }
    expect((await identity(users.suspended!).query(statusQuery)).record).toMatchObject({ status: 'SUSPENDED' });
    expect(await statusInOkta(users.suspended!)).toBe('SUSPENDED');
    expect(await statusInOkta(users.reactivated!)).toBe('ACTIVE');
    expect(await changesReceivedBy(users.stays!)).toBe(1);
  });

  it('stop at a scope group Okta no longer has, rather than take everyone in it for gone', async () => {
    await okta.groupApi.replaceGroup({ groupId: scopeGroupId, group: { profile: { name: 'renamed-staff' } } });
    try {
      const failure = await runPass().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause?.cause).toMatchObject({ type: 'ScopeGroupNotFound', nonRetryable: true });
      expect(((failure as WorkflowFailedError).cause?.cause as Error).message).toContain(`the Okta scope group "${SCOPE_GROUP}" (TENURE_OKTA_SCOPE_GROUP) does not exist`);
    } finally {
      await okta.groupApi.replaceGroup({ groupId: scopeGroupId, group: { profile: { name: SCOPE_GROUP } } });
    }
    await notDeprovisioned(users.stays!);
    expect(await changesReceivedBy(users.stays!)).toBe(1);
  });
});

describe('with the event hook registered', { timeout: 120_000 }, () => {
  const orgLog = (): readonly LogEvent[] => stack.oktaEmulator!.store.log.all();
  const lostDeliveries = () => orgLog().filter((event) => event.eventType === 'event_hook.delivery' && event.outcome.result === 'FAILURE').length;

  /** Deactivates the user in Okta, and waits until the delivery that would have told Tenure is lost. */
  async function deactivateUnheard(userId: string): Promise<void> {
    const lost = lostDeliveries();
    await loseNextHookDelivery(stack, EMULATOR_TOKEN);
    await okta.userApi.deactivateUser({ userId });
    await eventually(() => expect(lostDeliveries()).toBe(lost + 1));
  }

  beforeAll(async () => {
    for (const name of ['polled', 'retried', 'passed', 'thrice']) users[name] = await oktaUser(name);
    await runPass();
    for (const name of ['polled', 'retried', 'passed', 'thrice']) await eventually(async () => expect((await identity(users[name]!).query(statusQuery)).applied).toBe(1));
    const hook: EventHook = await okta.eventHookApi.createEventHook({
      eventHook: {
        name: 'Tenure',
        events: { type: 'EVENT_TYPE', items: [...DEFAULT_OKTA_HOOK_EVENT_TYPES] },
        channel: { type: 'HTTP', version: '1.0.0', config: { uri: `${stack.intakeUrl}/hooks/okta`, authScheme: { type: 'HEADER', key: 'Authorization', value: HOOK_SECRET } } },
      },
    });
    await okta.eventHookApi.verifyEventHook({ eventHookId: hook.id! });
  });

  it('catches by the System Log poll a deactivation whose hook delivery was lost', async () => {
    await deactivateUnheard(users.polled!);
    await notDeprovisioned(users.polled!);

    const poll = await runPoll();
    expect(poll.delivered).toBeGreaterThanOrEqual(1);
    await deprovisioned(users.polled!);
  });

  it('retries a poll that Okta fails, rather than drop what it would have found', async () => {
    await deactivateUnheard(users.retried!);
    const faults = await fetch(`${stack.oktaUrl}/emulator/v1/faults/logs`, {
      method: 'PUT',
      headers: { authorization: `SSWS ${EMULATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 1 }),
    });
    expect(faults.status).toBe(200);

    const poll = await runPoll();
    expect(poll.attempts).toBe(2);
    await deprovisioned(users.retried!);
  });

  it('does not deliver from the System Log a deactivation the user was reactivated from since', async () => {
    // Deactivated and brought back before the hook was registered, in the passes above.
    const received = await changesReceivedBy(users.reactivated!);
    expect((await runPoll()).superseded).toBeGreaterThanOrEqual(1);
    expect(await changesReceivedBy(users.reactivated!)).toBe(received);
    await notDeprovisioned(users.reactivated!);
  });

  it('catches by the full pass a deactivation whose hook delivery was lost', async () => {
    await deactivateUnheard(users.passed!);
    await notDeprovisioned(users.passed!);

    expect((await runPass()).summary.leavers).toBe(1);
    await deprovisioned(users.passed!);
  });

  it('applies a deactivation the hook, the poll and the full pass all report once', async () => {
    await okta.userApi.deactivateUser({ userId: users.thrice! });
    await deprovisioned(users.thrice!);
    await runPoll();
    await runPass();
    // The join, the hook's delivery and the poll's (dropped as seen); the pass may add an update.
    expect(await changesReceivedBy(users.thrice!)).toBeGreaterThanOrEqual(3);
    await settled(users.thrice!);
    expect(await deprovisionsOf(users.thrice!)).toBe(1);
  });
});
