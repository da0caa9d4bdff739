import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_SCHEMA, oktaUser, patch, startScimFixture, type ScimClient, type ScimFixture } from './scim-fixture.ts';

/**
 * The call sequences Okta sends when an admin acts (Okta's SCIM 2.0 Protocol Reference and FAQ):
 * OIN catalogue apps ("SCIM 2.0 Test App (OAuth Bearer Token)") update profiles by PUT and
 * everything else by PATCH; wizard-built (AIW) apps send PUT for everything.
 */

let fixture: ScimFixture;
let oin: ScimClient;
let wizard: ScimClient;

beforeAll(async () => {
  fixture = await startScimFixture();
  oin = await fixture.integration('okta-oin');
  wizard = await fixture.integration('okta-wizard');
});
afterAll(() => fixture?.close());

const byLogin = (login: string) => `/Users?filter=${encodeURIComponent(`userName eq "${login}"`)}&startIndex=1&count=100`;
const groupByName = (name: string) => `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}&startIndex=1&count=100`;

/** Assign: look the login up, and create the user when it is not there. */
async function assign(client: ScimClient, login: string, given: string, family: string) {
  const lookup = await client.call('GET', byLogin(login));
  expect(lookup.status).toBe(200);
  expect(lookup.body).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  const created = await client.call('POST', '/Users', oktaUser(login, given, family));
  expect(created.status).toBe(201);
  return created;
}

/** The last change the directory queued for a user: what its identity workflow receives next. */
async function lastChange(userId: string) {
  const pending = await fixture.directory.pendingChanges(10_000);
  return pending.filter((entry) => entry.userId === userId).at(-1)?.record;
}

