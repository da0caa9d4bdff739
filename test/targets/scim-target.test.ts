import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE_USER } from '../../src/targets/scim/attributes.ts';
import { scimTarget } from '../../src/targets/scim/scim-target.ts';
import type { SyncIdentityInput, Target } from '../../src/targets/target.ts';
import { startScim2Server } from '../helpers/scim2-server.ts';
import { startScimFixture, USER_SCHEMA } from '../scim/scim-fixture.ts';
import { targetFailure as failure } from './target-failure.ts';

/**
 * The SCIM target against two real service providers, called directly (no Temporal): PyPI's
 * scim2-server, a third party's reading of RFC 7644, and Tenure's own SCIM service provider. What
 * is asserted is what the application holds afterwards, read back over HTTP.
 */

interface App {
  url: string;
  token: string;
  stop(): Promise<void>;
}

const apps: Array<{ name: string; start: () => Promise<App> }> = [
  { name: 'scim2-server', start: () => startScim2Server() },
  {
    name: "Tenure's SCIM service provider",
    async start() {
      const fixture = await startScimFixture();
      const client = await fixture.integration('kestra');
      return {
        url: client.baseUrl,
        token: client.token,
        async stop() {
          await fixture.close();
          await rm(fixture.dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

/** A fetch that notes each request's method and path (never its headers), then sends it. */
function recording() {
  const requests: string[] = [];
  const record: typeof fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname.replace(/^.*?(\/(Users|Groups)\b)/, '$1')}`);
    return fetch(input, init);
  };
  return { requests, fetch: record };
}

/** GET a resource as the app holds it, without the target: what a user of the app would see. */
async function get(app: App, route: string) {
  const response = await fetch(`${app.url}${route}`, { headers: { authorization: `Bearer ${app.token}`, accept: 'application/scim+json' } });
  return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
}

async function post(app: App, route: string, body: unknown) {
  const response = await fetch(`${app.url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${app.token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return response.json();
}

let serial = 0;
/** A joiner with its own key and login, so that the tests of one app never meet. */
function joiner(overrides: Partial<SyncIdentityInput> = {}): SyncIdentityInput {
  serial++;
  const key = `E${1000 + serial}`;
  return {
    key,
    accountId: undefined,
    create: true,
    attributes: {
      login: `ada.${serial}@example.com`,
      email: `ada.${serial}@example.com`,
      first_name: 'Ada',
      last_name: 'Lovelace',
      title: 'Engineer',
      department: 'Engineering',
      employee_id: key,
    },
    fallbacks: {},
    createOnly: [],
    reactivate: false,
    restoreGroups: [],
    ...overrides,
  };
}

describe.each(apps)('the SCIM target against $name', ({ start }) => {
  let app: App;
  let target: Target;
  let requests: string[];

  beforeAll(async () => {
    app = await start();
    const recorder = recording();
    requests = recorder.requests;
    target = scimTarget('kestra', { url: app.url, credentials: { bearerToken: app.token } }, { fetch: recorder.fetch });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('says what the app can do: PATCH and groups', async () => {
    expect(await target.capabilities()).toEqual({ patch: true, groups: true });
  });

  it('creates a joiner once, with its key as externalId; run again, it changes nothing', async () => {
    const input = joiner();
    const first = await target.syncIdentity(input);
    expect(first).toMatchObject({ created: true, status: 'active', profile: input.attributes });
    const again = await target.syncIdentity(input);
    expect(again).toMatchObject({ accountId: first.accountId, created: false, changed: [] });
    // The account id unknown and the login renamed since: still found, by the key.
    const renamed = await target.syncIdentity({ ...input, attributes: { ...input.attributes, login: `renamed.${input.key}@example.com` } });
    expect(renamed).toMatchObject({ accountId: first.accountId, created: false, profile: { login: input.attributes.login } });
    const held = await get(app, `/Users?filter=${encodeURIComponent(`externalId eq "${input.key}"`)}`);
    expect(held.body.totalResults).toBe(1);
    const user = held.body.Resources[0];
    expect(user).toMatchObject({
      id: first.accountId,
      externalId: input.key,
      userName: input.attributes.login,
      active: true,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: input.attributes.email, type: 'work', primary: true }],
      [ENTERPRISE_USER]: { department: 'Engineering', employeeNumber: input.key },
    });
    expect(user.schemas).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE_USER]));
  });

  it('changes only what differs on a mover, by PATCH as the app supports it; never the login nor a createOnly attribute', async () => {
    const input = joiner({ createOnly: ['employee_id'] });
    const { accountId } = await target.syncIdentity(input);
    requests.length = 0;
    const moved = await target.syncIdentity({
      ...input,
      accountId,
      attributes: { ...input.attributes, login: 'renamed@example.com', title: 'Lead Engineer', department: 'Research', employee_id: 'X-9' },
    });
    expect(moved.changed.sort()).toEqual(['title', `${ENTERPRISE_USER}:department`]);
    expect(moved.profile).toMatchObject({ login: input.attributes.login, title: 'Lead Engineer', department: 'Research', employee_id: input.key });
    expect(requests.filter((request) => !request.startsWith('GET'))).toEqual([`PATCH /Users/${accountId}`]);
    const { body: user } = await get(app, `/Users/${accountId}`);
    expect(user).toMatchObject({
      userName: input.attributes.login,
      title: 'Lead Engineer',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: input.attributes.email, type: 'work', primary: true }],
      [ENTERPRISE_USER]: { department: 'Research', employeeNumber: input.key },
    });
  });

  it('adds a work email to an account that has none, leaving its other email alone', async () => {
    const input = joiner();
    const made = await post(app, '/Users', {
      schemas: [USER_SCHEMA],
      userName: input.attributes.login,
      externalId: input.key,
      emails: [{ value: 'home@example.net', type: 'home', primary: true }],
    });
    const synced = await target.syncIdentity({ ...input, accountId: made.id });
    expect(synced.profile.email).toBe(input.attributes.email);
    const { body: user } = await get(app, `/Users/${made.id}`);
    expect(user.emails).toEqual(
      expect.arrayContaining([expect.objectContaining({ value: 'home@example.net', type: 'home' }), expect.objectContaining({ value: input.attributes.email, type: 'work' })]),
    );
  });

  it('moves a department group with MANAGE_RELATIONSHIPS sync, leaving groups outside the prefix alone', async () => {
    for (const name of ['dept-Engineering', 'dept-Research', 'all-staff']) await target.createEntitlement({ name, assign: false, key: 'unused', accountId: undefined });
    const { accountId } = await target.syncIdentity(joiner());
    expect(await target.manageRelationships({ key: 'unused', accountId, add: ['all-staff'], remove: [], sync: { prefix: 'dept-', groups: ['dept-Engineering'] } })).toEqual({
      added: ['all-staff', 'dept-Engineering'],
      removed: [],
    });
    const moved = await target.manageRelationships({ key: 'unused', accountId, add: [], remove: [], sync: { prefix: 'DEPT-', groups: ['dept-research'] } });
    expect(moved).toEqual({ added: ['dept-research'], removed: ['dept-Engineering'] });
    const account = await target.readAccount({ key: 'unused', accountId, attributes: [] });
    expect(account?.groups.sort()).toEqual(['all-staff', 'dept-Research']);
    // Already so: nothing to do.
    expect(await target.manageRelationships({ key: 'unused', accountId, add: ['all-staff'], remove: [], sync: { prefix: 'dept-', groups: ['dept-Research'] } })).toEqual({ added: [], removed: [] });
  });

  it('fails for good on a group the app does not have, naming it and the target', async () => {
    const { accountId } = await target.syncIdentity(joiner());
    const failed = await failure(target.manageRelationships({ key: 'unused', accountId, add: ['no-such-group'], remove: [] }));
    expect(failed.nonRetryable).toBe(true);
    expect(failed.message).toBe('group "no-such-group" does not exist in kestra');
  });

  it('creates an entitlement once, and assigns it', async () => {
    const { accountId } = await target.syncIdentity(joiner());
    const first = await target.createEntitlement({ name: `project-${serial}`, description: 'ignored', assign: true, key: 'unused', accountId });
    expect(first).toMatchObject({ created: true, assigned: true });
    expect(await target.createEntitlement({ name: `project-${serial}`, assign: true, key: 'unused', accountId })).toEqual({ groupId: first.groupId, created: false, assigned: false });
    const { body: group } = await get(app, `/Groups/${first.groupId}`);
    expect(group.members.map((member: { value: string }) => member.value)).toEqual([accountId]);
  });

  it('deprovisions: inactive, out of its groups, which it returns; a rehire brings both back', async () => {
    await target.createEntitlement({ name: 'leavers-test', assign: false, key: 'unused', accountId: undefined });
    const input = joiner();
    const { accountId } = await target.syncIdentity(input);
    await target.manageRelationships({ key: 'unused', accountId, add: ['all-staff', 'leavers-test'], remove: [] });
    expect((await target.groupsToRemove({ key: 'unused', accountId })).sort()).toEqual(['all-staff', 'leavers-test']);
    const gone = await target.deprovisionIdentity({ key: 'unused', accountId, mode: 'deactivate', revokeSessions: true, removeGroups: true, keepAttributes: false });
    expect({ ...gone, removedGroups: gone.removedGroups.sort() }).toEqual({ status: 'inactive', removedGroups: ['all-staff', 'leavers-test'] });
    expect((await get(app, `/Users/${accountId}`)).body.active).toBe(false);
    expect(await target.readAccount({ key: input.key, accountId, attributes: ['title'] })).toEqual({ accountId, active: false, profile: { title: 'Engineer' }, groups: [] });
    // Again: already so.
    expect(await target.deprovisionIdentity({ key: 'unused', accountId, mode: 'suspend', revokeSessions: false, removeGroups: true, keepAttributes: true })).toEqual({ status: 'inactive', removedGroups: [] });

    const back = await target.syncIdentity({ ...input, accountId, reactivate: true, restoreGroups: ['all-staff', 'leavers-test', 'deleted-since'] });
    expect(back).toMatchObject({ status: 'active', changed: ['active'] });
    expect(back.restored.sort()).toEqual(['all-staff', 'leavers-test']);
    expect((await get(app, `/Users/${accountId}`)).body.active).toBe(true);
    expect((await target.readAccount({ key: input.key, accountId, attributes: [] }))?.groups.sort()).toEqual(['all-staff', 'leavers-test']);
  });

  it('deletes an account; deleting it again is done, as is deprovisioning it', async () => {
    const input = joiner();
    const { accountId } = await target.syncIdentity(input);
    expect(await target.deleteIdentity({ key: 'unused', accountId })).toEqual({ deleted: true });
    expect((await get(app, `/Users/${accountId}`)).status).toBe(404);
    expect(await target.deleteIdentity({ key: 'unused', accountId })).toEqual({ deleted: false });
    expect(await target.deprovisionIdentity({ key: 'unused', accountId, mode: 'deactivate', revokeSessions: false, removeGroups: true, keepAttributes: true })).toEqual({ status: 'GONE', removedGroups: [] });
    expect(await target.readAccount({ key: input.key, accountId, attributes: [] })).toBeUndefined();
  });

  it('does not take over an account with the login that no identity claims: final, naming adoptUnclaimed, the account left alone', async () => {
    const input = joiner();
    // A hand-made account of someone already there with the same name: a namesake joiner must not get it.
    const made = await post(app, '/Users', { schemas: [USER_SCHEMA], userName: input.attributes.login, title: 'Hand-made', active: true });
    const failed = await failure(target.syncIdentity(input));
    expect(failed).toMatchObject({ nonRetryable: true, type: 'LoginTaken' });
    expect(failed.message).toBe(
      `SYNC_IDENTITIES ${input.key}: the login is held by an account no identity claims (it has no externalId) in kestra; adoptUnclaimed: true on the target would link such an account instead`,
    );
    const { body: untouched } = await get(app, `/Users/${made.id}`);
    expect(untouched.externalId).toBeUndefined();
    expect(untouched.title).toBe('Hand-made');
  });

  it('takes the next login when the first is held by an account no identity claims, and says so when all are taken', async () => {
    const input = joiner();
    const made = await post(app, '/Users', { schemas: [USER_SCHEMA], userName: input.attributes.login, active: true });
    const fallback = `ada.second.${serial}@example.com`;
    const synced = await target.syncIdentity({ ...input, fallbacks: { login: [fallback] } });
    expect(synced).toMatchObject({ created: true, profile: { login: fallback } });
    expect(synced.accountId).not.toBe(made.id);
    expect((await get(app, `/Users/${made.id}`)).body.externalId).toBeUndefined();

    const other = joiner();
    await post(app, '/Users', { schemas: [USER_SCHEMA], userName: other.attributes.login, active: true });
    const failed = await failure(target.syncIdentity({ ...other, fallbacks: { login: [fallback] } }));
    expect(failed).toMatchObject({ nonRetryable: true, type: 'LoginTaken' });
    expect(failed.message).toBe(
      `SYNC_IDENTITIES ${other.key}: the login and its 1 fallbacks are already taken in kestra; the login is held by an account no identity claims (it has no externalId), and adoptUnclaimed: true on the target would link such an account instead`,
    );
    expect(failed.message).not.toContain(other.attributes.login);
  });

  it('with adoptUnclaimed, adopts an account with the login and no externalId, giving it the key', async () => {
    const adopting = scimTarget('kestra', { url: app.url, credentials: { bearerToken: app.token }, adoptUnclaimed: true });
    const input = joiner();
    const made = await post(app, '/Users', { schemas: [USER_SCHEMA], userName: input.attributes.login, active: true });
    const synced = await adopting.syncIdentity(input);
    expect(synced).toMatchObject({ accountId: made.id, created: false });
    expect(synced.changed).toContain('externalId');
    expect((await get(app, `/Users/${made.id}`)).body.externalId).toBe(input.key);
    // Never one that another identity claims.
    const other = joiner();
    await post(app, '/Users', { schemas: [USER_SCHEMA], userName: other.attributes.login, externalId: 'someone-else', active: true });
    expect((await failure(adopting.syncIdentity(other))).message).toContain('belongs to another identity');
  });

  it("refuses for good an account with the login that is another identity's", async () => {
    const input = joiner();
    await post(app, '/Users', { schemas: [USER_SCHEMA], userName: input.attributes.login, externalId: 'someone-else', active: true });
    const failed = await failure(target.syncIdentity(input));
    expect(failed.nonRetryable).toBe(true);
    expect(failed.message).toContain('belongs to another identity');
    expect(failed.message).not.toContain(input.attributes.login);
  });

  it("takes the next login when the first is another's, and names neither when all are taken", async () => {
    const input = joiner();
    await post(app, '/Users', { schemas: [USER_SCHEMA], userName: input.attributes.login, externalId: 'someone-else', active: true });
    const fallback = `ada.lovelace.${serial}@example.com`;
    const synced = await target.syncIdentity({ ...input, fallbacks: { login: [fallback] } });
    expect(synced).toMatchObject({ created: true, profile: { login: fallback } });

    const other = joiner();
    await post(app, '/Users', { schemas: [USER_SCHEMA], userName: other.attributes.login, externalId: 'someone-else-2', active: true });
    const failed = await failure(target.syncIdentity({ ...other, fallbacks: { login: [fallback] } }));
    expect(failed).toMatchObject({ nonRetryable: true, message: `SYNC_IDENTITIES ${other.key}: the login and its 1 fallbacks are already taken in kestra` });
  });

  it('adopts the account its own create made when the app answers 409 (an earlier answer lost), and brings it up to date', async () => {
    // Each POST /Users is sent twice: the first, as an earlier attempt sent it (an older title) and
    // whose account was deactivated since, creates; the second's 409 is the answer seen.
    const twice: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && String(input).endsWith('/Users')) {
        const earlier = { ...JSON.parse(String(init.body)), title: 'Apprentice', active: false };
        await fetch(input, { ...init, body: JSON.stringify(earlier) });
      }
      return fetch(input, init);
    };
    const racing = scimTarget('kestra', { url: app.url, credentials: { bearerToken: app.token } }, { fetch: twice });
    const input = joiner();
    const synced = await racing.syncIdentity(input);
    expect(synced).toMatchObject({ created: false, status: 'active', profile: { login: input.attributes.login, title: 'Engineer' } });
    expect(synced.changed.sort()).toEqual(['active', 'title']);
    const held = await get(app, `/Users?filter=${encodeURIComponent(`externalId eq "${input.key}"`)}`);
    expect(held.body.totalResults).toBe(1);
    expect(held.body.Resources[0]).toMatchObject({ id: synced.accountId, title: 'Engineer', active: true });
  });

  it('without an account id, acts on the account carrying the key; with none, deprovisioning and assigning fail for good, the rest is done', async () => {
    const group = `by-key-${serial}`;
    await target.createEntitlement({ name: group, assign: false, key: 'unused', accountId: undefined });
    const input = joiner();
    const { accountId } = await target.syncIdentity(input);
    const byKey = { key: input.key, accountId: undefined };
    expect(await target.manageRelationships({ ...byKey, add: [group], remove: [] })).toEqual({ added: [group], removed: [] });
    expect(await target.groupsToRemove(byKey)).toEqual([group]);
    const assigned = `assigned-${serial}`;
    expect(await target.createEntitlement({ ...byKey, name: assigned, assign: true })).toMatchObject({ created: true, assigned: true });
    const gone = await target.deprovisionIdentity({ ...byKey, mode: 'deactivate', revokeSessions: false, removeGroups: true, keepAttributes: true });
    expect({ ...gone, removedGroups: gone.removedGroups.sort() }).toEqual({ status: 'inactive', removedGroups: [assigned, group].sort() });
    expect((await get(app, `/Users/${accountId}`)).body.active).toBe(false);
    expect(await target.deleteIdentity(byKey)).toEqual({ deleted: true });
    expect((await get(app, `/Users/${accountId}`)).status).toBe(404);

    // No account carries the key now.
    expect(await target.deleteIdentity(byKey)).toEqual({ deleted: false });
    expect(await target.groupsToRemove(byKey)).toEqual([]);
    for (const attempt of [
      () => target.deprovisionIdentity({ ...byKey, mode: 'deactivate', revokeSessions: false, removeGroups: true, keepAttributes: true }),
      () => target.manageRelationships({ ...byKey, add: [group], remove: [] }),
      () => target.createEntitlement({ ...byKey, name: group, assign: true }),
    ]) {
      const failed = await failure(attempt());
      expect(failed).toMatchObject({ nonRetryable: true, type: 'NoAccount', message: "no account in kestra carries this identity's key" });
    }
  });
});

