import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OktaClient } from '../../src/okta/client.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery, type IdentityStatus } from '../../workflows/definitions.ts';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.ts';
import { saveHistoryIfRecording } from '../helpers/histories.ts';
import { policyFixture } from '../helpers/policy-fixture.ts';
import { startScim2Server, type Scim2Server } from '../helpers/scim2-server.ts';
import { eventually, handledEvent, postHr, startTestStack } from '../helpers/stack.ts';
import { tenure } from '../helpers/tenure-cli.ts';
import { startScimFixture, type ScimFixture } from '../scim/scim-fixture.ts';

/*
 * One policy gives a joiner an Okta user and an account in two SCIM applications Tenure did not
 * write for itself: PyPI's scim2-server ("third"), and Tenure's own SCIM service provider ("own"),
 * each behind a proxy that can take it down or make it answer 429 or a final 400. The real stack
 * runs the workflow; the assertions read each application's own state.
 */
/** A sync of these attributes, then the person's department group made if new and made their only dept- group. */
const inDepartment = (target: string, sync: string) => `
      - action: SYNC_IDENTITIES
        target: ${target}
${sync}
      - action: CREATE_ENTITLEMENT
        target: ${target}
        name: 'dept-{department | LOWER}'
      - action: MANAGE_RELATIONSHIPS
        target: ${target}
        sync: { prefix: dept-, groups: ['dept-{department | LOWER}'] }`;

const perTarget = (target: string) => `
  - name: ${target}-account
    on: [joiner, rehire]
    actions:${inDepartment(
      target,
      `        create: true
        attributes:
          login: '{first_name}.{last_name} | LOWER | APPEND,"@example.com"'
          email: '{first_name}.{last_name} | LOWER | APPEND,"@example.com"'
          first_name: '{first_name}'
          last_name: '{last_name}'
          department: '{department}'`,
    )}
  - name: ${target}-move
    on: mover
    when: old.department ne new.department
    actions:${inDepartment(target, "        attributes: { department: '{department}' }")}
  - name: ${target}-leaver
    on: leaver
    actions:
      - action: DEPROVISION_IDENTITY
        target: ${target}
        removeGroups: true
  - name: ${target}-purge
    on: leaver
    when: purge eq "now"
    actions:
      - action: DELETE_IDENTITY
        target: ${target}
`;

const policy = `apiVersion: tenure/v1
kind: LifecyclePolicy
metadata: { name: everywhere }
source: hr
identity:
  key: employee_id
  attributes: [employee_id, first_name, last_name, department, status, purge]
  moverAttributes: [department]
  inactive: status eq "terminated"
workflows:${['okta', 'third', 'own'].map(perTarget).join('').replaceAll('        target: okta\n', '')}`;

const targetsDocument = (third: string, own: string) => `apiVersion: tenure/v1
kind: Targets
targets:
  third:
    kind: scim
    url: ${third}
    auth: { bearerToken: { env: TENURE_TEST_THIRD_TOKEN } }
  own:
    kind: scim
    url: ${own}
    auth: { bearerToken: { env: TENURE_TEST_OWN_TOKEN } }
`;

let scim2: Scim2Server;
let ownApp: ScimFixture;
let third: FaultyProxy;
let own: FaultyProxy;
let ownToken: string;
let stack: TenureStack;
let okta: OktaClient;

beforeAll(async () => {
  scim2 = await startScim2Server();
  ownApp = await startScimFixture();
  const integration = await ownApp.integration('apps');
  ownToken = integration.token;
  third = await startFaultyProxy(scim2.url);
  own = await startFaultyProxy(integration.baseUrl);
  process.env.TENURE_TEST_THIRD_TOKEN = scim2.token;
  process.env.TENURE_TEST_OWN_TOKEN = ownToken;
  const { policiesDir, templatesDir } = await policyFixture({ policies: { 'everywhere.yaml': policy, 'targets.yaml': targetsDocument(third.url, own.url) } });
  stack = await startTestStack({ policiesDir, templatesDir });
  okta = stack.okta!;
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await third?.close();
  await own?.close();
  await ownApp?.close();
  await scim2?.stop();
  delete process.env.TENURE_TEST_THIRD_TOKEN;
  delete process.env.TENURE_TEST_OWN_TOKEN;
});

