import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import okta from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySeed } from '../../src/emulator/okta/seed.ts';
import { startOktaEmulator } from '../../src/emulator/okta/server.ts';
import { createOktaClient, type OktaClient } from '../../src/okta/client.ts';
import { TOKEN, collect, newProfile, rawRequest, useOktaEmulator } from './okta-fixture.ts';
import { oktaManagementContract, type ObservedResponse } from './openapi-contract.ts';

/**
 * Every operation the emulator implements, driven through the real SDK (or, where the SDK cannot
 * make the call, its raw HTTP helper), with every answer checked against Okta's OpenAPI
 * description: the status must be one the operation declares and the body must match its schema.
 */

const env = useOktaEmulator();
const contract = oktaManagementContract();

interface Exchange extends ObservedResponse {
  method: string;
  url: URL;
}

/** The parts of node-fetch's Response the recorder reads (the SDK's types name node-fetch, which is not installed). */
interface FetchResponse {
  url: string;
  status: number;
  headers: { get(name: string): string | null };
  clone(): { text(): Promise<string> };
}

/**
 * Records what an SDK client sends and gets back, bodies included, through the events its request
 * executor emits for every request and response. Each response is cloned as it is announced,
 * before the SDK reads it, so the SDK still gets the body untouched. Calls in this file are made one
 * at a time, so each response answers the oldest request still open.
 */
class ExchangeRecorder {
  private readonly open: string[] = [];
  private readonly exchanges: Array<Promise<Exchange>> = [];

  constructor(client: OktaClient) {
    client.requestExecutor.on('request', (request: { method?: string }) => {
      this.open.push((request.method ?? 'GET').toUpperCase());
    });
    client.requestExecutor.on('response', (response: FetchResponse) => {
      const method = this.open.shift() ?? 'UNKNOWN';
      const { url, status } = response;
      const contentType = response.headers.get('content-type');
      this.exchanges.push(response.clone().text().then((body) => ({ method, url: new URL(url), status, contentType, body })));
    });
  }

  /** Runs `call` and returns how it ended together with the exchanges it made. */
  async during<T>(call: () => Promise<T>): Promise<{ value?: T; error?: unknown; exchanges: Exchange[] }> {
    const first = this.exchanges.length;
    const outcome = await call().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    return { ...outcome, exchanges: await Promise.all(this.exchanges.slice(first)) };
  }
}

let recorder: ExchangeRecorder;
beforeAll(() => {
  recorder = new ExchangeRecorder(env.client);
});

/**
 * Makes `call`, then checks that each of its requests was a call of `operationId`, that the last
 * answer had `status` and that every answer conforms to the spec.
 */
async function checkedCall<T>(operationId: string, status: number, call: () => Promise<T>, using = recorder) {
  const operation = contract.operation(operationId);
  const { value, error, exchanges } = await using.during(call);
  expect(exchanges.length, `${operation} made no request${error ? `: ${String(error)}` : ''}`).toBeGreaterThan(0);
  for (const exchange of exchanges) {
    const { method, url } = exchange;
    expect(operation.matches(method, url.pathname), `${method} ${url.pathname} is not ${operation}`).toBe(true);
  }
  const last = exchanges.at(-1)!;
  expect(last.status, `${operation} answered ${last.status} ${last.body}`).toBe(status);
  for (const exchange of exchanges) contract.assertConforms(operationId, exchange);
  return { value, error, exchanges };
}

/** A call that must succeed with `status`; returns what the SDK made of the answer. */
async function conforms<T>(operationId: string, status: number, call: () => Promise<T>): Promise<T> {
  const { value, error } = await checkedCall(operationId, status, call);
  if (error !== undefined) throw error;
  return value as T;
}

/** A list that must take the SDK more than one page to collect; returns the items of every page. */
async function conformsPaged<T>(operationId: string, list: () => Promise<T[]>): Promise<T[]> {
  const { value, error, exchanges } = await checkedCall(operationId, 200, list);
  if (error !== undefined) throw error;
  expect(exchanges.length, `${operationId} answered in a single page`).toBeGreaterThan(1);
  return value!;
}