/** What scim2-server announces (and does) when told it has no PATCH; with or without ETags (If-Match honoured, 412 when stale). */
const withoutPatch = (etag: boolean) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
  patch: { supported: false },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: 1000 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: etag },
});

const membersOf = async (app: App, groupId: string) => ((await get(app, `/Groups/${groupId}`)).body.members ?? []).map((member: { value: string }) => member.value).sort();

describe('the SCIM target against an app without PATCH (scim2-server announcing patch unsupported)', () => {
  let app: App;
  let target: Target;
  const recorder = recording();

  beforeAll(async () => {
    app = await startScim2Server({ serviceProviderConfig: withoutPatch(false) });
    target = scimTarget('legacy', { url: app.url, credentials: { bearerToken: app.token } }, { fetch: recorder.fetch });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('updates a mover by PUT of the whole user, keeping what it does not change', async () => {
    expect(await target.capabilities()).toEqual({ patch: false, groups: true });
    const input = joiner();
    const { accountId } = await target.syncIdentity(input);
    recorder.requests.length = 0;
    const moved = await target.syncIdentity({ ...input, accountId, attributes: { ...input.attributes, title: 'Manager', department: 'Sales' } });
    expect(moved.changed.sort()).toEqual(['title', `${ENTERPRISE_USER}:department`]);
    expect(recorder.requests.filter((request) => !request.startsWith('GET'))).toEqual([`PUT /Users/${accountId}`]);
    const { body: user } = await get(app, `/Users/${accountId}`);
    expect(user).toMatchObject({
      externalId: input.key,
      userName: input.attributes.login,
      title: 'Manager',
      active: true,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: input.attributes.email, type: 'work', primary: true }],
      [ENTERPRISE_USER]: { department: 'Sales', employeeNumber: input.key },
    });
  });

  it('changes memberships and deactivates by PUT', async () => {
    await target.createEntitlement({ name: 'dept-Sales', assign: false, key: 'unused', accountId: undefined });
    await target.createEntitlement({ name: 'dept-Support', assign: false, key: 'unused', accountId: undefined });
    const { accountId } = await target.syncIdentity(joiner());
    recorder.requests.length = 0;
    await target.manageRelationships({ key: 'unused', accountId, add: [], remove: [], sync: { prefix: 'dept-', groups: ['dept-Sales'] } });
    expect(await target.manageRelationships({ key: 'unused', accountId, add: [], remove: [], sync: { prefix: 'dept-', groups: ['dept-Support'] } })).toEqual({ added: ['dept-Support'], removed: ['dept-Sales'] });
    expect(await target.deprovisionIdentity({ key: 'unused', accountId, mode: 'deactivate', revokeSessions: false, removeGroups: true, keepAttributes: true })).toEqual({ status: 'inactive', removedGroups: ['dept-Support'] });
    expect(recorder.requests.some((request) => request.startsWith('PATCH'))).toBe(false);
    expect(recorder.requests.filter((request) => request.startsWith('PUT /Groups'))).toHaveLength(4);
    expect((await get(app, `/Users/${accountId}`)).body.active).toBe(false);
    expect((await target.readAccount({ key: 'unused', accountId, attributes: [] }))?.groups).toEqual([]);
  });

  it('puts two joiners into one group at once, and takes two out at once: no change lost', async () => {
    const name = `crowded-${serial}`;
    const { groupId } = await target.createEntitlement({ name, assign: false, key: 'unused', accountId: undefined });
    const [first, second] = await Promise.all([target.syncIdentity(joiner()), target.syncIdentity(joiner())]);
    const ids = [first.accountId, second.accountId].sort();
    await Promise.all(ids.map((accountId) => target.manageRelationships({ key: 'unused', accountId, add: [name], remove: [] })));
    expect(await membersOf(app, groupId)).toEqual(ids);
    await Promise.all(ids.map((accountId) => target.manageRelationships({ key: 'unused', accountId, add: [], remove: [name] })));
    expect(await membersOf(app, groupId)).toEqual([]);
  });
});

