import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE_SCHEMA, startScimFixture, type ScimClient, type ScimFixture } from '../scim/scim-fixture.ts';
import { TOKEN, newProfile } from './okta-fixture.ts';
import { appBody, oktaCall, scimGroup, scimUser, settled, startEmulated, wireApp, type AppKind, type Emulated } from './scim-app-fixture.ts';

/**
 * The emulator's provisioning apps, driven through the Okta SDK, pushing into Tenure's real SCIM
 * service provider: after each Okta action, what the SCIM directory holds. Both kinds of app: the
 * OIN SCIM test app (PATCH for all but profile updates) and a wizard-built app (PUT for all).
 */

let scim: ScimFixture;
let okta: Emulated;

beforeAll(async () => {
  scim = await startScimFixture();
  okta = await startEmulated();
});
afterAll(async () => {
  await okta?.emulator.close();
  await scim?.close();
});

const apps = () => okta.client.applicationApi;
const users = () => okta.client.userApi;
const groups = () => okta.client.groupApi;

async function newUser(overrides: Record<string, string> = {}) {
  return users().createUser({ body: { profile: newProfile(overrides) }, activate: true });
}

describe('apps, connections and features through the SDK', () => {
  it('creates an OIN app and a wizard app; the OIN one keeps its catalogue name, the wizard one gets a made-up one', async () => {
    const oin = await apps().createApplication({ application: appBody('OIN', 'SDK OIN') as never });
    const wizard = await apps().createApplication({ application: appBody('WIZARD', 'SDK Wizard App') as never });
    expect(oin).toMatchObject({ name: 'scim2testapp', label: 'SDK OIN', status: 'ACTIVE', signOnMode: 'AUTO_LOGIN' });
    expect(wizard).toMatchObject({ name: 'sdkwizardapp_1', status: 'ACTIVE', signOnMode: 'SAML_2_0' });
    expect((await apps().getApplication({ appId: oin.id! })).label).toBe('SDK OIN');
  });

  it('refuses an app without a label, with an unknown catalogue name, or a bad sign-on mode', async () => {
    expect((await oktaCall(okta, 'POST', '/api/v1/apps', { label: ' ', signOnMode: 'SAML_2_0' })).body).toMatchObject({
      errorCode: 'E0000001',
      errorCauses: [{ errorSummary: 'label: The field cannot be left blank' }],
    });
    const unknown = await oktaCall(okta, 'POST', '/api/v1/apps', { name: 'salesforce', label: 'SF', signOnMode: 'SAML_2_0' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errorCauses[0].errorSummary).toContain('scim2testapp');
    expect((await oktaCall(okta, 'POST', '/api/v1/apps', { label: 'x', signOnMode: 'TELEPATHY' })).status).toBe(400);
  });

  it('deletes only an inactive app', async () => {
    const app = await apps().createApplication({ application: appBody('WIZARD', 'Short-lived') as never });
    expect((await oktaCall(okta, 'DELETE', `/api/v1/apps/${app.id}`)).body).toMatchObject({ errorCode: 'E0000056' });
    await apps().deactivateApplication({ appId: app.id! });
    await apps().deleteApplication({ appId: app.id! });
    expect((await oktaCall(okta, 'GET', `/api/v1/apps/${app.id}`)).body).toMatchObject({ errorCode: 'E0000007' });
  });

  it('keeps the connection token to itself, and has features only once a connection exists', async () => {
    const app = await apps().createApplication({ application: appBody('OIN', 'Token keeper') as never });
    const features = await oktaCall(okta, 'GET', `/api/v1/apps/${app.id}/features`);
    expect(features.body).toMatchObject({ errorCode: 'E0000001', errorCauses: [{ errorSummary: 'Provisioning is not enabled for the app instance.' }] });
    const secret = 'connection-secret-token-0123456789';
    const posted = await oktaCall(okta, 'POST', `/api/v1/apps/${app.id}/connections/default?activate=true`, {
      baseUrl: 'http://127.0.0.1:9/scim/v2/nowhere',
      profile: { authScheme: 'TOKEN', token: secret },
    });
    const fetched = await apps().getDefaultProvisioningConnectionForApplication({ appId: app.id! });
    expect(fetched).toMatchObject({ authScheme: 'TOKEN', status: 'ENABLED', baseUrl: 'http://127.0.0.1:9/scim/v2/nowhere' });
    expect(posted.text).not.toContain(secret);
    expect(JSON.stringify(fetched)).not.toContain(secret);
    const feature = await apps().getFeatureForApplication({ appId: app.id!, name: 'USER_PROVISIONING' });
    expect(feature).toMatchObject({
      status: 'ENABLED',
      capabilities: {
        create: { lifecycleCreate: { status: 'ENABLED' } },
        update: { profile: { status: 'ENABLED' }, lifecycleDeactivate: { status: 'ENABLED' }, password: { status: 'ENABLED' } },
      },
    });
    const missingToken = await oktaCall(okta, 'POST', `/api/v1/apps/${app.id}/connections/default`, { baseUrl: 'http://x.example', profile: { authScheme: 'TOKEN' } });
    expect(missingToken.body).toMatchObject({ errorCode: 'E0000001', errorCauses: [{ errorSummary: 'profile.token: a TOKEN connection needs its token' }] });
    await apps().deactivateApplication({ appId: app.id! });
    await apps().deleteApplication({ appId: app.id! });
  });
});

describe.each<AppKind>(['OIN', 'WIZARD'])('a %s app pushes to Tenure', (kind) => {
  let target: ScimClient;
  let appId: string;
  let userId: string;
  let login: string;
  let scimId: string;

  beforeAll(async () => {
    target = await scim.integration(`okta-${kind.toLowerCase()}`);
    appId = await wireApp(okta, kind, target);
  });

  it("assign: the user is created with Okta's attributes, the Okta id as externalId, and no password kept", async () => {
    const user = await newUser({ department: 'Finance', title: 'Analyst', displayName: 'Ana Lima' });
    userId = user.id!;
    login = user.profile!.login!;
    const appUser = await apps().assignUserToApplication({ appId, appUser: { id: userId } });
    expect(appUser).toMatchObject({ id: userId, scope: 'USER' });
    await settled(okta, appId);

    const pushed = await scimUser(target, login);
    expect(pushed).toMatchObject({
      userName: login,
      externalId: userId,
      active: true,
      displayName: 'Ana Lima',
      title: 'Analyst',
      name: { givenName: user.profile!.firstName, familyName: user.profile!.lastName },
      emails: [expect.objectContaining({ value: user.profile!.email, primary: true, type: 'work' })],
      [ENTERPRISE_SCHEMA]: expect.objectContaining({ department: 'Finance' }),
    });
    scimId = pushed.id;
    const stored = await scim.directory.getUser(target.name, scimId);
    expect(JSON.stringify(stored)).not.toMatch(/password/i);
    expect(await apps().getApplicationUser({ appId, userId })).toMatchObject({ externalId: scimId, status: 'PROVISIONED', syncState: 'SYNCHRONIZED' });
  });

  it('profile change: the changed attribute is pushed to the same SCIM user', async () => {
    await users().updateUser({ userId, user: { profile: { lastName: 'Lima-Souza', department: 'Treasury' } } });
    await settled(okta, appId);
    const pushed = await scimUser(target, login);
    expect(pushed).toMatchObject({ id: scimId, name: { familyName: 'Lima-Souza' }, [ENTERPRISE_SCHEMA]: expect.objectContaining({ department: 'Treasury' }) });
  });

  it('an unmapped change pushes nothing', async () => {
    const before = (await settled(okta, appId)).calls.length;
    await users().updateUser({ userId, user: { profile: { secondEmail: 'ana.private@example.org' } } });
    expect((await settled(okta, appId)).calls.length).toBe(before);
  });

  it('deactivate in Okta: inactive in Tenure, and no longer assigned', async () => {
    await users().deactivateUser({ userId });
    const state = await settled(okta, appId);
    expect((await scimUser(target, login)).active).toBe(false);
    const deactivation = state.calls.filter((call) => call.task === 'user.deactivate');
    // Where the two shapes differ: OIN apps get a PATCH, wizard apps a whole PUT.
    expect(deactivation.map((call) => call.method)).toEqual([kind === 'OIN' ? 'PATCH' : 'PUT']);
    expect((await oktaCall(okta, 'GET', `/api/v1/apps/${appId}/users/${userId}`)).status).toBe(404);
  });

  it('reactivate and assign again: active again, under the same SCIM id', async () => {
    await users().activateUser({ userId, sendEmail: false });
    await apps().assignUserToApplication({ appId, appUser: { id: userId } });
    const state = await settled(okta, appId);
    expect(await scimUser(target, login)).toMatchObject({ id: scimId, active: true });
    const reassign = state.calls.filter((call) => call.task === 'user.assign').slice(-2);
    expect(reassign.map((call) => `${call.method} ${call.path.split('?')[0]}`)).toEqual(['GET /Users', `${kind === 'OIN' ? 'PATCH' : 'PUT'} /Users/${scimId}`]);
  });

  it('unassign: inactive in Tenure, never deleted', async () => {
    await apps().unassignUserFromApplication({ appId, userId });
    const state = await settled(okta, appId);
    expect(await scimUser(target, login)).toMatchObject({ id: scimId, active: false });
    expect(state.calls.some((call) => call.method === 'DELETE')).toBe(false);
  });

  it('a user assigned directly and by a group stays assigned until both are gone', async () => {
    const group = await groups().createGroup({ group: { profile: { name: `Staff ${kind}` } } });
    await groups().assignUserToGroup({ groupId: group.id!, userId });
    await apps().assignGroupToApplication({ appId, groupId: group.id!, applicationGroupAssignment: {} });
    await apps().assignUserToApplication({ appId, appUser: { id: userId } });
    await settled(okta, appId);
    expect((await scimUser(target, login)).active).toBe(true);

    await apps().unassignUserFromApplication({ appId, userId });
    await settled(okta, appId);
    expect((await scimUser(target, login)).active).toBe(true);
    expect(await apps().getApplicationUser({ appId, userId })).toMatchObject({ scope: 'GROUP' });

    await groups().unassignUserFromGroup({ groupId: group.id!, userId });
    await settled(okta, appId);
    expect((await scimUser(target, login)).active).toBe(false);
    await apps().unassignApplicationFromGroup({ appId, groupId: group.id! });
  });

  describe('group push', () => {
    let groupId: string;
    let mappingId: string;
    let bruno: string;
    let carla: string;
    let dora: string;
    const name = `Engineering ${kind}`;

    beforeAll(async () => {
      groupId = (await groups().createGroup({ group: { profile: { name } } })).id!;
      [bruno, carla, dora] = await Promise.all([newUser(), newUser(), newUser()]).then((created) => created.map((user) => user.id!));
      for (const member of [bruno, carla, dora]) await groups().assignUserToGroup({ groupId, userId: member });
      // Bruno and Carla are assigned; Dora is a member only, and is never pushed.
      for (const member of [bruno, carla]) await apps().assignUserToApplication({ appId, appUser: { id: member } });
      await settled(okta, appId);
    });

    const scimIdOf = async (oktaId: string) => (await apps().getApplicationUser({ appId, userId: oktaId })).externalId;
    const memberIds = (group: { members?: Array<{ value: string }> }) => (group.members ?? []).map((member) => member.value).sort();

    it('push: the group is created in Tenure with the assigned members only', async () => {
      const mapping = await okta.client.groupPushMappingApi.createGroupPushMapping({ appId, body: { sourceGroupId: groupId } });
      mappingId = mapping.id!;
      expect(mapping).toMatchObject({ sourceGroupId: groupId, status: 'ACTIVE' });
      const state = await settled(okta, appId);
      const group = await scimGroup(target, name);
      expect(memberIds(group)).toEqual([await scimIdOf(bruno), await scimIdOf(carla)].sort());
      const push = state.calls.filter((call) => call.task === 'group.create').map((call) => `${call.method} ${call.path.split('?')[0]}`);
      expect(push).toEqual(kind === 'OIN' ? ['GET /Groups', 'POST /Groups', `PATCH /Groups/${group.id}`] : ['GET /Groups', 'POST /Groups']);
    });

    it('membership: a member leaving and an assigned member joining are pushed', async () => {
      await groups().unassignUserFromGroup({ groupId, userId: bruno });
      await groups().assignUserToGroup({ groupId, userId: userId });
      await apps().assignUserToApplication({ appId, appUser: { id: userId } });
      await settled(okta, appId);
      expect(memberIds(await scimGroup(target, name))).toEqual([await scimIdOf(carla), await scimIdOf(userId)].sort());
    });

    it('a member unassigned from the app leaves the app\'s group, though still in the Okta group', async () => {
      const carlaScimId = await scimIdOf(carla);
      await apps().unassignUserFromApplication({ appId, userId: carla });
      await settled(okta, appId);
      expect(memberIds(await scimGroup(target, name))).toEqual([await scimIdOf(userId)]);
      await apps().assignUserToApplication({ appId, appUser: { id: carla } });
      await settled(okta, appId);
      expect(memberIds(await scimGroup(target, name))).toEqual([carlaScimId, await scimIdOf(userId)].sort());
    });

    it('rename in Okta: the group is renamed in Tenure', async () => {
      await groups().replaceGroup({ groupId, group: { profile: { name: `${name} Platform` } } });
      const state = await settled(okta, appId);
      const renamed = await scimGroup(target, `${name} Platform`);
      expect(renamed).toBeDefined();
      expect(memberIds(renamed)).toEqual([await scimIdOf(carla), await scimIdOf(userId)].sort());
      expect(state.calls.filter((call) => call.task === 'group.rename').map((call) => call.method)).toEqual([kind === 'OIN' ? 'PATCH' : 'PUT']);
    });

    it('unlink with "delete the group in the app": the group is gone from Tenure', async () => {
      const scimGroupId = (await scimGroup(target, `${name} Platform`)).id;
      await okta.client.groupPushMappingApi.updateGroupPushMapping({ appId, mappingId, body: { status: 'INACTIVE' } });
      await okta.client.groupPushMappingApi.deleteGroupPushMapping({ appId, mappingId, deleteTargetGroup: true });
      await settled(okta, appId);
      expect((await target.call('GET', `/Groups/${scimGroupId}`)).status).toBe(404);
      expect(await okta.client.groupPushMappingApi.listGroupPushMappings({ appId })).toBeDefined();
    });

    it('Dora, a member never assigned, was never pushed', async () => {
      const doraLogin = (await users().getUser({ userId: dora })).profile!.login!;
      expect(await scimUser(target, doraLogin)).toBeUndefined();
    });
  });

  it('no response nor push log holds the token', async () => {
    const state = await oktaCall(okta, 'GET', `/emulator/v1/apps/${appId}/push`);
    expect(state.text).not.toContain(target.token);
    expect(state.text).not.toContain(login);
    expect((await oktaCall(okta, 'GET', `/api/v1/apps/${appId}/connections/default`)).text).not.toContain(target.token);
    expect(JSON.stringify(await oktaCall(okta, 'GET', `/api/v1/apps/${appId}`))).not.toContain(target.token);
    expect(TOKEN).not.toBe(target.token);
  });
});