/** A call that Okta must refuse with `status` and an Error body. */
async function refusedWith(operationId: string, status: number, call: () => Promise<unknown>, using = recorder): Promise<void> {
  const { error } = await checkedCall(operationId, status, call, using);
  expect(error).toBeInstanceOf(okta.OktaApiError);
}

const PASSWORD = 'Tr0ub4dor&3-contract';

async function newUser(options: { activate?: boolean; password?: boolean } = {}) {
  const profile = newProfile();
  const body = options.password ? { profile, credentials: { password: { value: PASSWORD } } } : { profile };
  return env.client.userApi.createUser({ body, activate: options.activate ?? true });
}

async function newGroup(name: string) {
  return env.client.groupApi.createGroup({ group: { profile: { name, description: `The ${name} group` } } });
}

const UNKNOWN_USER = '00uUnknownUser0000000';
const UNKNOWN_GROUP = '00gUnknownGroup000000';

describe('the contract harness', () => {
  const user = {
    id: '00u1',
    status: 'ACTIVE',
    created: '2024-01-01T00:00:00.000Z',
    lastUpdated: '2024-01-01T00:00:00.000Z',
    profile: { login: 'a@example.com', email: 'a@example.com', firstName: 'A', lastName: 'B', mobilePhone: null },
    credentials: { password: {}, provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: 'https://example.okta.com/api/v1/users/00u1' } },
  };
  const answer = (status: number, body: unknown): ObservedResponse => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify(body),
  });

  it('accepts a user as Okta shows one, with nulls where the spec allows them and properties it does not list', () => {
    expect(contract.problems('getUser', answer(200, { ...user, activated: null, realmId: 'guo1', extra: 1 }))).toEqual([]);
  });

  it('names the operation, the instance path and the problem', () => {
    const body = { ...user, status: 'FROZEN', created: 5, _links: { self: {} } };
    expect(() => contract.assertConforms('getUser', answer(200, body))).toThrow(
      [
        'getUser (GET /api/v1/users/{userId}) answered 200, which does not conform to management.yaml' +
          ' (body checked against #/components/schemas/UserGetSingleton for 200):',
        '  - /created: must be string, got 5',
        '  - /status: must be equal to one of the allowed values ["ACTIVE","DEPROVISIONED","LOCKED_OUT","PASSWORD_EXPIRED","PROVISIONED","RECOVERY","STAGED","SUSPENDED"], got "FROZEN"',
        "  - /_links/self: must have required property 'href'",
      ].join('\n'),
    );
  });

  it('refuses null where the spec does not allow it, and a date that is not one', () => {
    expect(contract.problems('getUser', answer(200, { ...user, created: null, lastUpdated: 'yesterday' }))).toEqual([
      '/created: must be string, got null',
      '/lastUpdated: must match format "date-time", got "yesterday"',
    ]);
  });

  it('refuses a write-only value, such as a password, in an answer', () => {
    const leaky = { ...user, credentials: { password: { value: 'hunter2' } } };
    expect(contract.problems('getUser', answer(200, leaky))).toContain(
      '/credentials/password/value: is writeOnly and must not appear in a response',
    );
  });

  it('refuses a status the operation does not declare, and a body a 204 must not have', () => {
    expect(contract.problems('listUsers', answer(404, {}))).toEqual(['status 404 is not declared (declared: 200, 403, 429)']);
    expect(contract.problems('deleteUser', { status: 204, body: '{}' })).toEqual(['a 204 answer must have no body']);
    expect(contract.problems({ method: 'delete', path: '/api/v1/users/{userId}' }, { status: 204, body: '' })).toEqual([]);
  });

  it('refuses an answer that is not JSON where the spec declares JSON', () => {
    expect(contract.problems('getUser', { status: 200, contentType: 'text/html', body: '<h1>Okta</h1>' })).toEqual([
      'Content-Type is text/html, the spec declares application/json',
      'body is not JSON: "<h1>Okta</h1>"',
    ]);
  });

  it('takes a 401 as declared by the security scheme of a token-secured operation', () => {
    expect(contract.problems('listUsers', answer(401, { errorCode: 'E0000011', errorCauses: [] }))).toEqual([]);
    expect(contract.problems('listUsers', answer(401, { errorCode: 'E0000011', errorCauses: 'none' }))).toContain(
      '/errorCauses: must be array, got "none"',
    );
  });

  it('applies the schema a discriminator maps the value to', () => {
    const bookmark = { name: 'bookmark', label: 'Wiki', signOnMode: 'BOOKMARK', settings: { app: { url: 42 } } };
    expect(contract.problems('getApplication', answer(200, bookmark))).toContain('/settings/app/url: must be string, got 42');
  });

  it('corrects the documented defects of the spec', () => {
    expect(contract.problems('expirePasswordAndGetTemporaryPassword', answer(200, { tempPassword: 'x' }))).toEqual([]);
    expect(contract.problems('listUsers', answer(400, { errorCode: 'E0000031' }))).toEqual([]);
    const event = { uuid: 'e1', legacyEventType: null, outcome: { result: 'SUCCESS', reason: null }, transaction: { detail: null } };
    expect(contract.problems('listLogEvents', answer(200, [event]))).toEqual([]);
    expect(contract.problems('listLogEvents', answer(200, [{ ...event, outcome: { result: 'MAYBE' } }]))[0]).toMatch(
      /^\/0\/outcome\/result: must be equal to one of the allowed values/,
    );
  });
});