describe('an OIN app (PUT for profiles, PATCH for the rest)', () => {
  let userId: string;

  it('Test API Credentials: a page of users', async () => {
    const { status, body } = await oin.call('GET', '/Users?startIndex=1&count=2');
    expect(status).toBe(200);
    expect(body.totalResults).toBe(0);
  });

  it('assign: filter finds nobody, POST creates; Location is meta.location; the password is not kept', async () => {
    const { body, headers } = await assign(oin, 'ana.lima@example.com', 'Ana', 'Lima');
    userId = body.id;
    expect(headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(headers.get('location')).toBe(body.meta.location);
    expect(body.meta.location).toBe(`${oin.baseUrl}/Users/${userId}`);
    expect(body).toMatchObject({ userName: 'ana.lima@example.com', externalId: '00uana', active: true, meta: { resourceType: 'User' } });
    expect(JSON.stringify(body)).not.toContain('okta-placeholder');
    expect(JSON.stringify((await oin.call('GET', `/Users/${userId}`)).body)).not.toContain('okta-placeholder');
    expect(JSON.stringify(await fixture.directory.getUser('okta-oin', userId))).not.toContain('okta-placeholder');
    expect(await lastChange(userId)).toMatchObject({ userName: 'ana.lima@example.com', givenName: 'Ana', active: true });
  });

  it('assign again: the filter finds the existing user, in any case', async () => {
    const { body } = await oin.call('GET', byLogin('ANA.LIMA@EXAMPLE.COM'));
    expect(body.totalResults).toBe(1);
    expect(body.Resources[0].id).toBe(userId);
  });

  it("update profile: GET, then PUT of Okta's copy with the change; an attribute left out is cleared", async () => {
    const current = (await oin.call('GET', `/Users/${userId}`)).body;
    const { locale: _locale, ...withoutLocale } = current;
    const { status, body } = await oin.call('PUT', `/Users/${userId}`, { ...withoutLocale, name: { givenName: 'Anna', familyName: 'Lima' }, title: 'Engineer' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: userId, name: { givenName: 'Anna', familyName: 'Lima' }, title: 'Engineer', active: true });
    expect(body.locale).toBeUndefined();
    expect((await oin.call('GET', `/Users/${userId}`)).body.name.givenName).toBe('Anna');
    expect(await lastChange(userId)).toMatchObject({ givenName: 'Anna', title: 'Engineer' });
  });

  it('deactivate: PATCH replace {active: false} without a path; the user stays readable', async () => {
    const { status, body } = await oin.call('PATCH', `/Users/${userId}`, patch({ op: 'replace', value: { active: false } }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: userId, active: false, name: { givenName: 'Anna' } });
    expect((await oin.call('GET', `/Users/${userId}`)).body.active).toBe(false);
    expect(await lastChange(userId)).toMatchObject({ active: false });
  });

  it('reactivate: PATCH {active: true} keeps the same SCIM id', async () => {
    const { body } = await oin.call('PATCH', `/Users/${userId}`, patch({ op: 'replace', value: { active: true } }));
    expect(body).toMatchObject({ id: userId, active: true });
    expect((await oin.call('GET', byLogin('ana.lima@example.com'))).body.Resources[0]).toMatchObject({ id: userId, active: true });
  });

  it('unassign: PATCH {active: false} again, never a DELETE; the user stays readable', async () => {
    await oin.call('PATCH', `/Users/${userId}`, patch({ op: 'replace', value: { active: false } }));
    const { status, body } = await oin.call('GET', `/Users/${userId}`);
    expect(status).toBe(200);
    expect(body.active).toBe(false);
  });

  it('password sync: a PATCH of the password changes nothing that is kept or returned', async () => {
    const before = await fixture.directory.getUser('okta-oin', userId);
    const { status, body } = await oin.call('PATCH', `/Users/${userId}`, patch({ op: 'replace', value: { password: 'new-secret-pw' } }));
    expect(status).toBe(200);
    expect(JSON.stringify(body)).not.toContain('new-secret-pw');
    expect((await fixture.directory.getUser('okta-oin', userId))?.resource).toEqual(before?.resource);
  });

  describe('groups', () => {
    let groupId: string;
    let bruno: string;
    let carla: string;

    beforeAll(async () => {
      bruno = (await assign(oin, 'bruno@example.com', 'Bruno', 'Silva')).body.id;
      carla = (await assign(oin, 'carla@example.com', 'Carla', 'Souza')).body.id;
    });

    it('push group: lookup by displayName, POST with no members', async () => {
      expect((await oin.call('GET', groupByName('Engineering'))).body.totalResults).toBe(0);
      const { status, body, headers } = await oin.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [] });
      expect(status).toBe(201);
      expect(body).toMatchObject({ displayName: 'Engineering', members: [], meta: { resourceType: 'Group' } });
      expect(headers.get('location')).toBe(body.meta.location);
      groupId = body.id;
      expect((await oin.call('GET', groupByName('engineering'))).body.Resources[0].id).toBe(groupId);
    });

    it("membership: PATCH add members, and the user's groups and record list the group", async () => {
      const { status, body } = await oin.call('PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: bruno, display: 'bruno@example.com' }] }));
      expect(status).toBe(200);
      expect(body.members.map((member: { value: string }) => member.value)).toEqual([bruno]);
      expect((await oin.call('GET', `/Users/${bruno}`)).body.groups).toEqual([expect.objectContaining({ value: groupId, display: 'Engineering' })]);
      expect(await lastChange(bruno)).toMatchObject({ groups: ['Engineering'] });
    });

    it("membership change as Okta sends it: remove members[value eq …] and add, in one PATCH", async () => {
      const { body } = await oin.call(
        'PATCH',
        `/Groups/${groupId}`,
        patch({ op: 'remove', path: `members[value eq "${bruno}"]` }, { op: 'add', path: 'members', value: [{ value: carla, display: 'carla@example.com' }] }),
      );
      expect(body.members.map((member: { value: string }) => member.value)).toEqual([carla]);
      expect((await oin.call('GET', `/Users/${bruno}`)).body.groups).toBeUndefined();
      expect(await lastChange(bruno)).toMatchObject({ groups: [] });
      expect(await lastChange(carla)).toMatchObject({ groups: ['Engineering'] });
    });

    it('rename: PATCH replace {id, displayName} (the id inside the value is ignored)', async () => {
      const { status, body } = await oin.call('PATCH', `/Groups/${groupId}`, patch({ op: 'replace', value: { id: groupId, displayName: 'Platform Engineering' } }));
      expect(status).toBe(200);
      expect(body).toMatchObject({ id: groupId, displayName: 'Platform Engineering' });
      expect(await lastChange(carla)).toMatchObject({ groups: ['Platform Engineering'] });
    });

    it('a full push: replace members with a list, then with []', async () => {
      const full = await oin.call('PATCH', `/Groups/${groupId}`, patch({ op: 'replace', path: 'members', value: [{ value: bruno }, { value: carla }] }));
      expect(full.body.members.map((member: { value: string }) => member.value).sort()).toEqual([bruno, carla].sort());
      const emptied = await oin.call('PATCH', `/Groups/${groupId}`, patch({ op: 'replace', path: 'members', value: [] }));
      expect(emptied.body.members).toEqual([]);
    });

    it('a member the integration does not hold is refused with 400, and nothing changes', async () => {
      const { status, body } = await oin.call('PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: '7d1d3a8e-0000-4000-8000-000000000000' }] }));
      expect(status).toBe(400);
      expect(body.scimType).toBe('invalidValue');
      expect((await oin.call('GET', `/Groups/${groupId}`)).body.members).toEqual([]);
    });

    it('unlink pushed group, "delete the group in the target app": DELETE, then 404', async () => {
      expect((await oin.call('DELETE', `/Groups/${groupId}`)).status).toBe(204);
      expect((await oin.call('GET', `/Groups/${groupId}`)).status).toBe(404);
    });
  });
});

describe('a wizard-built (AIW) app: PUT for everything', () => {
  let userId: string;
  let groupId: string;

  it('assign and update by PUT', async () => {
    const created = await assign(wizard, 'dora@example.com', 'Dora', 'Reis');
    userId = created.body.id;
    const { status, body } = await wizard.call('PUT', `/Users/${userId}`, oktaUser('dora@example.com', 'Dora', 'Reis-Lopes'));
    expect(status).toBe(200);
    expect(body.name.familyName).toBe('Reis-Lopes');
  });

  it('deactivate and reactivate by PUT with active', async () => {
    expect((await wizard.call('PUT', `/Users/${userId}`, oktaUser('dora@example.com', 'Dora', 'Reis-Lopes', { active: false }))).body.active).toBe(false);
    expect(await lastChange(userId)).toMatchObject({ active: false });
    expect((await wizard.call('PUT', `/Users/${userId}`, oktaUser('dora@example.com', 'Dora', 'Reis-Lopes', { active: true }))).body).toMatchObject({ id: userId, active: true });
  });

  it('push group with members, rename and change membership by whole PUTs', async () => {
    const evan = (await assign(wizard, 'evan@example.com', 'Evan', 'Melo')).body.id;
    const pushed = await wizard.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Sales', members: [{ value: userId, display: 'dora@example.com' }] });
    expect(pushed.status).toBe(201);
    groupId = pushed.body.id;
    expect(pushed.body.members.map((member: { value: string }) => member.value)).toEqual([userId]);
    const renamed = await wizard.call('PUT', `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], displayName: 'Sales EMEA', members: [{ value: userId }, { value: evan }] });
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Sales EMEA');
    expect(renamed.body.members.map((member: { value: string }) => member.value).sort()).toEqual([userId, evan].sort());
    const changed = await wizard.call('PUT', `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], displayName: 'Sales EMEA', members: [{ value: evan }] });
    expect(changed.body.members.map((member: { value: string }) => member.value)).toEqual([evan]);
    expect(await lastChange(userId)).toMatchObject({ groups: [] });
    expect(await lastChange(evan)).toMatchObject({ groups: ['Sales EMEA'] });
  });
});

