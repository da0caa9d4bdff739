import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { LogEntry } from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OktaClient } from '../../src/okta/client.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../src/sources/hr-signature.ts';
import { statusQuery, type IdentityStatus } from '../../workflows/definitions.ts';
import { saveHistoryIfRecording } from '../helpers/histories.ts';
import { hrPolicy, policyFixture } from '../helpers/policy-fixture.ts';
import { signInOperator, type SignedInOperator } from '../helpers/operator.ts';
import { takePassword } from '../helpers/secrets.ts';
import { eventually, handledEvent, startTestStack, TEST_WEBHOOK_SECRET } from '../helpers/stack.ts';

/*
 * Every action against Okta through the real dev server, worker, emulator and SMTP catcher:
 * what a person would see in Okta, in the mailbox, in `tenure status` and in the Temporal UI.
 */
const policy = hrPolicy({ name: 'people', attributes: '[employee_id, first_name, last_name, department, title, manager_email, status, termination_date, purge]', moverAttributes: '[department, title]', workflows: `
  - name: joiner
    on: joiner
    actions:
      - action: SYNC_IDENTITIES
        create: true
        attributes:
          login:
            value: '{first_name}.{last_name} | ASCII | LOWER | APPEND,"@example.com"'
            fallbacks: ['{first_name}.{last_name}{NEXT_NUMBER,2} | ASCII | LOWER | APPEND,"@example.com"']
          email: '{first_name}.{last_name} | ASCII | LOWER | APPEND,"@example.com"'
          first_name: '{first_name}'
          last_name: '{last_name}'
          department: '{department}'
          title: '{title}'
          employee_id: { value: '{employee_id}', createOnly: true }
      - action: CREATE_ENTITLEMENT
        name: 'team-{department | LOWER}'
        assign: true
      - action: MANAGE_RELATIONSHIPS
        add: [staff]
      - action: RESET_PASSWORD
        notify: { template: welcome-manager, to: '{manager_email}' }
  - name: rehire
    on: rehire
    actions:
      - action: SYNC_IDENTITIES
        attributes:
          login: '{first_name}.{last_name} | ASCII | LOWER | APPEND,"@example.com"'
          title: '{title}'
      - action: RESET_PASSWORD
        notify: { template: welcome-manager, to: '{manager_email}' }
  - name: title
    on: [mover, update]
    actions:
      - action: SYNC_IDENTITIES
        attributes: { title: '{title}' }
  - name: leaver
    on: leaver
    effective: '{termination_date}T17:00:00Z'
    actions:
      - action: DEPROVISION_IDENTITY
        removeGroups: true
  - name: purge
    on: leaver
    when: purge eq "ask"
    onFailure: { template: purge-failed, to: it-security@example.com }
    actions:
      - action: DELETE_IDENTITY
        approval: { template: deletion-approval, to: it-security@example.com, timeout: 1h }
  - name: purge-quickly
    on: leaver
    when: purge eq "ask-briefly"
    onFailure: { template: purge-failed, to: it-security@example.com }
    actions:
      - action: DELETE_IDENTITY
        approval: { template: deletion-approval, to: it-security@example.com, timeout: 3s }
` });

const templates = {
  'welcome-manager.yaml': `subject: '<<first_name>> <<last_name>> joins <<department>>'
text: |
  Login: <<okta.login>>
  Temporary password: <<LOGIN_PASSWORD>>
`,
  'deletion-approval.yaml': `subject: '<<#if approval.expired>>Expired<<else>>Approve<</if>>: delete <<employee_id>>'
text: 'Run npx tenure approve <<approval.workflowId>> before <<approval.deadline>> to delete <<approval.workflow>>.'
`,
  'purge-failed.yaml': `subject: 'Purge failed: <<employee_id>>'
text: '<<failure.action>> of <<failure.workflow>>: <<failure.error>>'
`,
};

let stack: TenureStack;
let okta: OktaClient;
let operator: SignedInOperator;
const workerLog: LogEntry[] = [];

