import { describe, expect, it } from 'vitest';
import { applySeed } from '../../src/emulator/okta/seed.ts';
import { collect, expectOktaError, logEntriesAbout, newProfile, rawRequest, useOktaEmulator } from './okta-fixture.ts';

// The org's clock moves only when a test moves it, so that timestamps can be filtered on.
let clock = Date.parse('2024-06-01T00:00:00.000Z');
const tick = () => (clock += 1000);
const env = useOktaEmulator({ now: () => clock });

async function newGroup(name: string, description = `About ${name}`) {
  tick();
  return env.client.groupApi.createGroup({ group: { profile: { name, description } } });
}

async function newUser() {
  return env.client.userApi.createUser({ body: { profile: newProfile() } });
}

const denied = {
  status: 403,
  errorCode: 'E0000006',
  errorSummary: 'You do not have permission to perform the requested action',
};

async function everyoneGroup() {
  const [everyone] = await collect(env.client.groupApi.listGroups({ q: 'Everyone' }));
  return everyone!;
}

describe('groups', () => {
  it('creates an Okta group', async () => {
    const group = await newGroup('Engineering', 'Builds things');
    expect(group.id).toMatch(/^00g[A-Za-z0-9]{17}$/);
    expect(group.type).toBe('OKTA_GROUP');
    expect(group.objectClass).toEqual(['okta:user_group']);
    expect(group.profile).toMatchObject({ name: 'Engineering', description: 'Builds things' });
    const fetched = await env.client.groupApi.getGroup({ groupId: group.id! });
    expect(fetched.profile?.name).toBe('Engineering');
  });

  it('refuses a group name in use, whatever its case', async () => {
    await newGroup('Finance');
    await expectOktaError(newGroup('FINANCE'), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: name',
      causes: ['name: An object with this field already exists in the current organization'],
    });
  });

  it('refuses a group without a name', async () => {
    await expectOktaError(env.client.groupApi.createGroup({ group: { profile: { description: 'nameless' } } }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: name',
      causes: ['name: The field cannot be left blank'],
    });
  });

  it('answers 404 E0000007 for an unknown group', async () => {
    await expectOktaError(env.client.groupApi.getGroup({ groupId: '00gDoesNotExist000000' }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 00gDoesNotExist000000 (UserGroup)',
    });
  });

  it('finds groups by a case-insensitive name prefix', async () => {
    await newGroup('Sales EMEA');
    await newGroup('sales APAC');
    await newGroup('Presales');
    const names = (await collect(env.client.groupApi.listGroups({ q: 'SALES' }))).map((group) => group.profile?.name);
    expect(names.sort()).toEqual(['Sales EMEA', 'sales APAC'].sort());
  });

  it('finds groups with a search or a filter', async () => {
    const builtIn = await collect(env.client.groupApi.listGroups({ search: 'type eq "built_in"' }));
    expect(builtIn.map((group) => group.profile?.name)).toEqual(['Everyone']);
    const oktaGroups = await collect(env.client.groupApi.listGroups({ filter: 'type eq "OKTA_GROUP"' }));
    expect(oktaGroups.length).toBeGreaterThan(0);
    expect(oktaGroups.every((group) => group.type === 'OKTA_GROUP')).toBe(true);
    await expectOktaError(collect(env.client.groupApi.listGroups({ filter: 'profile.name eq "Everyone"' })), {
      status: 400,
      errorCode: 'E0000031',
      errorSummary: 'Invalid search criteria.',
    });
  });

  it('filters on type, id and the last changes, combined with and and or, paged with links', async () => {
    const first = await newGroup('Filtered first');
    const second = await newGroup('Filtered second');
    const third = await newGroup('Filtered third');
    tick();
    await env.client.groupApi.assignUserToGroup({ groupId: first.id!, userId: (await newUser()).id! });
    const ids = async (filter: string, limit?: number) =>
      (await collect(env.client.groupApi.listGroups({ filter, ...(limit ? { limit } : {}) }))).map((group) => group.id);
    const at = (date: Date | undefined) => date!.toISOString();

    expect(await ids(`id eq "${second.id}"`)).toEqual([second.id]);
    expect(await ids(`lastUpdated ge "${at(second.lastUpdated)}" and lastUpdated le "${at(third.lastUpdated)}"`)).toEqual([second.id, third.id]);
    expect(await ids(`lastUpdated gt "${at(first.lastUpdated)}" and lastUpdated lt "${at(third.lastUpdated)}"`)).toEqual([second.id]);
    expect(await ids(`type eq "OKTA_GROUP" and lastMembershipUpdated gt "${at(third.lastUpdated)}"`)).toEqual([first.id]);
    expect(await ids(`id eq "${first.id}" or id eq "${third.id}"`, 1)).toEqual([first.id, third.id]);

    const page = await rawRequest(env, `/api/v1/groups?filter=${encodeURIComponent(`type eq "OKTA_GROUP"`)}&limit=1`);
    const links = page.headers.get('link') ?? '';
    expect(links).toMatch(new RegExp(`<${env.emulator.url}/api/v1/groups\\?filter=[^>]*&limit=1&after=[^>]+>; rel="next"`));
  });

  it('sorts a search by sortBy and sortOrder', async () => {
    for (const name of ['Sorted b', 'Sorted C', 'Sorted a']) await newGroup(name);
    const names = async (sortOrder: string) =>
      (await collect(env.client.groupApi.listGroups({ search: 'profile.name sw "sorted"', sortBy: 'profile.name', sortOrder, limit: 2 }))).map(
        (group) => group.profile?.name,
      );
    expect(await names('asc')).toEqual(['Sorted a', 'Sorted b', 'Sorted C']);
    expect(await names('desc')).toEqual(['Sorted C', 'Sorted b', 'Sorted a']);
  });

  it('renames a group, keeping names unique', async () => {
    const group = await newGroup('Marketing');
    await newGroup('Communications');
    const renamed = await env.client.groupApi.replaceGroup({
      groupId: group.id!,
      group: { profile: { name: 'Brand', description: 'Renamed' } },
    });
    expect(renamed.profile).toEqual({ name: 'Brand', description: 'Renamed' });
    expect((await env.client.groupApi.getGroup({ groupId: group.id! })).profile?.name).toBe('Brand');
    await expectOktaError(env.client.groupApi.replaceGroup({ groupId: group.id!, group: { profile: { name: 'communications' } } }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: name',
      causes: ['name: An object with this field already exists in the current organization'],
    });
    // A group may take its own name again, in another case.
    await env.client.groupApi.replaceGroup({ groupId: group.id!, group: { profile: { name: 'BRAND' } } });
  });

  it('pages through all groups exactly once', async () => {
    for (let i = 0; i < 7; i++) await newGroup(`Paged ${i}`);
    const all = await collect(env.client.groupApi.listGroups({}));
    const paged = await collect(env.client.groupApi.listGroups({ limit: 2 }));
    expect(paged.map((group) => group.id)).toEqual(all.map((group) => group.id));
    expect(new Set(paged.map((group) => group.id)).size).toBe(paged.length);
    expect(paged.filter((group) => String(group.profile?.name).startsWith('Paged '))).toHaveLength(7);
  });
});