describe('users', () => {
  it('createUser: staged, activated without a password, activated with one, and refused without a login', async () => {
    const staged = await conforms('createUser', 200, () => newUser({ activate: false }));
    expect(staged.status).toBe('STAGED');
    const provisioned = await conforms('createUser', 200, () => newUser());
    expect(provisioned.status).toBe('PROVISIONED');
    const active = await conforms('createUser', 200, () => newUser({ password: true }));
    expect(active.status).toBe('ACTIVE');
    const withQuestion = await conforms('createUser', 200, () =>
      env.client.userApi.createUser({
        body: {
          profile: newProfile(),
          credentials: { password: { value: PASSWORD }, recovery_question: { question: 'Favourite colour?', answer: 'Turquoise' } },
        },
      }),
    );
    expect(withQuestion.credentials?.recovery_question?.question).toBe('Favourite colour?');
    await refusedWith('createUser', 400, () =>
      env.client.userApi.createUser({ body: { profile: { firstName: 'No', lastName: 'Login' } as never } }),
    );
  });

  it('getUser: by id and by login, and 404 for nobody', async () => {
    const user = await newUser({ password: true });
    await conforms('getUser', 200, () => env.client.userApi.getUser({ userId: user.id! }));
    await conforms('getUser', 200, () => env.client.userApi.getUser({ userId: user.profile!.login! }));
    await refusedWith('getUser', 404, () => env.client.userApi.getUser({ userId: UNKNOWN_USER }));
  });

  it('listUsers: all, by filter, search and q, page by page, and 400 for a malformed search', async () => {
    const users = await Promise.all([newUser(), newUser({ password: true }), newUser({ activate: false })]);
    const [first] = users;
    const all = await conformsPaged('listUsers', () => collect(env.client.userApi.listUsers({ limit: 2 })));
    expect(all.length).toBeGreaterThanOrEqual(users.length);
    await conforms('listUsers', 200, () => collect(env.client.userApi.listUsers({ filter: 'status eq "STAGED"' })));
    const searched = await conforms('listUsers', 200, () =>
      collect(env.client.userApi.listUsers({ search: `profile.login eq "${first.profile!.login}"` })),
    );
    expect(searched.map((user) => user.id)).toEqual([first.id]);
    await conforms('listUsers', 200, () => collect(env.client.userApi.listUsers({ q: first.profile!.firstName! })));
    await refusedWith('listUsers', 400, () => collect(env.client.userApi.listUsers({ search: 'profile.login eq' })));
  });

  it('updateUser (partial, POST) and replaceUser (PUT), and 404 and 400 for what Okta refuses', async () => {
    const user = await newUser({ password: true });
    const updated = await conforms('updateUser', 200, () =>
      env.client.userApi.updateUser({ userId: user.id!, user: { profile: { nickName: 'Ace' } } }),
    );
    expect(updated.profile?.nickName).toBe('Ace');
    await refusedWith('updateUser', 404, () =>
      env.client.userApi.updateUser({ userId: UNKNOWN_USER, user: { profile: { nickName: 'Nobody' } } }),
    );
    const replaced = await conforms('replaceUser', 200, () =>
      env.client.userApi.replaceUser({ userId: user.id!, user: { profile: { ...user.profile, title: 'Engineer' } } }),
    );
    expect(replaced.profile?.title).toBe('Engineer');
    await refusedWith('replaceUser', 400, () =>
      env.client.userApi.replaceUser({ userId: user.id!, user: { profile: { firstName: 'Only' } } }),
    );
  });

  it('deleteUser: deactivates, then deletes, then finds nobody', async () => {
    const user = await newUser({ password: true });
    await conforms('deleteUser', 204, () => env.client.userApi.deleteUser({ userId: user.id! }));
    await conforms('deleteUser', 204, () => env.client.userApi.deleteUser({ userId: user.id! }));
    await refusedWith('deleteUser', 404, () => env.client.userApi.deleteUser({ userId: user.id! }));
  });
});

