import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityWorkflowId } from '../../src/identity/change-event.ts';
import { loadConfig, projectRoot } from '../../src/runtime/config.ts';
import { SANDBOX_INTEGRATION, sandboxApp } from '../../src/runtime/sandbox-scim.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { openIntegrationAdmin, type IntegrationAdmin } from '../../src/scim/integration-admin.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { oktaCall, settled, wireApp, type Emulated } from '../emulator/scim-app-fixture.ts';
import { clientFor, type ScimClient } from '../scim/scim-fixture.ts';
import { saveHistoryIfRecording } from '../helpers/histories.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { closedPort, tenure } from '../helpers/tenure-cli.ts';

/**
 * Okta's provisioning into Tenure on the real stack: the emulated org pushes by SCIM (the sandbox's
 * OIN app, wired by `startTenure`, and a wizard-built app wired here), the SCIM directory turns
 * each push into a change, and the identity workflow runs `policies/scim-okta.yaml` against Okta.
 * Each step is what an Okta admin does; each assertion is what they would then see in Okta or in
 * Tenure. Tenure's own writes that Okta pushes back (its groups, its display name) must run nothing.
 */

const WIZARD_INTEGRATION = 'okta-wizard';

let stack: TenureStack;
let dataDir: string;
let emulated: Emulated;
let admin: IntegrationAdmin;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tenure-scim-push-'));
  // The example policies, and the same SCIM policy again for the wizard-built app's integration.
  const policiesDir = await mkdtemp(path.join(tmpdir(), 'tenure-scim-push-policies-'));
  await cp(path.join(projectRoot, 'policies'), policiesDir, { recursive: true });
  const policy = await readFile(path.join(projectRoot, 'policies/scim-okta.yaml'), 'utf8');
  await writeFile(
    path.join(policiesDir, 'scim-okta-wizard.yaml'),
    policy.replace('name: scim-okta', 'name: scim-okta-wizard').replace('source: scim/okta', `source: scim/${WIZARD_INTEGRATION}`),
  );
  stack = await startTestStack({ dataDir, policiesDir, sandboxScim: true });
  emulated = { emulator: stack.oktaEmulator!, client: stack.okta!, token: loadConfig({}).oktaEmulatorToken };
  admin = await openIntegrationAdmin({ databaseUrl: undefined, dataDir });
}, 240_000);

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
});

interface Shape {
  kind: 'OIN' | 'WIZARD';
  integration: string;
  /** The app, and a SCIM client of the integration as Okta's import reaches it. */
  wire(): Promise<{ appId: string; scim: ScimClient }>;
}