describe('group membership', () => {
  it('assigns and unassigns users, both idempotently', async () => {
    const group = await newGroup('Admins');
    const user = await newUser();
    await env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
    await env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
    const members = await collect(env.client.groupApi.listGroupUsers({ groupId: group.id! }));
    expect(members.map((member) => member.id)).toEqual([user.id]);
    const groupsOfUser = await collect(env.client.userApi.listUserGroups({ userId: user.id! }));
    expect(groupsOfUser.map((g) => g.profile?.name)).toEqual(['Everyone', 'Admins']);

    await env.client.groupApi.unassignUserFromGroup({ groupId: group.id!, userId: user.id! });
    await env.client.groupApi.unassignUserFromGroup({ groupId: group.id!, userId: user.id! });
    expect(await collect(env.client.groupApi.listGroupUsers({ groupId: group.id! }))).toEqual([]);
    const after = await collect(env.client.userApi.listUserGroups({ userId: user.id! }));
    expect(after.map((g) => g.profile?.name)).toEqual(['Everyone']);
  });

  it('answers 404 for a membership of an unknown user or group', async () => {
    const group = await newGroup('Ghost hunters');
    const user = await newUser();
    await expectOktaError(env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: '00uNobody000000000000' }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 00uNobody000000000000 (User)',
    });
    await expectOktaError(env.client.groupApi.assignUserToGroup({ groupId: '00gNothing00000000000', userId: user.id! }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 00gNothing00000000000 (UserGroup)',
    });
  });

  it('pages through a large group', async () => {
    const group = await newGroup('Big');
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const user = await newUser();
      await env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
      ids.push(user.id!);
    }
    const members = await collect(env.client.groupApi.listGroupUsers({ groupId: group.id!, limit: 10 }));
    expect(members.map((member) => member.id)).toEqual(ids);
  });

  it('drops the memberships of a deleted user', async () => {
    const group = await newGroup('Leavers');
    const user = await newUser();
    await env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
    await env.client.userApi.deleteUser({ userId: user.id! });
    // Deactivated users keep their groups; only the final delete removes them.
    expect((await collect(env.client.groupApi.listGroupUsers({ groupId: group.id! }))).map((u) => u.id)).toEqual([user.id]);
    await env.client.userApi.deleteUser({ userId: user.id! });
    expect(await collect(env.client.groupApi.listGroupUsers({ groupId: group.id! }))).toEqual([]);
  });

  it('deletes a group with its memberships', async () => {
    const group = await newGroup('Short-lived');
    const user = await newUser();
    await env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
    await env.client.groupApi.deleteGroup({ groupId: group.id! });
    await expectOktaError(env.client.groupApi.getGroup({ groupId: group.id! }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: `Not found: Resource not found: ${group.id} (UserGroup)`,
    });
    const groupsOfUser = await collect(env.client.userApi.listUserGroups({ userId: user.id! }));
    expect(groupsOfUser.map((g) => g.profile?.name)).toEqual(['Everyone']);
  });
});