describe('refusals any operation can answer', () => {
  it('refuses a wrong token with a 401 Error', async () => {
    const intruder = createOktaClient({ orgUrl: env.emulator.url, token: `${TOKEN}-wrong` });
    const intruderRecorder = new ExchangeRecorder(intruder);
    await refusedWith('listUsers', 401, () => collect(intruder.userApi.listUsers()), intruderRecorder);
  });

  it('throttles with a 429 Error', async () => {
    // A clock that stands still keeps both calls in one rate-limit window.
    const frozen = Date.parse('2026-01-01T00:00:30Z');
    const throttled = await startOktaEmulator({ token: TOKEN, port: 0, rateLimits: { limits: { user: 1 } }, now: () => frozen });
    try {
      // The SDK's default request executor would wait for the window to end and retry; the plain one hands the 429 over.
      const requestExecutor = new okta.RequestExecutor();
      const client = new okta.Client({ orgUrl: throttled.url, token: TOKEN, cacheMiddleware: null, requestExecutor });
      const throttledRecorder = new ExchangeRecorder(client);
      await refusedWith('getUser', 404, () => client.userApi.getUser({ userId: UNKNOWN_USER }), throttledRecorder);
      await refusedWith('getUser', 429, () => client.userApi.getUser({ userId: UNKNOWN_USER }), throttledRecorder);
    } finally {
      await throttled.close();
    }
  });
});

