import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScimFilter } from '../../src/scim/directory/filter-sql.ts';
import { openScimDirectory } from '../../src/scim/directory/open.ts';
import { DirectoryError, type ScimDirectory, type StoredUser, type UserInput } from '../../src/scim/directory/types.ts';
import { ENTERPRISE_USER_SCHEMA } from '../../src/scim/directory/user-schema.ts';
import { pgliteEngine, postgresEngine, type Engine } from './engines.ts';

/** The same behaviour, asserted on both engines: PGlite (embedded default) and a real PostgreSQL server. */

const user = (userName: string, resource: Record<string, unknown> = {}, extra: Partial<UserInput> = {}): UserInput => ({
  userName,
  externalId: undefined,
  active: true,
  resource,
  ...extra,
});

/** What a rejected promise was rejected with, as the SCIM layer will see it. */
async function rejection(promise: Promise<unknown>): Promise<{ status: number; scimType: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DirectoryError) return { status: error.status, scimType: error.scimType };
    throw error;
  }
  throw new Error('expected a DirectoryError, but it succeeded');
}

describe.each([['PGlite'], ['PostgreSQL']] as const)('SCIM directory on %s', (engineName) => {
  const engine: Engine = engineName === 'PGlite' ? pgliteEngine() : postgresEngine();
  let directory: ScimDirectory;
  let integrations = 0;

  beforeAll(async () => {
    directory = await openScimDirectory(await engine.options());
  });
  afterAll(async () => {
    await directory?.close();
    await engine.cleanUp();
  });

  const newIntegration = async () => {
    const name = `integration-${++integrations}`;
    await directory.createIntegration(name, 'not-a-real-hash');
    return name;
  };
  /** The outbox rows of `integration`, in order, taken (marked delivered) so the next look starts afresh. */
  const takeChanges = async (integration: string) => {
    const mine = (await directory.pendingChanges(100_000)).filter((entry) => entry.integration === integration);
    await directory.markDelivered(mine.map((entry) => entry.seq));
    return mine;
  };
  const userNames = (users: StoredUser[]) => users.map((each) => each.userName);
  /** One after the other, so their creation order (the order of listings and members) is known. */
  const createUsers = async (integration: string, names: string[]) => {
    const created: StoredUser[] = [];
    for (const name of names) created.push(await directory.createUser(integration, user(`${name}@example.com`)));
    return created;
  };

  describe('integrations', () => {
    it('creates, lists, updates and removes integrations, refusing a second of the same name', async () => {
      const name = await newIntegration();
      expect(await directory.getIntegration(name)).toMatchObject({ name, tokenHash: 'not-a-real-hash', enabled: true });
      expect(await rejection(directory.createIntegration(name, 'other'))).toEqual({ status: 409, scimType: 'uniqueness' });
      expect(await directory.updateIntegration(name, { enabled: false })).toMatchObject({ enabled: false, tokenHash: 'not-a-real-hash' });
      expect(await directory.updateIntegration(name, { tokenHash: 'rotated' })).toMatchObject({ enabled: false, tokenHash: 'rotated' });
      expect((await directory.listIntegrations()).map((each) => each.name)).toContain(name);
      expect(await rejection(directory.updateIntegration('no-such-integration', { enabled: true }))).toEqual({ status: 404, scimType: undefined });

      const created = await directory.createUser(name, user('gone@example.com'));
      expect(await directory.removeIntegration(name)).toBe(1);
      expect(await directory.getIntegration(name)).toBeUndefined();
      expect(await directory.getUser(name, created.id)).toBeUndefined();
      expect(await directory.removeIntegration(name)).toBeUndefined();
    });

    it('refuses users and groups for an integration that does not exist', async () => {
      expect(await rejection(directory.createUser('no-such-integration', user('x@example.com')))).toEqual({ status: 404, scimType: undefined });
      expect(await rejection(directory.createGroup('no-such-integration', { displayName: 'G', externalId: undefined, members: [] }))).toEqual({
        status: 404,
        scimType: undefined,
      });
    });

    it("never shows one integration's users or groups to another", async () => {
      const [a, b] = [await newIntegration(), await newIntegration()];
      const alice = await directory.createUser(a, user('alice@example.com'));
      const group = await directory.createGroup(a, { displayName: 'Staff', externalId: undefined, members: [alice.id] });
      expect(await directory.getUser(b, alice.id)).toBeUndefined();
      expect(await directory.getGroup(b, group.id)).toBeUndefined();
      expect((await directory.listUsers(b, { startIndex: 1, count: 100 })).totalResults).toBe(0);
      expect(await directory.deleteUser(b, alice.id)).toBe(false);
      expect(await rejection(directory.updateUser(b, alice.id, (current) => current))).toEqual({ status: 404, scimType: undefined });
      // A member must be the integration's own user.
      expect(await rejection(directory.createGroup(b, { displayName: 'Thieves', externalId: undefined, members: [alice.id] }))).toEqual({
        status: 400,
        scimType: 'invalidValue',
      });
      // The same userName is free in another integration.
      await directory.createUser(b, user('ALICE@example.com'));
    });
  });

  describe('users', () => {
    it('creates a user and reads it back at once, without the password, with attribute names canonical', async () => {
      const integration = await newIntegration();
      const created = await directory.createUser(
        integration,
        user('Test.User@Okta.Local', {
          NAME: { GIVENNAME: 'Test', familyname: 'User' },
          emails: [{ Value: 'test.user@okta.local', TYPE: 'work', primary: true }],
          password: '1mz050nq',
          PassWord: 'again',
          groups: [],
          id: 'client-chosen',
          meta: { resourceType: 'User' },
          locale: 'en-US',
          customThing: 'kept',
        }, { externalId: '00ujl29u0le5T6Aj10h7' }),
      );
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.version).toBe(1);
      expect(created.created).toBe(created.lastModified);
      expect(await directory.getUser(integration, created.id)).toEqual(created);
      expect(created).toMatchObject({ userName: 'Test.User@Okta.Local', externalId: '00ujl29u0le5T6Aj10h7', active: true });
      expect(created.resource).toEqual({
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ value: 'test.user@okta.local', type: 'work', primary: true }],
        locale: 'en-US',
        customThing: 'kept',
      });
      expect(JSON.stringify(await directory.pendingChanges(100_000))).not.toContain('1mz050nq');
    });

    it('answers "not found" for ids that are not UUIDs, as Okta\'s SPEC test sends', async () => {
      const integration = await newIntegration();
      for (const id of ['010101001010101011001010101011', '00919288221112222', "x' or '1'='1", '']) {
        expect(await directory.getUser(integration, id)).toBeUndefined();
        expect(await directory.getGroup(integration, id)).toBeUndefined();
        expect(await directory.deleteUser(integration, id)).toBe(false);
        expect(await directory.deleteGroup(integration, id)).toBe(false);
        expect(await rejection(directory.updateUser(integration, id, (current) => current))).toEqual({ status: 404, scimType: undefined });
        expect(await directory.groupsOf(integration, id)).toEqual([]);
      }
    });

    it('updates a user atomically, bumping version and lastModified, and deletes it', async () => {
      const integration = await newIntegration();
      const created = await directory.createUser(integration, user('jo@example.com', { title: 'Engineer' }));
      const updated = await directory.updateUser(integration, created.id, (current, groups) => {
        expect(current).toEqual(created);
        expect(groups).toEqual([]);
        return { ...current, active: false, resource: { ...current.resource, title: 'Manager' } };
      });
      expect(updated).toMatchObject({ id: created.id, active: false, version: 2, created: created.created, resource: { title: 'Manager' } });
      expect(updated.lastModified >= created.lastModified).toBe(true);
      expect(await directory.getUser(integration, created.id)).toEqual(updated);

      expect(await directory.deleteUser(integration, created.id)).toBe(true);
      expect(await directory.getUser(integration, created.id)).toBeUndefined();
      expect(await directory.deleteUser(integration, created.id)).toBe(false);
    });

    it('refuses an empty userName', async () => {
      const integration = await newIntegration();
      expect(await rejection(directory.createUser(integration, user('  ')))).toEqual({ status: 400, scimType: 'invalidValue' });
    });

    it('lets exactly one of 20 concurrent creates of one userName (in any case) win; the rest get 409 uniqueness', async () => {
      const integration = await newIntegration();
      const spellings = Array.from({ length: 20 }, (_, index) => (index % 2 ? 'Race@Example.com' : 'RACE@EXAMPLE.COM').replace('a', index % 3 ? 'a' : 'A'));
      const results = await Promise.allSettled(spellings.map((userName) => directory.createUser(integration, user(userName))));
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(19);
      for (const reason of lost) expect(reason).toMatchObject({ name: 'DirectoryError', status: 409, scimType: 'uniqueness' });
      const listed = await directory.listUsers(integration, { filter: parseScimFilter('userName eq "race@example.com"'), startIndex: 1, count: 10 });
      expect(listed.totalResults).toBe(1);
      // Only the create that happened told the identity workflow.
      expect(await takeChanges(integration)).toHaveLength(1);
    });

    it('refuses to rename a user to a userName another user has, in any case', async () => {
      const integration = await newIntegration();
      await directory.createUser(integration, user('taken@example.com'));
      const other = await directory.createUser(integration, user('other@example.com'));
      expect(await rejection(directory.updateUser(integration, other.id, (current) => ({ ...current, userName: 'TAKEN@example.com' })))).toEqual({
        status: 409,
        scimType: 'uniqueness',
      });
      expect((await directory.getUser(integration, other.id))?.userName).toBe('other@example.com');
    });
  });

  describe('groups', () => {
    it('creates a group with members, changes membership as a difference, renames and deletes it', async () => {
      const integration = await newIntegration();
      const [ann, ben, cat] = await createUsers(integration, ['ann', 'ben', 'cat']);
      await directory.updateUser(integration, ann!.id, (current) => ({ ...current, resource: { displayName: 'Ann A' } }));
      const group = await directory.createGroup(integration, { displayName: 'Engineering', externalId: 'okta-g1', members: [ann!.id, ben!.id, ann!.id] });
      expect(group.members).toEqual([
        { value: ann!.id, display: 'Ann A' },
        { value: ben!.id, display: 'ben@example.com' },
      ]);
      expect(await directory.getGroup(integration, group.id)).toEqual(group);
      expect(await directory.groupsOf(integration, ann!.id)).toEqual([{ value: group.id, display: 'Engineering' }]);

      const changed = await directory.updateGroup(integration, group.id, (current) => ({
        displayName: 'Platform',
        externalId: current.externalId,
        members: [ann!.id, cat!.id],
      }));
      expect(changed).toMatchObject({ displayName: 'Platform', externalId: 'okta-g1', version: 2 });
      expect(changed.members.map((member) => member.value)).toEqual([ann!.id, cat!.id]);
      expect(await directory.groupsOf(integration, ben!.id)).toEqual([]);

      // A change that changes nothing (Okta's rename PATCH comes with every membership push) keeps the version.
      const same = await directory.updateGroup(integration, group.id, (current) => ({ ...current, members: current.members.map((member) => member.value) }));
      expect(same.version).toBe(2);

      expect(await directory.deleteGroup(integration, group.id)).toBe(true);
      expect(await directory.getGroup(integration, group.id)).toBeUndefined();
      expect(await directory.groupsOf(integration, ann!.id)).toEqual([]);
      expect(await directory.getUser(integration, ann!.id)).toBeDefined();
    });

    it('keeps displayName unique per integration ignoring case, and refuses members it does not hold', async () => {
      const integration = await newIntegration();
      await directory.createGroup(integration, { displayName: 'Sales', externalId: undefined, members: [] });
      expect(await rejection(directory.createGroup(integration, { displayName: 'SALES', externalId: undefined, members: [] }))).toEqual({
        status: 409,
        scimType: 'uniqueness',
      });
      const other = await directory.createGroup(integration, { displayName: 'Finance', externalId: undefined, members: [] });
      expect(await rejection(directory.updateGroup(integration, other.id, (current) => ({ ...current, displayName: 'sales', members: [] })))).toEqual({
        status: 409,
        scimType: 'uniqueness',
      });
      expect(await rejection(directory.updateGroup(integration, other.id, () => ({ displayName: 'Finance', externalId: undefined, members: ['010101001010101011001010101011'] })))).toEqual({
        status: 400,
        scimType: 'invalidValue',
      });
      expect(await rejection(directory.updateGroup(integration, '00919288221112222', (current) => current as never))).toEqual({ status: 404, scimType: undefined });
    });

    it('drops a deleted user from its groups', async () => {
      const integration = await newIntegration();
      const leaver = await directory.createUser(integration, user('leaver@example.com'));
      const stayer = await directory.createUser(integration, user('stayer@example.com'));
      const group = await directory.createGroup(integration, { displayName: 'Team', externalId: undefined, members: [leaver.id, stayer.id] });
      await directory.deleteUser(integration, leaver.id);
      expect((await directory.getGroup(integration, group.id))?.members.map((member) => member.value)).toEqual([stayer.id]);
    });
  });

  describe('filters', () => {
    const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
    let integration: string;
    const ids: Record<string, string> = {};
    const groupIds: Record<string, string> = {};
    let aliceModified: string;

    beforeAll(async () => {
      integration = await newIntegration();
      const seed: [string, UserInput][] = [
        [
          'alice',
          user(
            'Alice@Example.com',
            {
              name: { givenName: 'Alice', familyName: 'Archer' },
              title: 'Engineer',
              emails: [
                { value: 'alice@work.example', type: 'work', primary: true },
                { value: 'alice@home.example', type: 'home' },
              ],
              [ENTERPRISE]: { employeeNumber: '1001', department: 'Engineering', manager: { value: 'mgr-1', displayName: 'Boss' } },
            },
            { externalId: 'ext-Alice' },
          ),
        ],
        [
          'bob',
          user(
            'bob@example.com',
            { name: { givenName: 'Bob', familyName: 'Baker' }, emails: [{ value: 'bob@home.example', type: 'home' }], [ENTERPRISE]: { employeeNumber: '1002', department: 'Sales' } },
            { externalId: 'ext-bob' },
          ),
        ],
        ['carol', user('carol@other.org', { name: { givenName: 'Carol' }, title: 'Manager', emails: [{ value: 'CAROL@WORK.EXAMPLE', type: 'work' }] }, { active: false })],
        ['dave', user(`o'brien"q@example.com`, { name: { givenName: 'Dave' } })],
      ];
      for (const [key, input] of seed) ids[key] = (await directory.createUser(integration, input)).id;
      aliceModified = (await directory.getUser(integration, ids.alice!))!.lastModified;
      for (const [name, members] of [
        ['Engineering', ['alice']],
        ['Sales', ['bob', 'carol']],
        ['Empty', []],
      ] as const) {
        groupIds[name] = (await directory.createGroup(integration, { displayName: name, externalId: `g-${name}`, members: members.map((key) => ids[key]!) })).id;
      }
    });

    const usersMatching = async (filter: string) => {
      const { totalResults, resources } = await directory.listUsers(integration, { filter: parseScimFilter(filter), startIndex: 1, count: 100 });
      expect(totalResults).toBe(resources.length);
      return resources.map((each) => Object.entries(ids).find(([, id]) => id === each.id)![0]);
    };

    it.each([
      ['userName eq "alice@example.com"', ['alice']],
      ['USERNAME EQ "ALICE@EXAMPLE.COM"', ['alice']],
      ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@example.com"', ['bob']],
      ['userName ne "alice@example.com"', ['bob', 'carol', 'dave']],
      ['userName co "EXAMPLE"', ['alice', 'bob', 'dave']],
      ['userName sw "CAR"', ['carol']],
      ['userName ew "@OTHER.ORG"', ['carol']],
      ['userName gt "c"', ['carol', 'dave']],
      ['userName ge "carol@other.org"', ['carol', 'dave']],
      ['userName lt "bob@example.com"', ['alice']],
      ['userName le "BOB@example.com"', ['alice', 'bob']],
      ['title pr', ['alice', 'carol']],
      ['not (title pr)', ['bob', 'dave']],
      ['title ne "engineer"', ['bob', 'carol', 'dave']],
      ['active eq false', ['carol']],
      ['active ne false', ['alice', 'bob', 'dave']],
      ['title eq "engineer" and active eq true', ['alice']],
      ['title eq "manager" or name.givenName eq "bob"', ['bob', 'carol']],
      ['(title eq "engineer" or title eq "manager") and not (active eq false)', ['alice']],
      ['emails[type eq "work"]', ['alice', 'carol']],
      ['emails[type eq "work" and value co "@WORK.example"]', ['alice', 'carol']],
      ['emails[type eq "home" and value co "alice"]', ['alice']],
      // Both conditions must hold for the same email: Alice's work email is not at home.
      ['emails[type eq "work" and value co "home"]', []],
      ['emails.value eq "carol@work.example"', ['carol']],
      ['emails co "home.example"', ['alice', 'bob']],
      ['emails pr', ['alice', 'bob', 'carol']],
      ['name.givenName eq "ALICE"', ['alice']],
      ['NAME.GIVENNAME sw "d"', ['dave']],
      ['name.familyName pr', ['alice', 'bob']],
      [`${ENTERPRISE}:employeeNumber eq "1002"`, ['bob']],
      [`${ENTERPRISE}:department eq "engineering"`, ['alice']],
      [`${ENTERPRISE}:manager.value eq "mgr-1"`, ['alice']],
      [`${ENTERPRISE.toLowerCase()}:DEPARTMENT pr`, ['alice', 'bob']],
      ['externalId eq "ext-Alice"', ['alice']],
      // externalId is caseExact.
      ['externalId eq "EXT-ALICE"', []],
      ['groups[display eq "sales"]', ['bob', 'carol']],
      ['userName eq "o\'brien\\"q@example.com"', ['dave']],
      ['userName eq "x\'; drop table scim_users; --"', []],
      ['meta.lastModified gt "2000-01-01T00:00:00Z"', ['alice', 'bob', 'carol', 'dave']],
      ['meta.created lt "2000-01-01T00:00:00Z"', []],
    ] as [string, string[]][])('users where %s', async (filter, expected) => {
      expect(await usersMatching(filter)).toEqual(expected);
    });

    it('filters by id, group id and the lastModified a client read back', async () => {
      expect(await usersMatching(`id eq "${ids.bob}"`)).toEqual(['bob']);
      expect(await usersMatching(`groups.value eq "${groupIds.Engineering}"`)).toEqual(['alice']);
      // Millisecond precision is kept, so the timestamp a client read compares equal to itself.
      expect(await usersMatching(`meta.lastModified ge "${aliceModified}" and userName eq "alice@example.com"`)).toEqual(['alice']);
      expect(await usersMatching(`meta.lastModified gt "${aliceModified}" and userName eq "alice@example.com"`)).toEqual([]);
    });

    it('still works after a filter value that tries to end the SQL', async () => {
      await usersMatching(`userName eq "'); delete from scim_users; --" or title co "'; drop table scim_users; --"`);
      expect((await directory.listUsers(integration, { startIndex: 1, count: 100 })).totalResults).toBe(4);
    });

    it('filters groups by displayName ignoring case, by members and by externalId', async () => {
      const groupsMatching = async (filter: string) =>
        (await directory.listGroups(integration, { filter: parseScimFilter(filter), startIndex: 1, count: 100 })).resources.map((group) => group.displayName);
      expect(await groupsMatching('displayName eq "ENGINEERING"')).toEqual(['Engineering']);
      expect(await groupsMatching(`members[value eq "${ids.alice}"]`)).toEqual(['Engineering']);
      expect(await groupsMatching(`members.value eq "${ids.carol}"`)).toEqual(['Sales']);
      expect(await groupsMatching('members[display eq "BOB@example.com"]')).toEqual(['Sales']);
      expect(await groupsMatching('not (members pr)')).toEqual(['Empty']);
      expect(await groupsMatching('externalId eq "g-Sales" or displayName sw "emp"')).toEqual(['Sales', 'Empty']);
    });

    it('lists groups without members when asked to', async () => {
      const { resources } = await directory.listGroups(integration, { filter: parseScimFilter('displayName eq "Sales"'), startIndex: 1, count: 10, excludeMembers: true });
      expect(resources[0]?.members).toEqual([]);
      const full = await directory.listGroups(integration, { filter: parseScimFilter('displayName eq "Sales"'), startIndex: 1, count: 10 });
      expect(full.resources[0]?.members.map((member) => member.value)).toEqual([ids.bob, ids.carol]);
    });

    it.each([
      'nosuch eq "x"',
      'emails[nosuch eq "x"]',
      'name eq "x"',
      'title[value eq "x"]',
      'active gt true',
      'active eq "maybe"',
      'meta.lastModified gt "soon"',
      'meta.lastModified co "2020"',
      'userName eq null',
      'userName eq true',
      'userName eq',
      'userName xx "a"',
      'userName eq "a" and',
    ])('refuses %s as invalidFilter', async (filter) => {
      // Parsing and compiling both refuse; either way the client gets the same 400.
      const listing = async () => directory.listUsers(integration, { filter: parseScimFilter(filter), startIndex: 1, count: 10 });
      expect(await rejection(listing())).toEqual({
        status: 400,
        scimType: 'invalidFilter',
      });
    });

    it('refuses group filters on attributes groups do not have', async () => {
      expect(await rejection(directory.listGroups(integration, { filter: parseScimFilter('userName eq "x"'), startIndex: 1, count: 10 }))).toEqual({
        status: 400,
        scimType: 'invalidFilter',
      });
    });
  });

  describe('paging', () => {
    it('pages in creation order with 1-based startIndex, a stable order across updates, and totals', async () => {
      const integration = await newIntegration();
      const created: string[] = [];
      for (let index = 0; index < 25; index++) created.push((await directory.createUser(integration, user(`p${String(index).padStart(2, '0')}@example.com`))).userName);
      // An update does not move a user: Okta's import must not skip or repeat anyone.
      const third = (await directory.listUsers(integration, { startIndex: 3, count: 1 })).resources[0]!;
      await directory.updateUser(integration, third.id, (current) => ({ ...current, userName: 'zz-renamed@example.com' }));
      created[2] = 'zz-renamed@example.com';

      const pages = [];
      for (const startIndex of [1, 11, 21]) pages.push(await directory.listUsers(integration, { startIndex, count: 10 }));
      expect(pages.map((page) => page.totalResults)).toEqual([25, 25, 25]);
      expect(pages.map((page) => page.resources.length)).toEqual([10, 10, 5]);
      expect(pages.flatMap((page) => userNames(page.resources))).toEqual(created);

      expect(await directory.listUsers(integration, { startIndex: 1, count: 0 })).toEqual({ totalResults: 25, resources: [] });
      expect(await directory.listUsers(integration, { startIndex: 26, count: 10 })).toEqual({ totalResults: 25, resources: [] });
      // Out-of-range values as a client may send them: startIndex below 1 is 1, a negative count is 0.
      expect(userNames((await directory.listUsers(integration, { startIndex: 0, count: 2 })).resources)).toEqual(created.slice(0, 2));
      expect((await directory.listUsers(integration, { startIndex: 1, count: -5 })).resources).toEqual([]);

      const filtered = await directory.listUsers(integration, { filter: parseScimFilter('userName sw "p1"'), startIndex: 3, count: 4 });
      expect(filtered.totalResults).toBe(10);
      expect(userNames(filtered.resources)).toEqual(['p12@example.com', 'p13@example.com', 'p14@example.com', 'p15@example.com']);
    });

    it('pages groups in creation order', async () => {
      const integration = await newIntegration();
      for (const name of ['C', 'A', 'B']) await directory.createGroup(integration, { displayName: name, externalId: undefined, members: [] });
      const page = await directory.listGroups(integration, { startIndex: 2, count: 5 });
      expect(page.totalResults).toBe(3);
      expect(page.resources.map((group) => group.displayName)).toEqual(['A', 'B']);
    });
  });

  describe('outbox', () => {
    it('records a create, an update and a delete with the record policies see', async () => {
      const integration = await newIntegration();
      const created = await directory.createUser(
        integration,
        user(
          'pat@example.com',
          {
            name: { givenName: 'Pat', familyName: 'Lee', formatted: 'Pat Lee' },
            displayName: 'Pat Lee',
            title: 'Engineer',
            // The primary email wins over the work one; without a primary, the work one over the first.
            emails: [
              { value: 'pat@work.example', type: 'work' },
              { value: 'pat@primary.example', type: 'home', primary: true },
            ],
            phoneNumbers: [
              { value: '+1 415 555 0199', type: 'home' },
              { value: '+1 415 555 0100', type: 'work' },
            ],
            [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42', department: 'R&D', costCenter: 'CC1', manager: { value: 'boss-id', displayName: 'The Boss' } },
            'urn:okta:custom:1.0:User': { badge: 'B-7', title: 'not this one' },
            empty: '',
          },
          { externalId: 'okta-1' },
        ),
      );
      const [create] = await takeChanges(integration);
      expect(create).toMatchObject({ integration, userId: created.id });
      expect(create!.record).toEqual({
        id: created.id,
        userName: 'pat@example.com',
        externalId: 'okta-1',
        active: true,
        givenName: 'Pat',
        familyName: 'Lee',
        formattedName: 'Pat Lee',
        displayName: 'Pat Lee',
        title: 'Engineer',
        email: 'pat@primary.example',
        phoneNumber: '+1 415 555 0100',
        employeeNumber: '42',
        department: 'R&D',
        costCenter: 'CC1',
        manager: 'boss-id',
        managerDisplayName: 'The Boss',
        badge: 'B-7',
        groups: [],
      });

      await directory.updateUser(integration, created.id, (current) => ({ ...current, active: false }));
      const [update, ...none] = await takeChanges(integration);
      expect(none).toEqual([]);
      expect(update!.record).toMatchObject({ active: false, title: 'Engineer' });

      await directory.deleteUser(integration, created.id);
      expect(await takeChanges(integration)).toMatchObject([{ userId: created.id, record: null }]);
    });

    it('records a change for exactly the users whose groups a group change changes', async () => {
      const integration = await newIntegration();
      const [ann, ben, cat] = await createUsers(integration, ['ann', 'ben', 'cat']);
      await takeChanges(integration);
      const groupsOf = (changes: Awaited<ReturnType<typeof takeChanges>>) =>
        Object.fromEntries(changes.map((change) => [[ann, ben, cat].find((each) => each!.id === change.userId)!.userName, change.record?.groups]));

      const group = await directory.createGroup(integration, { displayName: 'Eng', externalId: undefined, members: [ann!.id, ben!.id] });
      expect(groupsOf(await takeChanges(integration))).toEqual({ 'ann@example.com': ['Eng'], 'ben@example.com': ['Eng'] });
      const other = await directory.createGroup(integration, { displayName: 'All', externalId: undefined, members: [ann!.id] });
      expect(groupsOf(await takeChanges(integration))).toEqual({ 'ann@example.com': ['All', 'Eng'] });

      // Okta's membership PATCH: remove ben, add cat. Ann stays, so she is not told.
      await directory.updateGroup(integration, group.id, (current) => ({ ...current, members: [ann!.id, cat!.id] }));
      expect(groupsOf(await takeChanges(integration))).toEqual({ 'ben@example.com': [], 'cat@example.com': ['Eng'] });

      await directory.updateGroup(integration, group.id, (current) => ({ ...current, displayName: 'Engineering', members: current.members.map((m) => m.value) }));
      expect(groupsOf(await takeChanges(integration))).toEqual({ 'ann@example.com': ['All', 'Engineering'], 'cat@example.com': ['Engineering'] });

      // Okta's rename PATCH with the name unchanged: nobody's record changed.
      await directory.updateGroup(integration, group.id, (current) => ({ ...current, members: current.members.map((m) => m.value) }));
      expect(await takeChanges(integration)).toEqual([]);

      await directory.deleteGroup(integration, group.id);
      expect(groupsOf(await takeChanges(integration))).toEqual({ 'ann@example.com': ['All'], 'cat@example.com': [] });
      await directory.deleteGroup(integration, other.id);
      expect(groupsOf(await takeChanges(integration))).toEqual({ 'ann@example.com': [] });
    });

    it('removing an integration writes a leaver (a null record) for every user it held, as deleting each would', async () => {
      const integration = await newIntegration();
      const [ann, ben] = await createUsers(integration, ['ann', 'ben']);
      await directory.createGroup(integration, { displayName: 'Eng', externalId: undefined, members: [ann!.id] });
      await directory.updateUser(integration, ben!.id, (current) => ({ ...current, active: false }));
      await takeChanges(integration);
      expect(await directory.removeIntegration(integration)).toBe(2);
      expect(await takeChanges(integration)).toMatchObject([
        { userId: ann!.id, record: null },
        { userId: ben!.id, record: null },
      ]);
    });

    it('writes nothing for a change that was refused', async () => {
      const integration = await newIntegration();
      await directory.createUser(integration, user('one@example.com'));
      await takeChanges(integration);
      await rejection(directory.createUser(integration, user('ONE@example.com')));
      await rejection(directory.createGroup(integration, { displayName: 'G', externalId: undefined, members: ['00919288221112222'] }));
      expect(await directory.listGroups(integration, { startIndex: 1, count: 10 })).toEqual({ totalResults: 0, resources: [] });
      expect(await takeChanges(integration)).toEqual([]);
    });

    it('a row set aside as undeliverable is no longer pending, is kept, and is counted for its integration', async () => {
      const integration = await newIntegration();
      await takeChanges(integration);
      for (const name of ['stuck', 'flowing']) await directory.createUser(integration, user(`${name}@example.com`));
      const [stuck, flowing] = (await directory.pendingChanges(100_000)).filter((entry) => entry.integration === integration);
      await directory.markUndeliverable(stuck!.seq, 'Temporal refused it as invalid: Blob data size exceeds limit.');
      expect((await directory.pendingChanges(100_000)).filter((entry) => entry.integration === integration)).toEqual([flowing]);
      expect((await directory.undeliverableCounts()).get(integration)).toBe(1);
      await takeChanges(integration);
      expect((await directory.undeliverableCounts()).get(integration)).toBe(1);
    });

    it("a retry drops set-aside rows and sends each of their users' current record, never an older one", async () => {
      const integration = await newIntegration();
      await takeChanges(integration);
      const [later, alone, gone] = await createUsers(integration, ['later', 'alone', 'gone']);
      const rows = (await directory.pendingChanges(100_000)).filter((entry) => entry.integration === integration);
      for (const row of rows) await directory.markUndeliverable(row.seq, 'Temporal refused it as too large: Blob data size exceeds limit.');
      // Since then: the first user was deactivated (delivered), the third deleted (delivered).
      await directory.updateUser(integration, later!.id, (current) => ({ ...current, active: false }));
      await directory.deleteUser(integration, gone!.id);
      expect(await takeChanges(integration)).toMatchObject([{ userId: later!.id, record: { active: false } }, { userId: gone!.id, record: null }]);

      expect(await directory.retryUndeliverable(integration)).toEqual({ resent: 3 });
      expect((await directory.undeliverableCounts()).get(integration)).toBeUndefined();
      const resent = await takeChanges(integration);
      expect(resent).toHaveLength(3);
      const byUser = new Map(resent.map((entry) => [entry.userId, entry.record]));
      // The deactivated user is not sent back to active, the deleted one stays gone.
      expect(byUser.get(later!.id)).toMatchObject({ active: false });
      expect(byUser.get(alone!.id)).toMatchObject({ userName: 'alone@example.com', active: true });
      expect(byUser.get(gone!.id)).toBeNull();
      expect(await directory.retryUndeliverable(integration)).toEqual({ resent: 0 });
    });

    it('hands out pending changes oldest first, up to the limit, until they are marked delivered', async () => {
      const integration = await newIntegration();
      await takeChanges(integration);
      for (const name of ['first', 'second', 'third']) await directory.createUser(integration, user(`${name}@example.com`));
      const pending = (await directory.pendingChanges(100_000)).filter((entry) => entry.integration === integration);
      expect(pending.map((entry) => entry.record?.userName)).toEqual(['first@example.com', 'second@example.com', 'third@example.com']);
      expect(pending[0]!.seq).toBeLessThan(pending[1]!.seq);
      expect(await directory.pendingChanges(1)).toHaveLength(1);
      await directory.markDelivered([pending[0]!.seq]);
      expect((await directory.pendingChanges(100_000)).filter((entry) => entry.integration === integration).map((entry) => entry.seq)).toEqual(
        pending.slice(1).map((entry) => entry.seq),
      );
    });
  });
});