describe('the SCIM target against an app without PATCH but with ETags (scim2-server refusing a stale If-Match with 412)', () => {
  let app: App;

  beforeAll(async () => {
    app = await startScim2Server({ serviceProviderConfig: withoutPatch(true) });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('two workers putting a joiner each into one group at once: the one refused reads and writes again, and both are members', async () => {
    // Each worker's PUT of the group waits until both have read it, so that both write on the same version.
    let reads = 0;
    let bothRead!: () => void;
    const read = new Promise<void>((resolve) => (bothRead = resolve));
    const putStatuses: number[] = [];
    const worker = (): Target =>
      scimTarget('versioned', { url: app.url, credentials: { bearerToken: app.token } }, {
        async fetch(input, init) {
          const onGroup = /\/Groups\/[^/]+$/.test(new URL(String(input)).pathname);
          if (onGroup && init?.method === 'PUT') await Promise.race([read, sleep(3000)]);
          const response = await fetch(input, init);
          if (onGroup && (init?.method ?? 'GET') === 'GET' && ++reads === 2) bothRead();
          if (onGroup && init?.method === 'PUT') putStatuses.push(response.status);
          return response;
        },
      });
    const setup = worker();
    const { groupId } = await setup.createEntitlement({ name: 'versioned-group', assign: false, key: 'unused', accountId: undefined });
    const ids = (await Promise.all([setup.syncIdentity(joiner()), setup.syncIdentity(joiner())])).map((synced) => synced.accountId).sort();
    await Promise.all(ids.map((accountId) => worker().manageRelationships({ key: 'unused', accountId, add: ['versioned-group'], remove: [] })));
    expect(putStatuses.sort()).toEqual([200, 200, 412]);
    expect(await membersOf(app, groupId)).toEqual(ids);
  });
});

describe('the SCIM target against an app without groups (scim2-server serving only the User resource type)', () => {
  let app: App;
  let target: Target;

  beforeAll(async () => {
    app = await startScim2Server({ groups: false });
    target = scimTarget('opshelm', { url: app.url, credentials: { bearerToken: app.token } });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('fails every group operation for good, naming the target', async () => {
    expect(await target.capabilities()).toEqual({ patch: true, groups: false });
    const { accountId } = await target.syncIdentity(joiner());
    for (const attempt of [
      () => target.manageRelationships({ key: 'unused', accountId, add: ['dept-Sales'], remove: [] }),
      () => target.createEntitlement({ name: 'dept-Sales', assign: true, key: 'unused', accountId }),
    ]) {
      const failed = await failure(attempt());
      expect(failed.nonRetryable).toBe(true);
      expect(failed.message).toBe('opshelm has no groups: its /ResourceTypes serves no Group');
    }
  });

  it('still deprovisions: there are no memberships to remove', async () => {
    const { accountId } = await target.syncIdentity(joiner());
    expect(await target.groupsToRemove({ key: 'unused', accountId })).toEqual([]);
    expect(await target.deprovisionIdentity({ key: 'unused', accountId, mode: 'deactivate', revokeSessions: true, removeGroups: true, keepAttributes: true })).toEqual({ status: 'inactive', removedGroups: [] });
  });
});