describe('user lifecycle', () => {
  it('activateUser: answers a token when no email is sent, and 403 for an active user', async () => {
    const user = await newUser({ activate: false });
    const token = await conforms('activateUser', 200, () => env.client.userApi.activateUser({ userId: user.id!, sendEmail: false }));
    expect(token.activationToken).toBeTruthy();
    await refusedWith('activateUser', 403, () => env.client.userApi.activateUser({ userId: user.id!, sendEmail: false }));
  });

  it('reactivateUser: restarts an unfinished activation, and refuses an active user', async () => {
    const provisioned = await newUser();
    await conforms('reactivateUser', 200, () => env.client.userApi.reactivateUser({ userId: provisioned.id!, sendEmail: false }));
    const active = await newUser({ password: true });
    await refusedWith('reactivateUser', 403, () => env.client.userApi.reactivateUser({ userId: active.id! }));
  });

  it('deactivateUser, and 404 for nobody', async () => {
    const user = await newUser({ password: true });
    await conforms('deactivateUser', 200, () => env.client.userApi.deactivateUser({ userId: user.id! }));
    await refusedWith('deactivateUser', 404, () => env.client.userApi.deactivateUser({ userId: UNKNOWN_USER }));
  });

  it('suspendUser and unsuspendUser, and 400 when the status does not allow them', async () => {
    const user = await newUser({ password: true });
    await conforms('suspendUser', 200, () => env.client.userApi.suspendUser({ userId: user.id! }));
    await refusedWith('suspendUser', 400, () => env.client.userApi.suspendUser({ userId: user.id! }));
    await conforms('unsuspendUser', 200, () => env.client.userApi.unsuspendUser({ userId: user.id! }));
    await refusedWith('unsuspendUser', 400, () => env.client.userApi.unsuspendUser({ userId: user.id! }));
  });

  it('unlockUser: unlocks a locked-out user, refused with 403 for one who is not, 404 for nobody', async () => {
    // No API locks a user out; a seed can start one there.
    const lockedOut = newProfile();
    applySeed(env.emulator.store, { users: [{ profile: lockedOut, status: 'LOCKED_OUT' }] });
    await conforms('unlockUser', 200, () => env.client.userApi.unlockUser({ userId: lockedOut.login }));
    const user = await newUser({ password: true });
    await refusedWith('unlockUser', 403, () => env.client.userApi.unlockUser({ userId: user.id! }));
    await refusedWith('unlockUser', 404, () => env.client.userApi.unlockUser({ userId: UNKNOWN_USER }));
  });

  it('expirePassword answers the user, and 403 for a user without a password', async () => {
    const user = await newUser({ password: true });
    const expired = await conforms('expirePassword', 200, () => env.client.userApi.expirePassword({ userId: user.id! }));
    expect(expired.status).toBe('PASSWORD_EXPIRED');
    const staged = await newUser({ activate: false });
    await refusedWith('expirePassword', 403, () => env.client.userApi.expirePassword({ userId: staged.id! }));
  });

  // The SDK reads this answer as a User and loses the password (shared/okta/README.md), so the call goes raw.
  it('expirePasswordAndGetTemporaryPassword answers the temporary password, and 404 for nobody', async () => {
    const user = await newUser({ password: true });
    const path = (userId: string) => `/api/v1/users/${userId}/lifecycle/expire_password_with_temp_password`;
    const response = await conforms('expirePasswordAndGetTemporaryPassword', 200, () =>
      rawRequest(env, path(user.id!), { method: 'POST' }),
    );
    expect(await response.json()).toEqual({ tempPassword: expect.any(String) });
    await refusedWith('expirePasswordAndGetTemporaryPassword', 404, () => rawRequest(env, path(UNKNOWN_USER), { method: 'POST' }));
  });

  it('generateResetPasswordToken answers the reset link when no email is sent, and 403 for a staged user', async () => {
    const user = await newUser({ password: true });
    const token = await conforms('generateResetPasswordToken', 200, () =>
      env.client.userApi.generateResetPasswordToken({ userId: user.id!, sendEmail: false }),
    );
    expect(token.resetPasswordUrl).toBeTruthy();
    const staged = await newUser({ activate: false });
    await refusedWith('generateResetPasswordToken', 403, () =>
      env.client.userApi.generateResetPasswordToken({ userId: staged.id!, sendEmail: false }),
    );
  });
});

describe('user sessions and groups', () => {
  it('revokeUserSessions, and 404 for nobody', async () => {
    const user = await newUser({ password: true });
    await conforms('revokeUserSessions', 204, () => env.client.userApi.revokeUserSessions({ userId: user.id! }));
    await refusedWith('revokeUserSessions', 404, () => env.client.userApi.revokeUserSessions({ userId: UNKNOWN_USER }));
  });

  it("listUserGroups, and 404 for nobody's", async () => {
    const user = await newUser({ password: true });
    const groups = await conforms('listUserGroups', 200, () => collect(env.client.userApi.listUserGroups({ userId: user.id! })));
    expect(groups.map((group) => group.profile?.name)).toContain('Everyone');
    await refusedWith('listUserGroups', 404, () => collect(env.client.userApi.listUserGroups({ userId: UNKNOWN_USER })));
  });
});

