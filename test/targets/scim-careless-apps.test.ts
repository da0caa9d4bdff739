import { ApplicationFailureCategory } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scimTarget } from '../../src/targets/scim/scim-target.ts';
import type { SyncIdentityInput } from '../../src/targets/target.ts';
import { json, startStub, type StubServer } from './scim-stub.ts';
import { targetFailure } from './target-failure.ts';

/**
 * The SCIM target against an application that does not do as asked, as real ones do: it ignores
 * the filter of a list (answering every resource), and it may accept a PUT of a group without
 * keeping it. The stub holds a few resources in memory; what is asserted is which account the
 * target acted on, and what it reports.
 */

interface Resource {
  id: string;
  [attribute: string]: unknown;
}

let users: Resource[];
let groups: Resource[];
/** true: a PUT of a group is answered 200 and not kept. */
let droppingGroupPuts: boolean;
let stub: StubServer;

const list = (resources: Resource[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: resources.length, startIndex: 1, Resources: resources });

beforeAll(async () => {
  stub = await startStub((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://stub');
    const [, collection, id] = pathname.split('/');
    const held = collection === 'Users' ? users : collection === 'Groups' ? groups : undefined;
    // No discovery endpoints: taken as no PATCH, no ETags, groups assumed.
    if (!held) return json(response, 404, undefined);
    const found = held.find((resource) => resource.id === id);
    if (request.method === 'GET') {
      // The filter (and any attributes asked) are ignored: every resource comes back.
      if (id === undefined) return json(response, 200, list(held));
      return found ? json(response, 200, found) : json(response, 404, undefined);
    }
    if (request.method === 'POST') {
      const created = { ...JSON.parse(request.body), id: `${collection === 'Users' ? 'u' : 'g'}-new-${held.length}` };
      held.push(created);
      return json(response, 201, created);
    }
    if (request.method === 'PUT' && found) {
      if (!(collection === 'Groups' && droppingGroupPuts)) Object.assign(found, JSON.parse(request.body));
      return json(response, 200, found);
    }
    json(response, 404, undefined);
  });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
  droppingGroupPuts = false;
  users = [
    { id: 'u-other', userName: 'someone@example.com', externalId: 'E-OTHER', active: true },
    { id: 'u-mine', userName: 'mine@example.com', externalId: 'E-MINE', active: true },
  ];
  groups = [{ id: 'g-admins', displayName: 'admins', members: [{ value: 'u-other' }] }];
});

const target = () => scimTarget('careless', { url: stub.url, credentials: { bearerToken: 'stub-token' } });
const writes = () => stub.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`);

const joiner = (key: string, login: string): SyncIdentityInput => ({
  key,
  accountId: undefined,
  create: true,
  attributes: { login, title: 'Engineer' },
  fallbacks: {},
  createOnly: [],
  reactivate: false,
  restoreGroups: [],
});

describe('an app that ignores filters', () => {
  it('a joiner gets an account of its own, not the first one the app lists', async () => {
    const synced = await target().syncIdentity(joiner('E-NEW', 'new@example.com'));
    expect(synced).toMatchObject({ accountId: 'u-new-2', created: true });
    expect(writes()).toEqual(['POST /Users']);
    expect(users[0]).toEqual({ id: 'u-other', userName: 'someone@example.com', externalId: 'E-OTHER', active: true });
  });

  it('a namesake login found ignoring case is taken as the same login', async () => {
    const failed = await targetFailure(target().syncIdentity({ ...joiner('E-NEW', 'SOMEONE@example.com'), create: false }));
    expect(failed.message).toContain('belongs to another identity');
    expect(writes()).toEqual([]);
  });

  it('reads the account the key names, with only the groups that list it', async () => {
    expect(await target().readAccount({ key: 'E-MINE', accountId: undefined, attributes: ['login'] })).toEqual({
      accountId: 'u-mine',
      active: true,
      profile: { login: 'mine@example.com' },
      groups: [],
    });
    expect(await target().groupsToRemove({ key: 'E-MINE', accountId: 'u-mine' })).toEqual([]);
    expect(await target().groupsToRemove({ key: 'E-OTHER', accountId: 'u-other' })).toEqual(['admins']);
  });

  it('deprovisioning an identity that has no account there fails for good, and deactivates no one', async () => {
    const failed = await targetFailure(target().deprovisionIdentity({ key: 'E-NONE', accountId: undefined, mode: 'deactivate', revokeSessions: false, removeGroups: true, keepAttributes: true }));
    expect(failed).toMatchObject({ nonRetryable: true, type: 'NoAccount', message: "no account in careless carries this identity's key" });
    expect(writes()).toEqual([]);
  });

  it('a group asked by name is that group or none', async () => {
    const failed = await targetFailure(target().manageRelationships({ key: 'E-MINE', accountId: 'u-mine', add: ['ops'], remove: [] }));
    expect(failed.message).toBe('group "ops" does not exist in careless');
    expect(writes()).toEqual([]);
  });
});

describe('an app that accepts a PUT of a group without keeping it', () => {
  it('the membership is read back, and its absence is a retryable failure, quietly', async () => {
    droppingGroupPuts = true;
    const failed = await targetFailure(target().manageRelationships({ key: 'E-MINE', accountId: 'u-mine', add: ['admins'], remove: [] }));
    expect(failed).toMatchObject({ type: 'MembershipConflict', nonRetryable: false, category: ApplicationFailureCategory.BENIGN });
    expect(failed.message).toBe('group "admins" in careless did not keep the membership change (another writer may have put the group at the same time); it is made again');
    droppingGroupPuts = false;
    expect(await target().manageRelationships({ key: 'E-MINE', accountId: 'u-mine', add: ['admins'], remove: [] })).toEqual({ added: ['admins'], removed: [] });
    expect(groups[0]!.members).toEqual([{ value: 'u-other' }, { value: 'u-mine' }]);
  });
});
