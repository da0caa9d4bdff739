import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailureCategory } from '@temporalio/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scimTarget } from '../../src/targets/scim/scim-target.ts';
import { json, startStub, type StubServer } from './scim-stub.ts';
import { targetFailure } from './target-failure.ts';

/**
 * OAuth 2.0 client credentials against a stub authorization server and app: the token endpoint
 * checks client_secret_basic and issues numbered tokens; the app accepts only the tokens not
 * revoked. What is asserted is how often a token is fetched and which one each request carries.
 */

const CLIENT_ID = 'tenure client';
const CLIENT_SECRET = 'a secret: with/odd+chars';
let issued = 0;
let lifetimeSeconds = 3600;
let refuseClient = false;
const revoked = new Set<string>();
let stub: StubServer;

const tokenRequests = () => stub.requests.filter((request) => request.path === '/token');
const scimRequests = () => stub.requests.filter((request) => request.path !== '/token');

beforeAll(async () => {
  stub = await startStub((request, response) => {
    if (request.url === '/token') {
      // client_secret_basic: Base64 of the two parts, each form-encoded (RFC 6749 §2.3.1), read as a server does.
      const basic = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const [id, secret] = basic.split(':').map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
      const form = new URLSearchParams(request.body);
      if (refuseClient || id !== CLIENT_ID || secret !== CLIENT_SECRET) {
        json(response, 401, { error: 'invalid_client', error_description: `bad secret ${CLIENT_SECRET}` });
      } else if (form.get('grant_type') !== 'client_credentials' || form.get('scope') !== 'scim:users scim:groups') {
        json(response, 400, { error: 'invalid_request' });
      } else {
        json(response, 200, { access_token: `token-${++issued}`, token_type: 'Bearer', expires_in: lifetimeSeconds });
      }
      return;
    }
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!/^token-\d+$/.test(token) || revoked.has(token)) return json(response, 401, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: 'token refused' });
    json(response, 204, undefined);
  });
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
  issued = 0;
  lifetimeSeconds = 3600;
  refuseClient = false;
  revoked.clear();
});

const newTarget = () =>
  scimTarget('oauthapp', {
    url: `${stub.url}/scim/v2`,
    credentials: { oauth2: { tokenUrl: `${stub.url}/token`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: 'scim:users scim:groups' } },
  });

describe('OAuth 2.0 client credentials', () => {
  it('fetches a token once and sends it with every request, however many ask at once', async () => {
    const target = newTarget();
    await Promise.all([target.deleteIdentity({ key: 'E1', accountId: 'a' }), target.deleteIdentity({ key: 'E1', accountId: 'b' })]);
    await target.deleteIdentity({ key: 'E1', accountId: 'c' });
    expect(tokenRequests()).toHaveLength(1);
    expect(scimRequests().map((request) => request.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
  });

  it('fetches a new token once when the app refuses the one it has (401), and repeats the request with it', async () => {
    const target = newTarget();
    await target.deleteIdentity({ key: 'E1', accountId: 'a' });
    revoked.add('token-1');
    expect(await target.deleteIdentity({ key: 'E1', accountId: 'b' })).toEqual({ deleted: true });
    expect(tokenRequests()).toHaveLength(2);
    expect(scimRequests().map((request) => `${request.path} ${request.authorization}`)).toEqual([
      '/scim/v2/Users/a Bearer token-1',
      '/scim/v2/Users/b Bearer token-1',
      '/scim/v2/Users/b Bearer token-2',
    ]);
  });

  it('fetches a new token shortly before the one it has expires', async () => {
    lifetimeSeconds = 1; // renewed half-way through, at most a minute early
    const target = newTarget();
    await target.deleteIdentity({ key: 'E1', accountId: 'a' });
    await target.deleteIdentity({ key: 'E1', accountId: 'b' });
    await sleep(600);
    await target.deleteIdentity({ key: 'E1', accountId: 'c' });
    expect(scimRequests().map((request) => request.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  });

  it('a refused token fetch waits for fixed credentials: retryable, quietly, and the secret never shown', async () => {
    refuseClient = true;
    const error = await targetFailure(newTarget().deleteIdentity({ key: 'E1', accountId: 'a' }), CLIENT_SECRET);
    expect(error).toMatchObject({ type: 'ScimCredentialRefused', nonRetryable: false, category: ApplicationFailureCategory.BENIGN });
    expect((error as Error).message).toBe('DELETE_IDENTITY a: oauthapp: the token endpoint answered 401 invalid_client (credential refused)');
    expect(scimRequests()).toHaveLength(0);
  });

  it('a token the app refuses even when new: retryable, credential refused', async () => {
    const target = newTarget();
    await target.deleteIdentity({ key: 'E1', accountId: 'a' });
    for (let index = 1; index <= 3; index++) revoked.add(`token-${index}`);
    const error = await targetFailure(target.deleteIdentity({ key: 'E1', accountId: 'b' }));
    expect(error).toMatchObject({ type: 'ScimCredentialRefused', nonRetryable: false, message: 'DELETE_IDENTITY b: oauthapp answered 401 token refused (credential refused)' });
    // One new token, one more try: never a loop.
    expect(tokenRequests()).toHaveLength(2);
  });
});