describe('groups', () => {
  it('createGroup, and 400 for a name in use', async () => {
    await conforms('createGroup', 200, () => newGroup('Contract Create'));
    await refusedWith('createGroup', 400, () => newGroup('Contract Create'));
  });

  it('getGroup, and 404 for no group', async () => {
    const group = await newGroup('Contract Get');
    await conforms('getGroup', 200, () => env.client.groupApi.getGroup({ groupId: group.id! }));
    await refusedWith('getGroup', 404, () => env.client.groupApi.getGroup({ groupId: UNKNOWN_GROUP }));
  });

  it('listGroups: all, by q and by filter, and 400 for a malformed filter', async () => {
    const group = await newGroup('Contract List');
    await conformsPaged('listGroups', () => collect(env.client.groupApi.listGroups({ limit: 1 })));
    const found = await conforms('listGroups', 200, () => collect(env.client.groupApi.listGroups({ q: 'Contract List' })));
    expect(found.map((each) => each.id)).toEqual([group.id]);
    await conforms('listGroups', 200, () => collect(env.client.groupApi.listGroups({ filter: 'type eq "OKTA_GROUP"' })));
    await refusedWith('listGroups', 400, () => collect(env.client.groupApi.listGroups({ filter: 'type eq' })));
  });

  it('replaceGroup, and 404 for no group', async () => {
    const group = await newGroup('Contract Replace');
    const replaced = await conforms('replaceGroup', 200, () =>
      env.client.groupApi.replaceGroup({ groupId: group.id!, group: { profile: { name: 'Contract Replaced', description: 'New' } } }),
    );
    expect(replaced.profile?.name).toBe('Contract Replaced');
    await refusedWith('replaceGroup', 404, () =>
      env.client.groupApi.replaceGroup({ groupId: UNKNOWN_GROUP, group: { profile: { name: 'Nowhere' } } }),
    );
  });

  it('deleteGroup, and 404 once it is gone', async () => {
    const group = await newGroup('Contract Delete');
    await conforms('deleteGroup', 204, () => env.client.groupApi.deleteGroup({ groupId: group.id! }));
    await refusedWith('deleteGroup', 404, () => env.client.groupApi.deleteGroup({ groupId: group.id! }));
  });

  it('assignUserToGroup, listGroupUsers and unassignUserFromGroup, and 404 for an unknown member', async () => {
    const group = await newGroup('Contract Members');
    const members = [await newUser({ password: true }), await newUser()];
    for (const member of members) {
      await conforms('assignUserToGroup', 204, () => env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: member.id! }));
    }
    await refusedWith('assignUserToGroup', 404, () =>
      env.client.groupApi.assignUserToGroup({ groupId: group.id!, userId: UNKNOWN_USER }),
    );
    const listed = await conformsPaged('listGroupUsers', () =>
      collect(env.client.groupApi.listGroupUsers({ groupId: group.id!, limit: 1 })),
    );
    expect(listed.map((user) => user.id)).toEqual(members.map((member) => member.id));
    await refusedWith('listGroupUsers', 404, () => collect(env.client.groupApi.listGroupUsers({ groupId: UNKNOWN_GROUP })));
    await conforms('unassignUserFromGroup', 204, () =>
      env.client.groupApi.unassignUserFromGroup({ groupId: group.id!, userId: members[0]!.id! }),
    );
    await refusedWith('unassignUserFromGroup', 404, () =>
      env.client.groupApi.unassignUserFromGroup({ groupId: UNKNOWN_GROUP, userId: members[0]!.id! }),
    );
  });
});

describe('System Log', () => {
  it('listLogEvents: the events of the changes above, page by page, and 400 for a malformed filter', async () => {
    const user = await newUser({ password: true });
    await env.client.userApi.suspendUser({ userId: user.id! });
    // A query without `until` is a poll, which always links to a next page; bounded, the pages end.
    const since = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 1).toISOString();
    await conformsPaged('listLogEvents', () => collect(env.client.systemLogApi.listLogEvents({ since, until, limit: 2 })));
    const about = await conforms('listLogEvents', 200, () =>
      collect(env.client.systemLogApi.listLogEvents({ since, until, filter: `target.id eq "${user.id}"` })),
    );
    expect(about.map((event) => event.eventType)).toContain('user.lifecycle.suspend');
    await refusedWith('listLogEvents', 400, () => collect(env.client.systemLogApi.listLogEvents({ filter: 'eventType eq' })));
  });

  it("listLogEvents: each event carries Okta's authenticationContext, securityContext and request.ipChain", async () => {
    const user = await newUser();
    const since = new Date(Date.now() - 60_000).toISOString();
    const [event] = await conforms('listLogEvents', 200, () =>
      collect(env.client.systemLogApi.listLogEvents({ since, until: new Date(Date.now() + 1).toISOString(), filter: `target.id eq "${user.id}"` })),
    );
    expect(event).toMatchObject({
      authenticationContext: { authenticationStep: 0, externalSessionId: 'unknown' },
      securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
      request: { ipChain: [{ ip: '127.0.0.1', version: 'V4' }] },
    });
  });
});