const shapes: Shape[] = [
  {
    kind: 'OIN',
    integration: SANDBOX_INTEGRATION,
    async wire() {
      // `startTenure` made the app and gave it a token Tenure no longer knows; as an admin does
      // after `tenure scim rotate`, paste a new one into the app.
      const appId = (await sandboxApp(stack.okta!))!;
      const { token } = await admin.rotate(SANDBOX_INTEGRATION);
      const scim = clientFor(stack.intakeUrl!, SANDBOX_INTEGRATION, token);
      const connection = await oktaCall(emulated, 'POST', `/api/v1/apps/${appId}/connections/default?activate=true`, {
        baseUrl: scim.baseUrl,
        profile: { authScheme: 'TOKEN', token },
      });
      expect(connection.status).toBe(200);
      return { appId, scim };
    },
  },
  {
    kind: 'WIZARD',
    integration: WIZARD_INTEGRATION,
    async wire() {
      const { token } = await admin.add(WIZARD_INTEGRATION);
      const scim = clientFor(stack.intakeUrl!, WIZARD_INTEGRATION, token);
      return { appId: await wireApp(emulated, 'WIZARD', { baseUrl: scim.baseUrl, token }, 'Tenure (wizard)'), scim };
    },
  },
];

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<TenureStack['client']['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

describe.each(shapes)('Okta pushes to Tenure: the $kind app', { timeout: 90_000 }, (shape) => {
  const login = `ana.${shape.kind.toLowerCase()}@example.com`;
  let appId: string;
  let scim: ScimClient;
  let oktaUserId: string;
  let workflowId: string;
  let engineeringId: string;

  const status = () => stack.client.workflow.getHandle(workflowId).query(statusQuery);
  const history = async (): Promise<HistoryEvent[]> => (await stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const ran = async (activity: string) =>
    (await history()).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activity).length;
  const oktaGroups = async () => {
    const names: string[] = [];
    for await (const group of await stack.okta!.userApi.listUserGroups({ userId: oktaUserId })) names.push(group!.profile!.name!);
    return names.sort();
  };
  const pushed = () => settled(emulated, appId);

  beforeAll(async () => {
    ({ appId, scim } = await shape.wire());
    const user = await stack.okta!.userApi.createUser({
      activate: true,
      body: { profile: { login, email: login, firstName: 'Ana', lastName: 'Lima', department: 'Engineering' } },
    });
    oktaUserId = user.id!;
    // A group people are put in by hand in Okta, pushed to Tenure's app; the policy reads its name.
    // (The rename below frees the name for the next app's run.)
    const engineering = await stack.okta!.groupApi.createGroup({ group: { profile: { name: 'Engineering', description: 'Engineers' } } });
    engineeringId = engineering.id!;
  }, 60_000);

  it('assign: Okta creates the user in Tenure, a joiner of scim/<integration> that the policy acts on in Okta', async () => {
    const assigned = await oktaCall(emulated, 'POST', `/api/v1/apps/${appId}/users`, { id: oktaUserId, scope: 'USER' });
    expect(assigned.status).toBe(200);
    await pushed();
    const appUser = await stack.okta!.applicationApi.getApplicationUser({ appId, userId: oktaUserId });
    expect(appUser.syncState).toBe('SYNCHRONIZED');
    workflowId = identityWorkflowId(`scim/${shape.integration}`, appUser.externalId!);
    await eventually(async () => expect((await status()).lifecycleState).toBe('active'));
    const identity = await status();
    expect(identity.oktaUserId).toBe(oktaUserId);
    expect(identity.record).toMatchObject({ userName: login, givenName: 'Ana', familyName: 'Lima', department: 'Engineering', active: true });
    await eventually(async () => expect(await oktaGroups()).toContain('dept-engineering'));
  });

  it("no loop: Tenure's own writes come back by SCIM and run nothing", async () => {
    // The policy gave Ana her department's group and her display name; Okta pushes both back
    // (the group once Group Push links it, the name as a profile update).
    const push = await oktaCall(emulated, 'POST', `/api/v1/apps/${appId}/group-push/mappings`, { sourceGroupId: await groupId('dept-engineering'), status: 'ACTIVE' });
    expect(push.status).toBe(201);
    await pushed();
    await eventually(async () => {
      const { record, pending } = await status();
      expect(record?.groups).toContain('dept-engineering');
      expect(record?.displayName).toBe('Ana Lima');
      expect(pending).toBe(0);
    });
    expect(await ran('targetManageRelationships')).toBe(1);
    expect(await ran('targetSyncIdentity')).toBe(1);
    expect(await ran('targetCreateEntitlement')).toBe(1);
  });

  it('group push and membership: joining a pushed group is a mover whose condition reads the groups list', async () => {
    const push = await oktaCall(emulated, 'POST', `/api/v1/apps/${appId}/group-push/mappings`, { sourceGroupId: engineeringId, status: 'ACTIVE' });
    expect(push.status).toBe(201);
    await stack.okta!.groupApi.assignUserToGroup({ groupId: engineeringId, userId: oktaUserId });
    await pushed();
    await eventually(async () => expect(await oktaGroups()).toContain('github-users'));
    expect((await status()).record?.groups).toContain('Engineering');
  });

  it('rename: the pushed group takes its new name in the record, and the policy sees Ana leave "Engineering"', async () => {
    await stack.okta!.groupApi.replaceGroup({ groupId: engineeringId, group: { profile: { name: `Platform ${shape.kind}`, description: 'Engineers' } } });
    await pushed();
    await eventually(async () => expect((await status()).record?.groups).toContain(`Platform ${shape.kind}`));
    expect((await status()).record?.groups).not.toContain('Engineering');
    // The policy reads names: under its new name the group no longer gives the tools.
    await eventually(async () => expect(await oktaGroups()).not.toContain('github-users'));
  });

  it('profile change: a new department moves Ana to its group', async () => {
    await stack.okta!.userApi.updateUser({ userId: oktaUserId, user: { profile: { department: 'Sales' } } });
    await pushed();
    await eventually(async () => {
      const groups = await oktaGroups();
      expect(groups).toContain('dept-sales');
      expect(groups).not.toContain('dept-engineering');
    });
    expect((await status()).record?.department).toBe('Sales');
  });

  it('deactivate in Okta: a leaver; DEPROVISION_IDENTITY runs and the identity is inactive', async () => {
    await stack.okta!.userApi.deactivateUser({ userId: oktaUserId });
    await pushed();
    await eventually(async () => expect((await status()).lifecycleState).toBe('inactive'));
    expect(await ran('targetDeprovisionIdentity')).toBe(1);
    expect((await stack.okta!.userApi.getUser({ userId: oktaUserId })).status).toBe('DEPROVISIONED');
  });

  it('reactivate and assign again: a rehire under the same SCIM id', async () => {
    await stack.okta!.userApi.activateUser({ userId: oktaUserId, sendEmail: false });
    const assigned = await oktaCall(emulated, 'POST', `/api/v1/apps/${appId}/users`, { id: oktaUserId, scope: 'USER' });
    expect(assigned.status).toBe(200);
    await pushed();
    const appUser = await stack.okta!.applicationApi.getApplicationUser({ appId, userId: oktaUserId });
    expect(identityWorkflowId(`scim/${shape.integration}`, appUser.externalId!)).toBe(workflowId);
    await eventually(async () => expect((await status()).lifecycleState).toBe('active'));
    await eventually(async () => expect(await oktaGroups()).toContain('dept-sales'));
  });

  it("import: Okta pages through GET /Users and finds Ana as Tenure holds her", async () => {
    const page = await scim.call('GET', '/Users?startIndex=1&count=100');
    expect(page.status).toBe(200);
    const ana = page.body.Resources.find((user: { userName: string }) => user.userName === login);
    expect(ana).toMatchObject({ active: true, externalId: oktaUserId });
    expect(page.body.Resources.every((user: { userName: string }) => user.userName.endsWith(`${shape.kind.toLowerCase()}@example.com`) || shape.kind === 'OIN')).toBe(true);
  });

  it("unassign: a leaver of this source; Tenure deprovisions Ana's Okta user", async () => {
    const before = await ran('targetDeprovisionIdentity');
    const unassigned = await oktaCall(emulated, 'DELETE', `/api/v1/apps/${appId}/users/${oktaUserId}`);
    expect(unassigned.status).toBe(204);
    await pushed();
    await eventually(async () => expect((await status()).lifecycleState).toBe('inactive'));
    expect(await ran('targetDeprovisionIdentity')).toBe(before + 1);
    expect((await stack.okta!.userApi.getUser({ userId: oktaUserId })).status).toBe('DEPROVISIONED');
    // The whole life of a SCIM identity, for the replay test.
    await saveHistoryIfRecording(stack.client.workflow.getHandle(workflowId), `scim-okta-${shape.kind.toLowerCase()}-checked`);
  });
});

async function groupId(name: string): Promise<string> {
  for await (const group of await stack.okta!.groupApi.listGroups({ q: name })) if (group?.profile?.name === name) return group.id!;
  throw new Error(`no group ${name}`);
}

describe('tenure sandbox', () => {
  it('names what is wrong: a login the emulated org does not have, or no emulator at all', async () => {
    const env = { OKTA_EMULATOR_PORT: new URL(stack.oktaUrl!).port };
    const missing = await tenure(['sandbox', 'assign', 'nobody@example.com'], env);
    expect(missing).toMatchObject({ code: 1, stderr: 'tenure: the emulated org has no user nobody@example.com\n' });
    const down = await tenure(['sandbox', 'unassign', 'nobody@example.com', '--url', `http://127.0.0.1:${await closedPort()}`], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^tenure: cannot reach the Okta emulator at http:\/\/127\.0\.0\.1:\d+ \(.*\)\. Is Tenure running\?/);
  });
});
