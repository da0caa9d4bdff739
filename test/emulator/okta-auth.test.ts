import http from 'node:http';
import okta from '@okta/okta-sdk-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN_ACTOR } from '../../src/emulator/okta/auth.ts';
import { startOktaEmulator, type OktaEmulator } from '../../src/emulator/okta/server.ts';
import { createOktaClient } from '../../src/okta/client.ts';
import { expectOktaError, newProfile, TOKEN } from './okta-fixture.ts';
import { clientAssertion, newClientKey, oauthSdkClient, registration, requestToken, tokenForm } from './oauth-fixture.ts';

const ALL_SCOPES = [
  'okta.users.read',
  'okta.users.manage',
  'okta.groups.read',
  'okta.groups.manage',
  'okta.logs.read',
  'okta.eventHooks.read',
  'okta.eventHooks.manage',
];

const key = newClientKey();
const clients = {
  admin: registration('0oaAdminService00001', key, ALL_SCOPES, { name: 'Provisioning Service' }),
  reader: registration('0oaUserReader0000001', key, ['okta.users.read']),
  manager: registration('0oaUserManager000001', key, ['okta.users.manage']),
  groupReader: registration('0oaGroupReader000001', key, ['okta.groups.read']),
};

let emulator: OktaEmulator;

beforeAll(async () => {
  emulator = await startOktaEmulator({ token: TOKEN, oauthClients: Object.values(clients) });
});

afterAll(async () => {
  await emulator?.close();
});

/** An access token for a registered client, with all the scopes it was granted. */
async function accessTokenFor(client: (typeof clients)[keyof typeof clients]): Promise<string> {
  const tokenUrl = `${emulator.url}/oauth2/v1/token`;
  const { body } = await requestToken(emulator.url, tokenForm(clientAssertion(client.clientId, key, tokenUrl), client.scopes.join(' ')));
  return String(body.access_token);
}

function call(path: string, authorization: string | undefined, init: { method?: string; body?: unknown } = {}) {
  return fetch(`${emulator.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

const invalidToken = { status: 401, errorCode: 'E0000011', errorSummary: 'Invalid token provided' };

describe('credentials', () => {
  it('answers 401 E0000011 to a request without credentials, or with one it does not know', async () => {
    const stranger = await accessTokenFor(clients.reader);
    for (const authorization of [undefined, 'SSWS not-the-token', `Bearer ${TOKEN}`, 'Bearer unknown-access-token', `Basic ${TOKEN}`, 'SSWS']) {
      const response = await call('/api/v1/users', authorization);
      expect(response.status, String(authorization)).toBe(401);
      expect(await response.json()).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
    }
    // A live access token is fine as Bearer, but it is no API token.
    expect((await call('/api/v1/users', `Bearer ${stranger}`)).status).toBe(200);
    expect((await call('/api/v1/users', `SSWS ${stranger}`)).status).toBe(401);
  });

  it('names the refused access token in a WWW-Authenticate challenge', async () => {
    const response = await call('/api/v1/users', 'Bearer unknown-access-token');
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer authorization_uri="${emulator.url}/oauth2/v1/authorize", realm="${emulator.url}", scope="okta.users.read", ` +
        'error="invalid_token", error_description="The access token is invalid.", resource="/api/v1/users"',
    );
  });

  it('lets the SSWS token do anything', async () => {
    const client = createOktaClient({ orgUrl: emulator.url, token: TOKEN });
    const user = await client.userApi.createUser({ body: { profile: newProfile() } });
    const group = await client.groupApi.createGroup({ group: { profile: { name: `All-access ${Date.now()}` } } });
    await client.groupApi.assignUserToGroup({ groupId: group.id!, userId: user.id! });
    expect((await call('/api/v1/logs', `SSWS ${TOKEN}`)).status).toBe(200);
  });

  it('refuses a wrong SSWS token through the SDK', async () => {
    const intruder = createOktaClient({ orgUrl: emulator.url, token: `${TOKEN}-wrong` });
    await expectOktaError(intruder.userApi.listUsers().then((users) => users.next()), invalidToken);
  });
});