describe('the org and its user profile schema', () => {
  it("getUser: me is the API token's super admin", async () => {
    const me = await conforms('getUser', 200, () => env.client.userApi.getUser({ userId: 'me' }));
    expect(me.profile?.login).toBe('admin@emulator.okta.local');
  });

  it('getUserSchema, and 404 for a schema the org does not have', async () => {
    await conforms('getUserSchema', 200, () => env.client.schemaApi.getUserSchema({ schemaId: 'default' }));
    await refusedWith('getUserSchema', 404, () => env.client.schemaApi.getUserSchema({ schemaId: 'oscNoSuchType' }));
  });

  it('updateUserProfile adds a custom attribute, and 400 for one without a type', async () => {
    const custom = (properties: Record<string, unknown>) => ({
      schemaId: 'default',
      userSchema: { definitions: { custom: { id: '#custom', type: 'object', properties: properties as never } } },
    });
    await conforms('updateUserProfile', 200, () =>
      env.client.schemaApi.updateUserProfile(custom({ contractNote: { title: 'Contract note', type: 'string' } })),
    );
    await refusedWith('updateUserProfile', 400, () => env.client.schemaApi.updateUserProfile(custom({ untyped: { title: 'Untyped' } })));
  });
});

describe('user credentials and factors', () => {
  it('changePassword, and 403 for a wrong old password', async () => {
    const user = await newUser({ password: true });
    await conforms('changePassword', 200, () =>
      env.client.userApi.changePassword({ userId: user.id!, changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: `${PASSWORD}-new` } } }),
    );
    await refusedWith('changePassword', 403, () =>
      env.client.userApi.changePassword({ userId: user.id!, changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: `${PASSWORD}-2` } } }),
    );
  });

  it('forgotPassword answers the reset link, and 403 for a user without a recovery question', async () => {
    const withQuestion = await env.client.userApi.createUser({
      body: { profile: newProfile(), credentials: { password: { value: PASSWORD }, recovery_question: { question: 'Colour?', answer: 'Ultramarine' } } },
    });
    await conforms('forgotPassword', 200, () => env.client.userApi.forgotPassword({ userId: withQuestion.id!, sendEmail: false }));
    const without = await newUser({ password: true });
    await refusedWith('forgotPassword', 403, () => env.client.userApi.forgotPassword({ userId: without.id!, sendEmail: false }));
  });

  it('enrollFactor, listFactors and resetFactors, and 404 for nobody', async () => {
    const user = await newUser({ password: true });
    await conforms('enrollFactor', 200, () =>
      env.client.userFactorApi.enrollFactor({ userId: user.id!, body: { factorType: 'email', provider: 'OKTA', profile: { email: user.profile!.email } }, activate: true }),
    );
    const listed = await conforms('listFactors', 200, () => collect(env.client.userFactorApi.listFactors({ userId: user.id! })));
    expect(listed).toHaveLength(1);
    await conforms('resetFactors', 200, () => env.client.userApi.resetFactors({ userId: user.id! }));
    await refusedWith('listFactors', 404, () => collect(env.client.userFactorApi.listFactors({ userId: '00uNobodyAtAll' })));
    await refusedWith('resetFactors', 404, () => env.client.userApi.resetFactors({ userId: '00uNobodyAtAll' }));
  });
});