beforeAll(async () => {
  const dirs = await policyFixture({ policies: { 'people.yaml': policy }, templates });
  stack = await startTestStack(
    { policiesDir: dirs.policiesDir, templatesDir: dirs.templatesDir, logLevel: 'DEBUG' },
    {
      workerLog: (entry) => workerLog.push(entry),
      // A small history limit, so that an identity with a few changes already continues as new.
      devServerConfig: { 'limit.historyCount.suggestContinueAsNew': 150 },
      // Five-second rate-limit windows, so that a 429 is retried within the test's time.
      oktaEmulator: { rateLimits: { windowSeconds: 5 } },
    },
  );
  okta = stack.okta!;
  operator = await signInOperator(stack);
});

afterAll(async () => {
  await stack?.stop();
});

const person = (id: string, first: string, last: string, extra: Record<string, string | null> = {}) => ({
  employee_id: id,
  first_name: first,
  last_name: last,
  department: 'Research',
  title: 'Analyst',
  manager_email: 'grace.hopper@example.com',
  status: 'active',
  ...extra,
});

async function send(eventId: string, record: Record<string, string | null> | null, key?: string): Promise<void> {
  const body = JSON.stringify(record ? { eventId, record } : { eventId, key, record: null });
  const response = await fetch(`${stack.intakeUrl}/hooks/hr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, TEST_WEBHOOK_SECRET) },
    body,
  });
  expect(response.status).toBe(202);
}

const handle = (key: string): WorkflowHandle => stack.client.workflow.getHandle(`identity/hr/${key}`);
const statusOf = (key: string): Promise<IdentityStatus> => handle(key).query(statusQuery);

/** Waits until the identity has handled `eventId`; the bound only keeps a broken run from hanging. */
const handled = (key: string, eventId: string, check?: (status: IdentityStatus) => void) => handledEvent(stack, `identity/hr/${key}`, eventId, check);

async function groupNamesOf(userId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const group of await okta.userApi.listUserGroups({ userId })) names.push(group!.profile!.name!);
  return names.sort();
}

const mailTo = (address: string, subject: string) => stack.mailCatcher!.messages().filter((mail) => mail.to.includes(address) && mail.subject === subject);

const execFileAsync = promisify(execFile);

/** Runs the `tenure` command against this test's Temporal and intake, as an operator signed in would. */
async function tenure(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['bin/tenure.mjs', ...args], {
      cwd: projectRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, ...operator.env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

async function historyOf(key: string): Promise<HistoryEvent[]> {
  return (await handle(key).fetchHistory()).events ?? [];
}

/** The attempts each completed activity of a type needed, and the failure that preceded the last attempt. */
function attemptsOf(events: HistoryEvent[], activityType: string) {
  const scheduled = new Map(
    events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((event) => [String(event.eventId), event]),
  );
  return events
    .filter((event) => scheduled.has(String(event.activityTaskStartedEventAttributes?.scheduledEventId)))
    .map((event) => ({ attempt: event.activityTaskStartedEventAttributes!.attempt!, lastFailure: event.activityTaskStartedEventAttributes!.lastFailure }));
}

describe('a joiner', () => {
  let password = '';

  it('gets an account, a new team group made for them, staff, and a temporary password mailed to the manager', async () => {
    await send('j1', person('P1', 'Ada', 'Byron'));
    const status = await handled('P1', 'j1', (current) => expect(current.lastError).toBeUndefined());
    const user = await okta.userApi.getUser({ userId: 'ada.byron@example.com' });
    expect(status.oktaUserId).toBe(user.id);
    // RESET_PASSWORD expired the password it set: the person must choose their own at first sign-in.
    expect(user.status).toBe('PASSWORD_EXPIRED');
    expect(user.profile).toMatchObject({ firstName: 'Ada', lastName: 'Byron', department: 'Research', title: 'Analyst', employeeNumber: 'P1' });
    expect(await groupNamesOf(user.id!)).toEqual(['Everyone', 'staff', 'team-research']);

    const [mail, ...more] = mailTo('grace.hopper@example.com', 'Ada Byron joins Research');
    expect(more).toHaveLength(0);
    const taken = takePassword(mail!.text, /Temporary password: (\S+)/);
    password = taken.password;
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect(taken.masked).toBe('Login: ada.byron@example.com\nTemporary password: <password>\n');
  });

  it('leaves no trace of the temporary password in the workflow history or any log line', async () => {
    // Exported, payloads are base64; decoded, the history reads as the Temporal UI shows it.
    const history = JSON.stringify(await handle('P1').fetchHistory(), (key, value) =>
      key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
    );
    expect(history).toContain('RESET_PASSWORD');
    // A bare boolean, so that a failure cannot print the secret.
    expect(history.includes(password)).toBe(false);
    const logged = JSON.stringify(workerLog, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    // The worker logs at DEBUG here, so the activities' own lines are in the capture.
    expect(logged).toContain('resetPassword');
    expect(logged.includes(password)).toBe(false);
    await saveHistoryIfRecording(handle('P1'), 'joiner-with-password');
  });

  it('shows its state in a query, in search attributes and in the Temporal UI', async () => {
    const status = await statusOf('P1');
    expect(status.lifecycleState).toBe('active');
    expect(status.policyVersion).toBe(stack.policySet.hash);
    expect(status.record).toMatchObject({ employee_id: 'P1', department: 'Research' });
    const found = await eventually(async () => {
      const runs = [];
      for await (const run of stack.client.workflow.list({ query: `LifecycleState = "active" AND IdentityKey = "P1" AND PolicyVersion = "${stack.policySet.hash}"` })) runs.push(run);
      expect(runs).toHaveLength(1);
      return runs[0]!;
    });
    expect(found.workflowId).toBe('identity/hr/P1');
    const description = await handle('P1').describe();
    expect(await description.staticSummary()).toBe('Ada Byron (hr P1)');
    const details = await handle('P1').query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(details.currentDetails).toContain('**Ada Byron (hr P1)**: active');
    const scheduled = (await historyOf('P1')).filter((event) => event.activityTaskScheduledEventAttributes);
    expect(scheduled.map((event) => event.userMetadata?.summary?.data && Buffer.from(event.userMetadata.summary.data).toString())).toContain('"RESET_PASSWORD · people/joiner"');
  });

  it('makes a team group once, however many joiners of a new department arrive together', async () => {
    await Promise.all([send('j2', person('P2', 'Bea', 'Lund', { department: 'Optics' })), send('j3', person('P3', 'Cy', 'Moss', { department: 'Optics' }))]);
    await handled('P2', 'j2', (status) => expect(status.lastError).toBeUndefined());
    await handled('P3', 'j3', (status) => expect(status.lastError).toBeUndefined());
    const groups = [];
    for await (const group of await okta.groupApi.listGroups({ q: 'team-optics' })) groups.push(group);
    expect(groups).toHaveLength(1);
    for (const login of ['bea.lund@example.com', 'cy.moss@example.com']) {
      expect(await groupNamesOf((await okta.userApi.getUser({ userId: login })).id!)).toContain('team-optics');
    }
  });
});

describe('Okta errors', () => {
  /** Sets a fault rule through the emulator's admin API; without a rule, clears them all. */
  const faults = (target?: string, rule?: Record<string, number>) =>
    fetch(`${stack.oktaUrl}/emulator/v1/faults${target ? `/${encodeURIComponent(target)}` : ''}`, {
      method: rule ? 'PUT' : 'DELETE',
      headers: { authorization: 'SSWS tenure-sandbox-token', 'content-type': 'application/json' },
      ...(rule ? { body: JSON.stringify(rule) } : {}),
    }).then((response) => expect(response.ok).toBe(true));

  afterEach(() => faults());

  it('retries a 429 when the rate limit resets, and a 5xx with backoff, leaving exactly one user', async () => {
    await faults('users', { throttleNext: 1 });
    await faults('groups', { failNext: 2 });
    await send('e1', person('Q1', 'Dee', 'Holm'));
    await handled('Q1', 'e1', (status) => expect(status.lastError).toBeUndefined());
    const events = await historyOf('Q1');
    const [sync] = attemptsOf(events, 'targetSyncIdentity');
    expect(sync!.attempt).toBe(2);
    expect(sync!.lastFailure?.applicationFailureInfo?.type).toBe('OktaRateLimited');
    expect(sync!.lastFailure?.applicationFailureInfo?.nextRetryDelay).toBeTruthy();
    const [entitlement] = attemptsOf(events, 'targetCreateEntitlement');
    expect(entitlement!.attempt).toBeGreaterThan(1);
    expect(entitlement!.lastFailure?.message).toContain('500');
    const users = [];
    for await (const user of await okta.userApi.listUsers({ search: 'profile.employeeNumber eq "Q1"' })) users.push(user);
    expect(users).toHaveLength(1);
  });

  it('waits while Okta is down and resumes when it is back, dropping nothing', { timeout: 90_000 }, async () => {
    await faults('*', { errorRate: 1 });
    try {
      await send('e2', person('Q2', 'Eli', 'Berg'));
      await eventually(async () => {
        const description = await handle('Q2').describe();
        const pending = description.raw.pendingActivities ?? [];
        expect(pending.map((activity) => activity.activityType?.name)).toContain('targetSyncIdentity');
        expect(pending[0]!.attempt).toBeGreaterThanOrEqual(3);
      });
    } finally {
      await faults();
    }
    await handled('Q2', 'e2', (status) => expect(status.lastError).toBeUndefined());
    expect((await okta.userApi.getUser({ userId: 'eli.berg@example.com' })).status).toBe('PASSWORD_EXPIRED');
  });

  it("stops at any other 4xx, once, and shows Okta's errorCode and errorSummary", async () => {
    await send('e3', person('Q3', 'Mary Ann', 'Fox'));
    const status = await handled('Q3', 'e3', (current) => expect(current.lastError).toBeDefined());
    expect(status.lastError).toContain('Okta answered 400 E0000001 Api validation failed');
    expect(status.lastError).toContain('Username must be in the form of an email address');
    expect(status.applied).toBe(0);
    const events = await historyOf('Q3');
    expect(attemptsOf(events, 'targetSyncIdentity')).toEqual([expect.objectContaining({ attempt: 1 })]);
    const failed = events.find((event) => event.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!.failure!;
    expect(failed.applicationFailureInfo).toMatchObject({ type: 'OktaError', nonRetryable: true });
    expect(failed.message).toContain('E0000001');
  });
});

describe('a leaver and a rehire', () => {
  it('deprovisions the leaver, remembering the groups it removed', async () => {
    await send('l1', person('R1', 'Fay', 'Nord'));
    await handled('R1', 'l1');
    await send('l2', person('R1', 'Fay', 'Nord', { status: 'terminated', termination_date: '2026-01-31' }));
    const status = await handled('R1', 'l2', (current) => expect(current.lastError).toBeUndefined());
    const user = await okta.userApi.getUser({ userId: 'fay.nord@example.com' });
    expect(user.status).toBe('DEPROVISIONED');
    expect(user.profile?.department).toBe('Research');
    expect(await groupNamesOf(user.id!)).toEqual(['Everyone']);
    expect(status.removedGroups.sort()).toEqual(['staff', 'team-research']);
    expect(status.lifecycleState).toBe('inactive');
  });

  it('reactivates a rehire, restores those groups and mails a new temporary password', async () => {
    await send('l3', person('R1', 'Fay', 'Nord', { title: 'Senior Analyst' }));
    const status = await handled('R1', 'l3', (current) => expect(current.lastError).toBeUndefined());
    const user = await okta.userApi.getUser({ userId: 'fay.nord@example.com' });
    expect(user.status).toBe('PASSWORD_EXPIRED');
    expect(user.profile?.title).toBe('Senior Analyst');
    expect(await groupNamesOf(user.id!)).toEqual(['Everyone', 'staff', 'team-research']);
    expect(status.removedGroups).toEqual([]);
    expect(status.lifecycleState).toBe('active');
    expect(mailTo('grace.hopper@example.com', 'Fay Nord joins Research')).toHaveLength(2);
    await saveHistoryIfRecording(handle('R1'), 'leaver-and-rehire');
    // The same, recorded by the last workflow code before the target seam (its activities took Okta user ids).
    await saveHistoryIfRecording(handle('R1'), 'okta-before-targets-rehire');
    // And by the code with the seam: the Okta actions run as the `okta` target's (patched 'target-seam').
    await saveHistoryIfRecording(handle('R1'), 'okta-through-target-seam-rehire');
  });

  it('holds a future termination, shows it as scheduled, and drops it when HR rescinds it', async () => {
    await send('l4', person('R2', 'Gus', 'Ek'));
    await handled('R2', 'l4');
    await send('l5', person('R2', 'Gus', 'Ek', { status: 'terminated', termination_date: '2099-06-30' }));
    const leaving = await handled('R2', 'l5');
    expect(leaving.lifecycleState).toBe('leaving');
    expect(leaving.deferred).toEqual([expect.objectContaining({ id: 'people/leaver', lifecycle: 'leaver', at: '2099-06-30T17:00:00.000Z' })]);
    const shown = await tenure('status', 'hr/R2');
    expect(shown.stdout).toContain('State       leaving');
    expect(shown.stdout).toContain('2099-06-30T17:00:00.000Z  people/leaver (leaver): DEPROVISION_IDENTITY');

    await send('l6', person('R2', 'Gus', 'Ek'));
    const rescinded = await handled('R2', 'l6');
    expect(rescinded.deferred).toEqual([]);
    expect(rescinded.lifecycleState).toBe('active');
    expect((await tenure('status', 'identity/hr/R2')).stdout).toContain('Scheduled:  nothing');
    expect((await okta.userApi.getUser({ userId: 'gus.ek@example.com' })).status).toBe('PASSWORD_EXPIRED');
    await saveHistoryIfRecording(handle('R2'), 'rescinded-termination');
  });
});

describe('deleting an identity with approval', () => {
  async function leaverAwaitingApproval(key: string, first: string, purge: string) {
    await send(`${key}-join`, person(key, first, 'Vik', { purge }));
    await handled(key, `${key}-join`);
    await send(`${key}-leave`, person(key, first, 'Vik', { purge, status: 'terminated', termination_date: '2026-01-31' }));
    return handled(key, `${key}-leave`);
  }

  it('waits for `tenure approve`, then deactivates and deletes the user', async () => {
    const status = await leaverAwaitingApproval('D1', 'Ida', 'ask');
    expect(status.lifecycleState).toBe('awaiting-approval');
    expect(status.approvals).toEqual([expect.objectContaining({ id: 'people/purge', action: 'DELETE_IDENTITY' })]);
    const [request] = mailTo('it-security@example.com', 'Approve: delete D1');
    expect(request!.text).toContain('Run npx tenure approve identity/hr/D1 before');
    expect((await okta.userApi.getUser({ userId: 'ida.vik@example.com' })).status).toBe('DEPROVISIONED');

    const approved = await tenure('approve', 'identity/hr/D1');
    expect(approved).toMatchObject({ code: 0, stdout: 'Approved: DELETE_IDENTITY of people/purge runs now.\n' });
    const deleted = await eventually(async () => {
      const current = await statusOf('D1');
      expect(current.lifecycleState).toBe('deleted');
      return current;
    });
    expect(deleted.oktaUserId).toBeUndefined();
    await expect(okta.userApi.getUser({ userId: 'ida.vik@example.com' })).rejects.toMatchObject({ status: 404, errorCode: 'E0000007' });

    const again = await tenure('approve', 'hr/D1');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('tenure: hr/D1: nothing is waiting for approval');
    await saveHistoryIfRecording(handle('D1'), 'deletion-approved');
    await saveHistoryIfRecording(handle('D1'), 'okta-before-targets-deletion');
    await saveHistoryIfRecording(handle('D1'), 'okta-through-target-seam-deletion');
  });

  it('keeps the user when `tenure reject` refuses', async () => {
    await leaverAwaitingApproval('D2', 'Jon', 'ask');
    const rejected = await tenure('reject', 'hr/D2');
    expect(rejected.stdout).toBe('Rejected: DELETE_IDENTITY of people/purge and the rest of that workflow will not run.\n');
    const status = await eventually(async () => {
      const current = await statusOf('D2');
      expect(current.lastError).toBe(`DELETE_IDENTITY of people/purge was rejected by ${operator.login}`);
      return current;
    });
    expect(status.lifecycleState).toBe('inactive');
    expect((await okta.userApi.getUser({ userId: 'jon.vik@example.com' })).status).toBe('DEPROVISIONED');
  });

  it('tells the approver and IT when nobody approves in time, and deletes nothing', async () => {
    await leaverAwaitingApproval('D3', 'Kai', 'ask-briefly');
    const [expired] = await eventually(() => {
      const found = mailTo('it-security@example.com', 'Expired: delete D3');
      expect(found).toHaveLength(1);
      return found;
    });
    expect(expired!.text).toContain('people/purge-quickly');
    const status = await eventually(async () => {
      const current = await statusOf('D3');
      expect(current.approvals).toEqual([]);
      expect(current.lastError).toMatch(/^DELETE_IDENTITY of people\/purge-quickly was not approved by /);
      return current;
    });
    expect(status.lifecycleState).toBe('inactive');
    const [failure] = mailTo('it-security@example.com', 'Purge failed: D3');
    expect(failure!.text).toContain('DELETE_IDENTITY of people/purge-quickly: DELETE_IDENTITY of people/purge-quickly was not approved by');
    expect((await okta.userApi.getUser({ userId: 'kai.vik@example.com' })).status).toBe('DEPROVISIONED');
    await saveHistoryIfRecording(handle('D3'), 'deletion-timed-out');
  });

  it('drops a waiting deletion when the person is rehired', async () => {
    await leaverAwaitingApproval('D4', 'Liv', 'ask');
    await send('D4-back', person('D4', 'Liv', 'Vik', { purge: 'ask' }));
    const status = await handled('D4', 'D4-back');
    expect(status.approvals).toEqual([]);
    expect(status.lifecycleState).toBe('active');
    expect((await tenure('approve', 'hr/D4')).stderr).toContain('nothing is waiting for approval');
    expect((await okta.userApi.getUser({ userId: 'liv.vik@example.com' })).status).toBe('PASSWORD_EXPIRED');
  });
});

describe('a long-lived identity', () => {
  it('continues as new before its history grows large, keeping its state and its memory of events', async () => {
    await send('t0', person('T1', 'Max', 'Sund'));
    await handled('T1', 't0');
    const firstRun = (await handle('T1').describe()).runId;
    for (let change = 1; change <= 12; change++) await send(`t${change}`, person('T1', 'Max', 'Sund', { title: `Analyst ${change}` }));
    const status = await handled('T1', 't12', (current) => expect(current.applied).toBe(13));
    expect((await handle('T1').describe()).runId).not.toBe(firstRun);
    // Temporal gives the new run no summary (continue-as-new carries none), so the details name the person.
    const details = await handle('T1').query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(details.currentDetails).toContain('**Max Sund (hr T1)**: active');
    expect(status.record).toMatchObject({ title: 'Analyst 12' });
    expect((await okta.userApi.getUser({ userId: 'max.sund@example.com' })).profile?.title).toBe('Analyst 12');

    // An event from before the new run is still recognised as a redelivery.
    await send('t5', person('T1', 'Max', 'Sund', { title: 'Analyst 5' }));
    await send('t13', person('T1', 'Max', 'Sund', { title: 'Analyst 12' }));
    const after = await handled('T1', 't13');
    expect(after.applied).toBe(14);
    expect(after.record).toMatchObject({ title: 'Analyst 12' });
    await saveHistoryIfRecording(stack.client.workflow.getHandle('identity/hr/T1', firstRun), 'continued-as-new');
  });
});