describe('import: Okta pages through every user and group the integration holds', () => {
  let importer: ScimClient;
  const users = 205;

  beforeAll(async () => {
    importer = await fixture.integration('okta-import');
    for (let index = 0; index < users; index++) {
      const created = await importer.call('POST', '/Users', oktaUser(`person${String(index).padStart(3, '0')}@example.com`, `P${index}`, 'Import'));
      expect(created.status).toBe(201);
    }
    await importer.call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' });
  });

  async function walk(path: string): Promise<string[]> {
    const ids: string[] = [];
    for (let startIndex = 1; ; startIndex += 100) {
      const { status, body } = await importer.call('GET', `${path}?startIndex=${startIndex}&count=100`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ startIndex, itemsPerPage: body.Resources.length });
      ids.push(...body.Resources.map((resource: { id: string }) => resource.id));
      if (startIndex + 100 > body.totalResults) return ids;
    }
  }

  it('users: every one exactly once, in the same order on every walk, and only this integration\'s', async () => {
    const first = await walk('/Users');
    expect(first).toHaveLength(users);
    expect(new Set(first).size).toBe(users);
    expect(await walk('/Users')).toEqual(first);
    // Creation order: the first page starts with the first user created.
    expect((await importer.call('GET', '/Users?startIndex=1&count=1')).body.Resources[0].userName).toBe('person000@example.com');
  });

  it('groups: with their members', async () => {
    const { body } = await importer.call('GET', '/Groups?startIndex=1&count=100');
    expect(body.totalResults).toBe(1);
    expect(body.Resources[0]).toMatchObject({ displayName: 'Everyone', members: [] });
  });
});