describe('the Everyone group', () => {
  it('is a built-in group that every user is in', async () => {
    const everyone = await everyoneGroup();
    expect(everyone.type).toBe('BUILT_IN');
    const user = await newUser();
    const members = await collect(env.client.groupApi.listGroupUsers({ groupId: everyone.id! }));
    expect(members.map((member) => member.id)).toContain(user.id);
    const groupsOfUser = await collect(env.client.userApi.listUserGroups({ userId: user.id! }));
    expect(groupsOfUser.map((group) => group.id)).toEqual([everyone.id]);
  });

  it('refuses membership changes, renaming and deletion', async () => {
    const everyone = await everyoneGroup();
    const user = await newUser();
    await expectOktaError(env.client.groupApi.assignUserToGroup({ groupId: everyone.id!, userId: user.id! }), {
      status: 400,
      errorCode: 'E0000060',
      errorSummary: 'Unsupported operation.',
    });
    await expectOktaError(env.client.groupApi.unassignUserFromGroup({ groupId: everyone.id!, userId: user.id! }), denied);
    await expectOktaError(env.client.groupApi.replaceGroup({ groupId: everyone.id!, group: { profile: { name: 'All' } } }), denied);
    await expectOktaError(env.client.groupApi.deleteGroup({ groupId: everyone.id! }), denied);
    expect((await env.client.groupApi.getGroup({ groupId: everyone.id! })).profile?.name).toBe('Everyone');
    expect(logEntriesAbout(env, everyone.id!)).toEqual([]);
  });
});

describe('app groups', () => {
  it('come only from a seed, with their members, and refuse every change', async () => {
    const member = newProfile();
    applySeed(env.emulator.store, {
      groups: [{ name: 'Salesforce Users', description: 'Imported from Salesforce', type: 'APP_GROUP' }],
      users: [{ profile: member, groups: ['Salesforce Users'] }],
    });
    const [group] = await collect(env.client.groupApi.listGroups({ search: 'type eq "APP_GROUP"' }));
    expect(group?.profile).toEqual({ name: 'Salesforce Users', description: 'Imported from Salesforce' });
    const seeded = await env.client.userApi.getUser({ userId: member.login });
    expect((await collect(env.client.groupApi.listGroupUsers({ groupId: group!.id! }))).map((user) => user.id)).toEqual([seeded.id]);

    const outsider = await newUser();
    await expectOktaError(env.client.groupApi.assignUserToGroup({ groupId: group!.id!, userId: outsider.id! }), denied);
    await expectOktaError(env.client.groupApi.unassignUserFromGroup({ groupId: group!.id!, userId: seeded.id! }), denied);
    await expectOktaError(env.client.groupApi.replaceGroup({ groupId: group!.id!, group: { profile: { name: 'Mine now' } } }), denied);
    await expectOktaError(env.client.groupApi.deleteGroup({ groupId: group!.id! }), denied);
    expect((await collect(env.client.userApi.listUserGroups({ userId: seeded.id! }))).map((g) => g.profile?.name)).toEqual([
      'Everyone',
      'Salesforce Users',
    ]);
  });
});

describe('the System Log', () => {
  it("records a group's creation, renaming, memberships and deletion, and nothing for what changes nothing", async () => {
    const group = await newGroup('Audited');
    const user = await newUser();
    await env.client.groupApi.replaceGroup({ groupId: group.id!, group: { profile: { name: 'Audited twice' } } });
    await env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
    await env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
    await env.client.groupApi.unassignUserFromGroup({ groupId: group.id!, userId: user.id! });
    await env.client.groupApi.unassignUserFromGroup({ groupId: group.id!, userId: user.id! });
    await env.client.groupApi.deleteGroup({ groupId: group.id! });

    const userTarget = {
      id: user.id,
      type: 'User',
      alternateId: user.profile!.login,
      displayName: `${user.profile!.firstName} ${user.profile!.lastName}`,
    };
    const groupTarget = (name: string) => ({ id: group.id, type: 'UserGroup', alternateId: 'unknown', displayName: name });
    expect(logEntriesAbout(env, group.id!).map(({ eventType, displayMessage, target }) => ({ eventType, displayMessage, target }))).toEqual([
      { eventType: 'group.lifecycle.create', displayMessage: 'Create Okta group', target: [groupTarget('Audited')] },
      { eventType: 'group.profile.update', displayMessage: 'Update Okta group profile', target: [groupTarget('Audited twice')] },
      {
        eventType: 'group.user_membership.add',
        displayMessage: 'Add user to group membership',
        target: [userTarget, groupTarget('Audited twice')],
      },
      {
        eventType: 'group.user_membership.remove',
        displayMessage: 'Remove user from group membership',
        target: [userTarget, groupTarget('Audited twice')],
      },
      { eventType: 'group.lifecycle.delete', displayMessage: 'Delete Okta group', target: [groupTarget('Audited twice')] },
    ]);
  });
});