describe('scopes', () => {
  /** What each client may do, as Okta's scopes decide it: GET takes read or manage, a change takes manage. */
  const cases: Array<{ client: keyof typeof clients; method: string; path: string; body?: unknown; allowed: boolean }> = [
    { client: 'reader', method: 'GET', path: '/api/v1/users', allowed: true },
    { client: 'reader', method: 'GET', path: '/api/v1/users/nobody@example.com', allowed: true },
    { client: 'reader', method: 'POST', path: '/api/v1/users', body: { profile: newProfile() }, allowed: false },
    { client: 'reader', method: 'POST', path: '/api/v1/users/someone/lifecycle/suspend', allowed: false },
    { client: 'reader', method: 'DELETE', path: '/api/v1/users/someone', allowed: false },
    { client: 'reader', method: 'GET', path: '/api/v1/groups', allowed: false },
    { client: 'reader', method: 'GET', path: '/api/v1/logs', allowed: false },
    { client: 'reader', method: 'GET', path: '/api/v1/eventHooks', allowed: false },
    { client: 'manager', method: 'GET', path: '/api/v1/users', allowed: true },
    { client: 'manager', method: 'POST', path: '/api/v1/users', body: { profile: newProfile() }, allowed: true },
    { client: 'groupReader', method: 'GET', path: '/api/v1/groups', allowed: true },
    { client: 'groupReader', method: 'POST', path: '/api/v1/groups', body: { profile: { name: 'Nope' } }, allowed: false },
    { client: 'groupReader', method: 'PUT', path: '/api/v1/groups/00g1/users/00u1', allowed: false },
    { client: 'groupReader', method: 'GET', path: '/api/v1/users', allowed: false },
    { client: 'admin', method: 'GET', path: '/api/v1/logs', allowed: true },
    { client: 'admin', method: 'GET', path: '/api/v1/eventHooks', allowed: true },
  ];

  it('allows each request only to a token with a scope for it', async () => {
    const tokens = new Map<string, string>();
    for (const name of Object.keys(clients) as Array<keyof typeof clients>) tokens.set(name, await accessTokenFor(clients[name]));
    const outcomes = [];
    for (const { client, method, path, body } of cases) {
      const response = await call(path, `Bearer ${tokens.get(client)}`, { method, body });
      outcomes.push({ client, method, path, allowed: response.status !== 403 && response.status !== 401 });
    }
    expect(outcomes).toEqual(cases.map(({ client, method, path, allowed }) => ({ client, method, path, allowed })));
  });

  it('answers 403 E0000006 and names the missing scope to the SDK', async () => {
    const reader = oauthSdkClient(emulator.url, clients.reader.clientId, key, ['okta.users.read']);
    const error = await reader.userApi.createUser({ body: { profile: newProfile() } }).catch((reason: unknown) => reason);
    await expectOktaError(Promise.reject(error), {
      status: 403,
      errorCode: 'E0000006',
      errorSummary: 'You do not have permission to perform the requested action',
    });
    expect((error as InstanceType<typeof okta.OktaApiError>).headers.get('www-authenticate')).toBe(
      `Bearer authorization_uri="${emulator.url}/oauth2/v1/authorize", realm="${emulator.url}", scope="okta.users.manage", ` +
        'error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", ' +
        'resource="/api/v1/users"',
    );
  });
});

describe('who did it', () => {
  it('records the API token admin, the client address and user agent of each change, under the request id', async () => {
    // The body follows only once the server has taken the request (100-continue), so it is read
    // in a later turn of the event loop than the request's first hooks, as a large body would be.
    const { headers, body } = await new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const request = http.request(`${emulator.url}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `SSWS ${TOKEN}`, 'content-type': 'application/json', 'user-agent': 'hr-sync/2.1', expect: '100-continue' },
      });
      request.on('continue', () => request.end(JSON.stringify({ profile: newProfile() })));
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ headers: response.headers, body: text }));
      });
      request.on('error', reject);
    });
    const user = JSON.parse(body) as { id: string };
    const event = emulator.store.log.all().filter((entry) => entry.target.some((target) => target.id === user.id)).at(-1);
    expect(event).toMatchObject({
      eventType: 'user.lifecycle.activate',
      actor: API_TOKEN_ACTOR,
      client: { ipAddress: '127.0.0.1', userAgent: { rawUserAgent: 'hr-sync/2.1' } },
      transaction: { id: headers['x-okta-request-id'] },
    });
  });

  it('records the service app as the actor of a change made with its access token', async () => {
    const service = oauthSdkClient(emulator.url, clients.admin.clientId, key, ['okta.users.manage']);
    const user = await service.userApi.createUser({ body: { profile: newProfile() }, activate: false });
    await service.userApi.activateUser({ userId: user.id!, sendEmail: false });
    const events = emulator.store.log.all().filter((entry) => entry.target.some((target) => target.id === user.id));
    expect(events.map((event) => [event.eventType, event.actor])).toEqual([
      ['user.lifecycle.create', { id: clients.admin.clientId, type: 'PublicClientApp', alternateId: clients.admin.clientId, displayName: 'Provisioning Service' }],
      ['user.lifecycle.activate', { id: clients.admin.clientId, type: 'PublicClientApp', alternateId: clients.admin.clientId, displayName: 'Provisioning Service' }],
    ]);
    expect(events[0]!.client.userAgent.rawUserAgent).toMatch(/^@okta\/okta-sdk-nodejs\//);
  });
});
