import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityWorkflowId } from '../../src/identity/change-event.ts';
import { SANDBOX_INTEGRATION } from '../../src/runtime/sandbox-scim.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { openIntegrationAdmin, type IntegrationAdmin } from '../../src/scim/integration-admin.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { clientFor, type ScimClient } from '../scim/scim-fixture.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';

/**
 * A SCIM client chooses the externalId it sends, and Okta's push sends the Okta user's id there,
 * which is how Tenure finds the person in Okta. A client holding an integration's token must not
 * be able to point Tenure at a colleague's Okta user: Tenure acts on the Okta user an externalId
 * names only once Okta confirms that user's login is the SCIM user's userName. On the real stack:
 * the sandbox integration `okta` and `policies/scim-okta.yaml`, whose leaver deprovisions.
 */

let stack: TenureStack;
let admin: IntegrationAdmin;
let scim: ScimClient;

beforeAll(async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tenure-scim-okta-user-check-'));
  stack = await startTestStack({ dataDir, sandboxScim: true });
  admin = await openIntegrationAdmin({ databaseUrl: undefined, dataDir });
  // Whoever holds the integration's token: here a new one, as after `tenure scim rotate okta`.
  const { token } = await admin.rotate(SANDBOX_INTEGRATION);
  scim = clientFor(stack.intakeUrl!, SANDBOX_INTEGRATION, token);
}, 240_000);

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
});

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Creates a SCIM user as a client would; answers the workflow id of its identity. */
async function postUser(userName: string, externalId: string): Promise<string> {
  // No name or department: the policy's joiner steps need none of them, so the joiner applies and
  // what is left to see is whom the leaver acts on.
  const created = await scim.call('POST', '/Users', { schemas: [USER_SCHEMA], userName, externalId, active: true, emails: [{ value: userName, type: 'work', primary: true }] });
  expect(created.status).toBe(201);
  return identityWorkflowId(`scim/${SANDBOX_INTEGRATION}`, created.body.id);
}

async function deactivate(workflowId: string): Promise<void> {
  const scimId = workflowId.split('/').at(-1)!;
  const patched = await scim.call('PATCH', `/Users/${scimId}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', value: { active: false } }],
  });
  expect(patched.status).toBe(200);
}

const status = (workflowId: string) => stack.client.workflow.getHandle(workflowId).query(statusQuery);

async function ran(workflowId: string, activity: string): Promise<number> {
  const { events } = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activity).length;
}

async function oktaUser(login: string, firstName: string): Promise<string> {
  const user = await stack.okta!.userApi.createUser({ activate: true, body: { profile: { login, email: login, firstName, lastName: 'Example' } } });
  return user.id!;
}

async function groupsOf(userId: string): Promise<string[]> {
  const names: string[] = [];
  for await (const group of await stack.okta!.userApi.listUserGroups({ userId })) names.push(group!.profile!.name!);
  return names.sort();
}

describe('the Okta user a SCIM client names', { timeout: 90_000 }, () => {
  it("a client naming a colleague's Okta user as externalId cannot deactivate them", async () => {
    const victimId = await oktaUser('victor.victim@example.com', 'Victor');
    const finance = await stack.okta!.groupApi.createGroup({ group: { profile: { name: 'Finance', description: 'Finance' } } });
    await stack.okta!.groupApi.assignUserToGroup({ groupId: finance.id!, userId: victimId });
    const victimGroups = await groupsOf(victimId);
    // Created without a password, the emulator's user is PROVISIONED (as Okta's would be): not deactivated is what counts.
    const victimStatus = (await stack.okta!.userApi.getUser({ userId: victimId })).status;
    expect(victimGroups).toContain('Finance');

    const workflowId = await postUser('mallory@example.com', victimId);
    await eventually(async () => expect((await status(workflowId)).lifecycleState).toBe('active'));
    const joined = await status(workflowId);
    expect(joined.oktaUserId).toBeUndefined();
    const refusal = `externalId ${victimId} names an Okta user whose login is not this SCIM user's userName; not acting on it`;
    expect(joined.oktaUserRefused).toBe(refusal);
    expect(joined.lastError).toBe(refusal);

    await deactivate(workflowId);
    // The leaver's DEPROVISION_IDENTITY finds no Okta user to act on, and says why.
    await eventually(async () => expect((await status(workflowId)).lastError).toMatch(/DEPROVISION_IDENTITY .*no Okta user is known/));
    const left = await status(workflowId);
    expect(left.oktaUserId).toBeUndefined();
    expect(left.lastError).toContain(refusal);
    // Ids only: neither login is in what the status shows.
    expect(left.lastError).not.toMatch(/mallory|victor/i);
    expect(await ran(workflowId, 'targetDeprovisionIdentity')).toBe(0);
    expect(await ran(workflowId, 'targetGroupsToRemove')).toBe(0);

    const victim = await stack.okta!.userApi.getUser({ userId: victimId });
    expect(victim.status).not.toBe('DEPROVISIONED');
    expect(victim.status).toBe(victimStatus);
    expect(await groupsOf(victimId)).toEqual(victimGroups);
  });

  it('an externalId shaped like an Okta id that names no Okta user is not acted on', async () => {
    const workflowId = await postUser('nobody@example.com', '00uDoesNotExist12345');
    await eventually(async () => expect((await status(workflowId)).lifecycleState).toBe('active'));
    const identity = await status(workflowId);
    expect(identity.oktaUserId).toBeUndefined();
    expect(identity.lastError).toBe('externalId 00uDoesNotExist12345 names no Okta user; not acting on it');
  });

  it("a client naming the person's own Okta user (its login in another case) binds it, and the leaver deprovisions it", async () => {
    const beaId = await oktaUser('bea.genuine@example.com', 'Bea');
    const workflowId = await postUser('Bea.Genuine@Example.COM', beaId);
    await eventually(async () => expect((await status(workflowId)).lifecycleState).toBe('active'));
    const joined = await status(workflowId);
    expect(joined.oktaUserId).toBe(beaId);
    expect(joined.lastError).toBeUndefined();
    expect(await ran(workflowId, 'confirmOktaUser')).toBe(1);

    await deactivate(workflowId);
    await eventually(async () => expect((await status(workflowId)).lifecycleState).toBe('inactive'));
    expect((await stack.okta!.userApi.getUser({ userId: beaId })).status).toBe('DEPROVISIONED');
    // Checked once, when bound: not again for the leaver.
    expect(await ran(workflowId, 'confirmOktaUser')).toBe(1);
  });
});
