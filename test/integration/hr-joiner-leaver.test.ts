import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';
import { IdentityKey, IdentitySource } from '../../src/runtime/search-attributes.ts';
import type { CaughtMessage } from '../../src/emulator/mail/catcher.ts';
import type { OktaClient } from '../../src/okta/client.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../../src/sources/hr-signature.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { takePassword } from '../helpers/secrets.ts';
import { eventually, startTestStack, TEST_WEBHOOK_SECRET } from '../helpers/stack.ts';

let stack: TenureStack;
let okta: OktaClient;

beforeAll(async () => {
  stack = await startTestStack();
  okta = stack.okta!;
});

afterAll(async () => {
  await stack?.stop();
});

/** Posts as an HR system would: signed with the shared secret, unless a signature (or null, none) is given. */
async function post(body: string, signature: string | null = signHrBody(body, TEST_WEBHOOK_SECRET)) {
  const response = await fetch(`${stack.intakeUrl}/hooks/hr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { [HR_SIGNATURE_HEADER]: signature } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const execFileAsync = promisify(execFile);

/** Runs the `tenure` command as a user would, and returns what it printed. */
async function tenure(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, ['bin/tenure.mjs', ...args], { cwd: projectRoot });
  return stdout;
}

const example = (name: string) => readFile(path.join(projectRoot, 'examples', name), 'utf8');

async function statusOf(workflowId: string) {
  return stack.client.workflow.getHandle(workflowId).query(statusQuery);
}

/** Waits until the workflow has handled the event `eventId`, and expects it to have applied `count` changes by then. */
async function handled(workflowId: string, eventId: string, count: number) {
  const status = await eventually(async () => {
    const current = await statusOf(workflowId);
    expect(current.lastEventId).toBe(eventId);
    return current;
  });
  expect(status.lastError).toBeUndefined();
  expect(status.applied).toBe(count);
  return status;
}

async function groupNamesOf(userId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const group of await okta.userApi.listUserGroups({ userId })) names.push(group!.profile!.name!);
  return names.sort();
}

async function usersWithEmployeeNumber(key: string) {
  const found = [];
  for await (const user of await okta.userApi.listUsers({})) if (user?.profile?.employeeNumber === key) found.push(user);
  return found;
}

describe('an HR joiner and leaver reach Okta through the identity workflow', () => {
  const workflowId = 'identity/hr/E1001';
  const login = 'zoe.lindqvist@example.com';

  it('creates the Okta user with the mapped profile and groups, and mails the manager', async () => {
    // As the README tells a newcomer to do it.
    const sent = await tenure('hr', 'send', 'examples/joiner.json', '--url', stack.intakeUrl!, '--secret', TEST_WEBHOOK_SECRET);
    expect(sent).toBe(`202 Accepted\n${JSON.stringify({ accepted: [{ eventId: 'hr-evt-1001', workflowId }] })}\n`);

    const status = await handled(workflowId, 'hr-evt-1001', 1);
    const user = await okta.userApi.getUser({ userId: login });
    expect(status.oktaUserId).toBe(user.id);
    // The welcome mail carries a temporary password, which Okta asks the person to change.
    expect(user.status).toBe('PASSWORD_EXPIRED');
    expect(user.profile).toMatchObject({
      login,
      email: login,
      firstName: 'Zoë',
      lastName: 'Lindqvist',
      department: 'Engineering',
      title: 'Platform Engineer',
      employeeNumber: 'E1001',
    });
    expect(await groupNamesOf(user.id!)).toEqual(['Everyone', 'dept-engineering', 'staff']);

    const mail = await eventually(async () => {
      const messages = JSON.parse(await tenure('mail', 'list', '--json', '--url', stack.mailCatcher!.httpUrl)) as CaughtMessage[];
      expect(messages).toHaveLength(1);
      return messages[0]!;
    });
    expect(mail.to).toEqual(['grace.hopper@example.com']);
    expect(mail.subject).toBe('Zoë Lindqvist joins Engineering: their Okta account is ready');
    const { password, masked } = takePassword(mail.text, /password is:\n\n {2}(\S+)\n/);
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect(masked).toContain(`Their Okta login is ${login}, and their temporary password is:\n\n  <password>\n`);
    // A boolean, so that a failure cannot print the password the HTML part carries.
    expect(mail.html?.includes(`<code>${login}</code>, and their temporary password is`)).toBe(true);
  });

  it('applies the same event posted twice once (by its event id): one user, one email', async () => {
    expect((await post(await example('joiner.json'))).status).toBe(202);
    // A later, distinct event with the same record is a no-op change; once it is applied, the
    // duplicate before it has certainly been processed, since events apply in arrival order.
    const sameRecord = JSON.parse(await example('joiner.json'));
    expect((await post(JSON.stringify({ ...sameRecord, eventId: 'hr-evt-1001-resent' }))).status).toBe(202);
    await handled(workflowId, 'hr-evt-1001-resent', 2);

    expect(await usersWithEmployeeNumber('E1001')).toHaveLength(1);
    expect(stack.mailCatcher!.messages()).toHaveLength(1);
  });

  it('plans the same change the same way in the workflow and in `tenure plan`', async () => {
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const payload = history.events!.find((event) => event.activityTaskCompletedEventAttributes)!.activityTaskCompletedEventAttributes!.result!.payloads![0]!;
    const recorded = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as { now: string; lifecycles: unknown };
    expect(recorded.lifecycles).toEqual({ employees: 'joiner', 'saas-apps': 'joiner' });
    const dryRun = JSON.parse(await tenure('plan', '--new', 'examples/joiner.json', '--now', recorded.now, '--json'));
    expect(dryRun).toEqual(recorded);
  });

  it('deprovisions the Okta user when HR reports the leaver: sessions ended, groups left, profile kept', async () => {
    expect((await post(await example('leaver.json'))).status).toBe(202);
    await handled(workflowId, 'hr-evt-1002', 3);
    const user = await okta.userApi.getUser({ userId: login });
    expect(user.status).toBe('DEPROVISIONED');
    expect(user.profile?.department).toBe('Engineering');
    expect(await groupNamesOf(user.id!)).toEqual(['Everyone']);
  });

  it('records the plan, with the policy set hash, in the workflow history', async () => {
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    const activities = history.events!.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities).toEqual([
      // Okta's steps (employees.yaml), then OpsHelm's account and Kestra's with its group (saas-apps.yaml).
      'planChange', 'targetSyncIdentity', 'targetCreateEntitlement', 'targetManageRelationships', 'resetPassword', 'targetManageRelationships',
      'targetSyncIdentity', 'targetSyncIdentity', 'targetCreateEntitlement', 'targetManageRelationships',
      'planChange',
      // A leaver asks the mass-change guard before it takes access away, everywhere.
      'planChange', 'requestClearance', 'targetGroupsToRemove', 'targetDeprovisionIdentity', 'targetDeprovisionIdentity', 'targetGroupsToRemove', 'targetDeprovisionIdentity',
    ]);
    const description = await stack.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(IdentityKey)).toBe('E1001');
    expect(description.typedSearchAttributes.get(IdentitySource)).toBe('hr');
  });

  it('replays its own history deterministically', async () => {
    const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
    await expect(Worker.runReplayHistory({ workflowsPath: path.join(projectRoot, 'workflows/index.ts') }, history, workflowId)).resolves.toBeUndefined();
  });
});

describe('a change Okta cannot take', () => {
  // An @ in the first name makes a login Okta refuses (spaces and apostrophes the policy removes).
  const record = { employee_id: 'E3003', first_name: 'Lin@Mei', last_name: 'Park', department: 'Legal', title: 'Counsel', manager_email: 'm@example.com', status: 'active' };

  it('is stopped with the reason in the workflow status, and the identity takes the corrected event after it', async () => {
    const workflowId = 'identity/hr/E3003';
    expect((await post(JSON.stringify({ eventId: 'hr-evt-3003', record })))).toMatchObject({ status: 202 });
    const failed = await eventually(async () => {
      const status = await statusOf(workflowId);
      expect(status.lastEventId).toBe('hr-evt-3003');
      return status;
    });
    expect(failed.lastError).toBe(
      'hr-evt-3003: SYNC_IDENTITIES E3003: Okta answered 400 E0000001 Api validation failed: login (login: Username must be in the form of an email address; email: Does not match required pattern)',
    );
    expect(failed.applied).toBe(0);
    expect(stack.mailCatcher!.messages().filter((message) => message.to.includes('m@example.com')).map((message) => message.subject)).toEqual([]);
    // The joiner workflow's onFailure notice tells the help desk, with Okta's reason.
    const notice = await eventually(() => {
      const found = stack.mailCatcher!.messages().find((message) => message.to.includes('it-helpdesk@example.com'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(notice.text).toContain('E0000001');

    // HR corrects the name: still a joiner, since the failed change was not recorded as applied.
    expect((await post(JSON.stringify({ eventId: 'hr-evt-3004', record: { ...record, first_name: 'Lin', department: 'Sales' } })))).toMatchObject({ status: 202 });
    await handled(workflowId, 'hr-evt-3004', 1);
    const user = await okta.userApi.getUser({ userId: 'lin.park@example.com' });
    expect(user.profile?.department).toBe('Sales');
    expect(await groupNamesOf(user.id!)).toEqual(['Everyone', 'dept-sales', 'staff']);
    expect(await usersWithEmployeeNumber('E3003')).toHaveLength(1);
  });
});

describe('the HR intake refuses bad requests and starts nothing', () => {
  const joiner = JSON.stringify({ eventId: 'hr-evt-2002', record: { employee_id: 'E2002', first_name: 'Ada', last_name: 'King', status: 'active' } });

  async function expectNoWorkflow(workflowId: string) {
    await expect(stack.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }

  it('answers 401 to a missing or wrong signature', async () => {
    expect(await post(joiner, null)).toMatchObject({ status: 401, body: { error: expect.stringContaining(HR_SIGNATURE_HEADER) } });
    expect((await post(joiner, signHrBody(joiner, 'not-the-secret'))).status).toBe(401);
    expect((await post(joiner, signHrBody(`${joiner} `, TEST_WEBHOOK_SECRET))).status).toBe(401);
    await expectNoWorkflow('identity/hr/E2002');
  });

  it('answers 400 listing every problem of a bad batch, and starts none of its events', async () => {
    const batch = JSON.stringify([JSON.parse(joiner), { eventId: 'hr-evt-2003', record: { first_name: 'No key' } }, { record: { employee_id: 'E2004' } }]);
    expect(await post(batch)).toEqual({
      status: 400,
      body: {
        error: 'the body is not a valid HR event or batch',
        problems: ['[1].record.employee_id: required, it is the identity key of source "hr"', '[2].eventId: Invalid input: expected string, received undefined'],
      },
    });
    expect(await post('{"eventId": ')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^the body is not JSON/) } });
    await expectNoWorkflow('identity/hr/E2002');
    await expectNoWorkflow('identity/hr/E2004');
  });
});

describe('a leaver with a future termination date', () => {
  const workflowId = 'identity/hr/E4004';
  const record = {
    employee_id: 'E4004', first_name: 'Noor', last_name: 'Haddad', department: 'Sales', title: 'Account Executive',
    manager_id: 'E0042', manager_email: 'grace.hopper@example.com', employment_type: 'FTE', status: 'active', start_date: '2020-01-06',
  };

  it('keeps access until that day, and a rehire before then cancels the deprovisioning', async () => {
    expect((await post(JSON.stringify({ eventId: 'hr-evt-4004', record }))).status).toBe(202);
    const joined = await handled(workflowId, 'hr-evt-4004', 1);
    expect((await post(JSON.stringify({ eventId: 'hr-evt-4005', record: { ...record, status: 'terminated', termination_date: '2099-12-31' } }))).status).toBe(202);
    const leaving = await handled(workflowId, 'hr-evt-4005', 2);
    expect(leaving.deferred).toMatchObject([
      { id: 'employees/leaver', lifecycle: 'leaver', at: '2099-12-31T17:00:00.000Z' },
      { id: 'saas-apps/leaver', lifecycle: 'leaver', at: '2099-12-31T17:00:00.000Z' },
    ]);
    expect((await okta.userApi.getUser({ userId: joined.oktaUserId! })).status).toBe('PASSWORD_EXPIRED');

    expect((await post(JSON.stringify({ eventId: 'hr-evt-4006', record }))).status).toBe(202);
    const rehired = await handled(workflowId, 'hr-evt-4006', 3);
    expect(rehired.deferred).toEqual([]);
    expect((await okta.userApi.getUser({ userId: joined.oktaUserId! })).status).toBe('PASSWORD_EXPIRED');
  });
});