const person = (key: string, first: string, last: string, extra: Record<string, string> = {}) => ({
  employee_id: key,
  first_name: first,
  last_name: last,
  department: 'Research',
  status: 'active',
  ...extra,
});

async function send(eventId: string, record: Record<string, string>): Promise<void> {
  expect((await postHr(stack, JSON.stringify({ eventId, record }))).status).toBe(202);
}

const handle = (key: string): WorkflowHandle => stack.client.workflow.getHandle(`identity/hr/${key}`);
const statusOf = (key: string): Promise<IdentityStatus> => handle(key).query(statusQuery);

const handled = (key: string, eventId: string, check?: (status: IdentityStatus) => void) => handledEvent(stack, `identity/hr/${key}`, eventId, check);

type ScimUser = { id: string; userName: string; active?: boolean; externalId?: string; [key: string]: unknown };

/** What an application holds, read from it directly (not through the proxy, which counts requests). */
async function scimGet(app: 'third' | 'own', route: string): Promise<{ status: number; body: any }> {
  const base = app === 'third' ? scim2.url : `${ownApp.url}/scim/v2/apps`;
  const response = await fetch(`${base}${route}`, { headers: { authorization: `Bearer ${app === 'third' ? scim2.token : ownToken}`, accept: 'application/scim+json' } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function scimSend(app: 'third' | 'own', method: string, route: string, body: unknown): Promise<{ status: number }> {
  const base = app === 'third' ? scim2.url : `${ownApp.url}/scim/v2/apps`;
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${app === 'third' ? scim2.token : ownToken}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status };
}

async function accountsOf(app: 'third' | 'own', key: string): Promise<ScimUser[]> {
  const { body } = await scimGet(app, `/Users?filter=${encodeURIComponent(`externalId eq "${key}"`)}`);
  return (body.Resources ?? []) as ScimUser[];
}

/** The display names of the groups whose members include the account. */
async function groupsOf(app: 'third' | 'own', id: string): Promise<string[]> {
  const { body } = await scimGet(app, '/Groups?count=1000');
  return ((body.Resources ?? []) as Array<{ displayName: string; members?: Array<{ value: string }> }>)
    .filter((group) => (group.members ?? []).some((member) => member.value === id))
    .map((group) => group.displayName)
    .sort();
}

async function oktaGroupsOf(userId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const group of await okta.userApi.listUserGroups({ userId })) if (group!.profile!.name !== 'Everyone') names.push(group!.profile!.name!);
  return names.sort();
}

describe('one identity, three targets', () => {
  it('gives a joiner an Okta user and one account in each SCIM application, in their department group', async () => {
    await send('t1-join', person('T1', 'ada', 'nilsen'));
    const status = await handled('T1', 't1-join', (current) => expect(current.lastError).toBeUndefined());
    const user = await okta.userApi.getUser({ userId: 'ada.nilsen@example.com' });
    expect(await oktaGroupsOf(user.id!)).toEqual(['dept-research']);
    for (const app of ['third', 'own'] as const) {
      const accounts = await accountsOf(app, 'T1');
      expect(accounts).toHaveLength(1);
      expect(accounts[0]).toMatchObject({ userName: 'ada.nilsen@example.com', active: true });
      expect(await groupsOf(app, accounts[0]!.id)).toEqual(['dept-research']);
      expect(status.accounts[app]).toMatchObject({ id: accounts[0]!.id, deleted: false });
    }
    expect(status.accounts.okta).toMatchObject({ id: user.id });
  });

  it('moves a department change in every target, and changes nothing else', async () => {
    const before = (await accountsOf('third', 'T1'))[0]!;
    await send('t1-move', person('T1', 'ada', 'nilsen', { department: 'Sales' }));
    await handled('T1', 't1-move', (current) => expect(current.lastError).toBeUndefined());
    const user = await okta.userApi.getUser({ userId: 'ada.nilsen@example.com' });
    expect(user.profile?.department).toBe('Sales');
    expect(await oktaGroupsOf(user.id!)).toEqual(['dept-sales']);
    for (const app of ['third', 'own'] as const) {
      const [account] = await accountsOf(app, 'T1');
      expect(account!['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toMatchObject({ department: 'Sales' });
      expect(await groupsOf(app, account!.id)).toEqual(['dept-sales']);
    }
    const after = (await accountsOf('third', 'T1'))[0]!;
    expect({ ...after, meta: undefined, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': undefined }).toEqual({
      ...before,
      meta: undefined,
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': undefined,
    });
  });

  it('deactivates a leaver everywhere, remembering the groups each target took away', async () => {
    // A group an administrator gave by hand, which no policy manages: only a rehire's restore brings it back.
    const user = await okta.userApi.getUser({ userId: 'ada.nilsen@example.com' });
    const oncall = await okta.groupApi.createGroup({ group: { profile: { name: 'oncall' } } });
    await okta.groupApi.assignUserToGroup({ groupId: oncall.id!, userId: user.id! });
    for (const app of ['third', 'own'] as const) {
      const [account] = await accountsOf(app, 'T1');
      expect((await scimSend(app, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'oncall', members: [{ value: account!.id }] })).status).toBe(201);
    }
    await send('t1-leave', person('T1', 'ada', 'nilsen', { department: 'Sales', status: 'terminated' }));
    const status = await handled('T1', 't1-leave', (current) => expect(current.lastError).toBeUndefined());
    expect((await okta.userApi.getUser({ userId: 'ada.nilsen@example.com' })).status).toBe('DEPROVISIONED');
    for (const app of ['third', 'own'] as const) {
      const [account] = await accountsOf(app, 'T1');
      expect(account!.active).toBe(false);
      expect(await groupsOf(app, account!.id)).toEqual([]);
      expect(status.accounts[app]!.removedGroups.sort()).toEqual(['dept-sales', 'oncall']);
    }
    expect(status.removedGroups.sort()).toEqual(['dept-sales', 'oncall']);
  });

  it('brings a rehire back everywhere with their groups, in the department HR now gives', async () => {
    await send('t1-rehire', person('T1', 'ada', 'nilsen', { department: 'Finance' }));
    const status = await handled('T1', 't1-rehire', (current) => expect(current.lastError).toBeUndefined());
    const user = await okta.userApi.getUser({ userId: 'ada.nilsen@example.com' });
    expect(user.status).not.toBe('DEPROVISIONED');
    // The hand-given group is restored; the department group follows HR (the policy's sync).
    expect(await oktaGroupsOf(user.id!)).toEqual(['dept-finance', 'oncall']);
    for (const app of ['third', 'own'] as const) {
      const accounts = await accountsOf(app, 'T1');
      expect(accounts).toHaveLength(1);
      expect(accounts[0]!.active).toBe(true);
      expect(await groupsOf(app, accounts[0]!.id)).toEqual(['dept-finance', 'oncall']);
      expect(status.accounts[app]!.removedGroups).toEqual([]);
    }
    await saveHistoryIfRecording(handle('T1'), 'targets-okta-and-two-scim-apps');
  });

  it('deletes the accounts a purge names, in every target', async () => {
    await send('t5-join', person('T5', 'bo', 'ek'));
    await handled('T5', 't5-join', (current) => expect(current.lastError).toBeUndefined());
    await send('t5-purge', person('T5', 'bo', 'ek', { status: 'terminated', purge: 'now' }));
    const status = await handled('T5', 't5-purge', (current) => expect(current.lastError).toBeUndefined());
    await expect(okta.userApi.getUser({ userId: 'bo.ek@example.com' })).rejects.toMatchObject({ status: 404 });
    for (const app of ['third', 'own'] as const) expect(await accountsOf(app, 'T5')).toEqual([]);
    expect(status.deleted).toBe(true);
    expect(status.lifecycleState).toBe('deleted');
  });
});

describe('a target that fails', () => {
  it('delays the work of a target that is down, and drops nothing: its account is made once it is back', { timeout: 120_000 }, async () => {
    await third.down();
    try {
      await send('t2-join', person('T2', 'cy', 'lund'));
      // Okta, whose steps come first, is done; the application down is retried, and the steps after it wait.
      await eventually(async () => {
        const pending = (await handle('T2').describe()).raw.pendingActivities ?? [];
        expect(pending.map((activity) => activity.activityType?.name)).toEqual(['targetSyncIdentity']);
        expect(pending[0]!.attempt).toBeGreaterThanOrEqual(2);
      });
      expect((await okta.userApi.getUser({ userId: 'cy.lund@example.com' })).status).not.toBe('DEPROVISIONED');
      expect(await accountsOf('third', 'T2')).toEqual([]);
      expect(await accountsOf('own', 'T2')).toEqual([]);
    } finally {
      await third.up();
    }
    await handled('T2', 't2-join', (current) => expect(current.lastError).toBeUndefined());
    expect(await accountsOf('third', 'T2')).toHaveLength(1);
    expect(await accountsOf('own', 'T2')).toHaveLength(1);
  });

  it("waits out a 429 for as long as the application's Retry-After says, then completes once", { timeout: 60_000 }, async () => {
    own.fail(429, 2, { 'retry-after': '1' }, 'too many requests');
    const before = own.requests.length;
    await send('t3-join', person('T3', 'di', 'berg'));
    await handled('T3', 't3-join', (current) => expect(current.lastError).toBeUndefined());
    expect(await accountsOf('own', 'T3')).toHaveLength(1);
    const history = await handle('T3').fetchHistory();
    const syncStarts = history.events!.filter((event) => event.activityTaskStartedEventAttributes && event.activityTaskStartedEventAttributes.lastFailure?.applicationFailureInfo?.type === 'ScimRateLimited');
    expect(syncStarts.length).toBeGreaterThanOrEqual(1);
    expect(own.requests.length - before).toBeGreaterThan(2);
  });

  it('stops for good at a final 4xx in one target, with its detail in the status, while the others complete', { timeout: 60_000 }, async () => {
    third.fail(400, 1, {}, 'userName is not acceptable to this application');
    await send('t4-join', person('T4', 'eve', 'dahl'));
    const status = await handled('T4', 't4-join', (current) => expect(current.accounts.third?.lastError).toBeDefined());
    expect(status.accounts.third!.lastError).toContain('userName is not acceptable to this application');
    expect(status.accounts.third!.id).toBeUndefined();
    expect(await accountsOf('own', 'T4')).toHaveLength(1);
    expect((await okta.userApi.getUser({ userId: 'eve.dahl@example.com' })).status).not.toBe('DEPROVISIONED');
    const shown = await tenure(['status', 'hr/T4'], { TEMPORAL_ADDRESS: stack.temporalAddress });
    expect(shown.stdout).toMatch(/third\s+none yet; failed: everywhere\/third-account SYNC_IDENTITIES: .*userName is not acceptable to this application/);
    // The Temporal UI's details of the run say it beside the other accounts.
    const { currentDetails } = await handle('T4').query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(currentDetails).toMatch(/third account: none yet; failed: everywhere\/third-account SYNC_IDENTITIES: .*userName is not acceptable to this application/);
    expect(currentDetails).toMatch(/own account: \S+ \(active\)/);
    const failed = (await handle('T4').fetchHistory()).events!.find((event) => event.activityTaskFailedEventAttributes)!;
    expect(failed.activityTaskFailedEventAttributes!.failure!.applicationFailureInfo).toMatchObject({ nonRetryable: true });
  });
});