/** A hook endpoint that passes Okta's one-time verification and accepts deliveries. */
async function startHookReceiver(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const challenge = request.headers['x-okta-verification-challenge'];
    response.setHeader('content-type', 'application/json');
    response.end(typeof challenge === 'string' ? JSON.stringify({ verification: challenge }) : '{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/okta/events`, server };
}

describe('event hooks', () => {
  let receiver: { url: string; server: Server };
  beforeAll(async () => {
    receiver = await startHookReceiver();
  });
  afterAll(() => {
    receiver.server.close();
  });

  const UNKNOWN_HOOK = 'whoUnknownHook0000000';
  const hookBody = (name: string) => ({
    name,
    events: { type: 'EVENT_TYPE' as const, items: ['user.lifecycle.create', 'user.lifecycle.deactivate'] },
    channel: {
      type: 'HTTP' as const,
      version: '1.0.0',
      config: {
        uri: receiver.url,
        headers: [{ key: 'X-Source', value: 'okta-contract' }],
        authScheme: { type: 'HEADER' as const, key: 'Authorization', value: 'hook-secret' },
      },
    },
  });

  it('createEventHook, and 400 without a channel', async () => {
    const hook = await conforms('createEventHook', 200, () =>
      env.client.eventHookApi.createEventHook({ eventHook: hookBody('Contract create') }),
    );
    expect(hook.status).toBe('ACTIVE');
    await refusedWith('createEventHook', 400, () =>
      env.client.eventHookApi.createEventHook({ eventHook: { ...hookBody('Contract no channel'), channel: undefined as never } }),
    );
  });

  it('getEventHook and listEventHooks, and 404 for no hook', async () => {
    const hook = await env.client.eventHookApi.createEventHook({ eventHook: hookBody('Contract get') });
    await conforms('getEventHook', 200, () => env.client.eventHookApi.getEventHook({ eventHookId: hook.id! }));
    const hooks = await conforms('listEventHooks', 200, () => collect(env.client.eventHookApi.listEventHooks()));
    expect(hooks.map((each) => each.id)).toContain(hook.id);
    await refusedWith('getEventHook', 404, () => env.client.eventHookApi.getEventHook({ eventHookId: UNKNOWN_HOOK }));
  });

  it('replaceEventHook, and 404 for no hook', async () => {
    const hook = await env.client.eventHookApi.createEventHook({ eventHook: hookBody('Contract replace') });
    const replaced = await conforms('replaceEventHook', 200, () =>
      env.client.eventHookApi.replaceEventHook({ eventHookId: hook.id!, eventHook: hookBody('Contract replaced') }),
    );
    expect(replaced.name).toBe('Contract replaced');
    await refusedWith('replaceEventHook', 404, () =>
      env.client.eventHookApi.replaceEventHook({ eventHookId: UNKNOWN_HOOK, eventHook: hookBody('Nowhere') }),
    );
  });

  it('deactivateEventHook, activateEventHook and verifyEventHook, and 404 for no hook', async () => {
    const hook = await env.client.eventHookApi.createEventHook({ eventHook: hookBody('Contract lifecycle') });
    const eventHookId = hook.id!;
    const inactive = await conforms('deactivateEventHook', 200, () => env.client.eventHookApi.deactivateEventHook({ eventHookId }));
    expect(inactive.status).toBe('INACTIVE');
    const active = await conforms('activateEventHook', 200, () => env.client.eventHookApi.activateEventHook({ eventHookId }));
    expect(active.status).toBe('ACTIVE');
    const verified = await conforms('verifyEventHook', 200, () => env.client.eventHookApi.verifyEventHook({ eventHookId }));
    expect(verified.verificationStatus).toBe('VERIFIED');
    await refusedWith('activateEventHook', 404, () => env.client.eventHookApi.activateEventHook({ eventHookId: UNKNOWN_HOOK }));
    await refusedWith('deactivateEventHook', 404, () => env.client.eventHookApi.deactivateEventHook({ eventHookId: UNKNOWN_HOOK }));
    await refusedWith('verifyEventHook', 404, () => env.client.eventHookApi.verifyEventHook({ eventHookId: UNKNOWN_HOOK }));
  });

  it('deleteEventHook once it is inactive, and 404 once it is gone', async () => {
    const hook = await env.client.eventHookApi.createEventHook({ eventHook: hookBody('Contract delete') });
    await env.client.eventHookApi.deactivateEventHook({ eventHookId: hook.id! });
    await conforms('deleteEventHook', 204, () => env.client.eventHookApi.deleteEventHook({ eventHookId: hook.id! }));
    await refusedWith('deleteEventHook', 404, () => env.client.eventHookApi.deleteEventHook({ eventHookId: hook.id! }));
  });
});
