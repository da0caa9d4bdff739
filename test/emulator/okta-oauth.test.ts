import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator } from '../../src/emulator/okta/server.ts';
import { expectOktaError, newProfile, TOKEN } from './okta-fixture.ts';
import {
  clientAssertion,
  dpopProof,
  newClientKey,
  nowSeconds,
  oauthSdkClient,
  registration,
  requestToken,
  tokenForm,
} from './oauth-fixture.ts';

const rsaKey = newClientKey('RSA');
const ecKey = newClientKey('EC');
const dpopKey = newClientKey('RSA');
const USERS = ['okta.users.read', 'okta.users.manage'];

const service = registration('0oaProvisioner000001', rsaKey, USERS);
const ecService = registration('0oaEllipticService01', ecKey, ['okta.users.read']);
const boundService = registration('0oaDpopBoundService1', dpopKey, USERS, { dpopBound: true });

let emulator: OktaEmulator;
let tokenUrl: string;

beforeAll(async () => {
  emulator = await startOktaEmulator({ token: TOKEN, oauthClients: [service, ecService, boundService] });
  tokenUrl = `${emulator.url}/oauth2/v1/token`;
});

afterAll(async () => {
  await emulator?.close();
});

const invalidToken = { status: 401, errorCode: 'E0000011', errorSummary: 'Invalid token provided' };

function getUsers(authorization: string, headers: Record<string, string> = {}) {
  return fetch(`${emulator.url}/api/v1/users`, { headers: { authorization, accept: 'application/json', ...headers } });
}

describe('the SDK in PrivateKey mode', () => {
  it('gets a token with its private key as a JWK and manages users with it', async () => {
    const client = oauthSdkClient(emulator.url, service.clientId, rsaKey, USERS);
    const created = await client.userApi.createUser({ body: { profile: newProfile() } });
    expect((await client.userApi.getUser({ userId: created.id! })).id).toBe(created.id);
  });

  it('takes the private key as PEM too', async () => {
    const pem = rsaKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const client = oauthSdkClient(emulator.url, service.clientId, rsaKey, USERS, pem);
    const created = await client.userApi.createUser({ body: { profile: newProfile() } });
    expect(created.status).toBe('PROVISIONED');
  });

  it('gets no token with a key the app does not have: its calls fail as unauthenticated', async () => {
    const impostor = newClientKey('RSA', rsaKey.kid);
    const client = oauthSdkClient(emulator.url, service.clientId, impostor, USERS);
    // The 8.1.0 SDK does not surface token errors: it calls on without a token and gets 401.
    await expectOktaError(client.userApi.getUser({ userId: 'anyone@example.com' }), invalidToken);
  });

  it('cannot act beyond the scopes it asked for', async () => {
    const client = oauthSdkClient(emulator.url, service.clientId, rsaKey, ['okta.users.read']);
    await expectOktaError(client.userApi.createUser({ body: { profile: newProfile() } }), {
      status: 403,
      errorCode: 'E0000006',
      errorSummary: 'You do not have permission to perform the requested action',
    });
  });
});

describe('the token endpoint', () => {
  it('issues a Bearer token for an hour with the granted scopes, never to be cached', async () => {
    const { response, body } = await requestToken(emulator.url, tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl), 'okta.users.read'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({ token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String), scope: 'okta.users.read' });
    expect((await getUsers(`Bearer ${body.access_token}`)).status).toBe(200);
  });

  it('accepts an ES256 client assertion', async () => {
    const { response, body } = await requestToken(emulator.url, tokenForm(clientAssertion(ecService.clientId, ecKey, tokenUrl), 'okta.users.read'));
    expect(response.status).toBe(200);
    expect((await getUsers(`Bearer ${body.access_token}`)).status).toBe(200);
  });

  const refusals: Array<{ name: string; form: () => Record<string, string>; status: number; error: string; description: string }> = [
    {
      name: 'an assertion signed by another key',
      form: () => tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl, { signWith: newClientKey().privateKey }), 'okta.users.read'),
      status: 401,
      error: 'invalid_client',
      description: 'The client_assertion signature is invalid.',
    },
    {
      name: 'an expired assertion',
      form: () => tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl, { claims: { iat: nowSeconds() - 600, exp: nowSeconds() - 60 } }), 'okta.users.read'),
      status: 401,
      error: 'invalid_client',
      description: 'The client_assertion token is expired.',
    },
    {
      name: 'an assertion valid for more than an hour',
      form: () => tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl, { claims: { exp: nowSeconds() + 7200 } }), 'okta.users.read'),
      status: 401,
      error: 'invalid_client',
      description: 'The client_assertion token has an expiration too far into the future.',
    },
    {
      name: 'an assertion for another audience',
      form: () => tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl, { claims: { aud: 'https://example.okta.com/oauth2/v1/token' } }), 'okta.users.read'),
      status: 401,
      error: 'invalid_client',
      description: 'The audience claim for client_assertion must be the endpoint invoked for the request.',
    },
    {
      name: 'an assertion naming a key the app does not have',
      form: () => tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl, { header: { kid: 'rotated-away' } }), 'okta.users.read'),
      status: 401,
      error: 'invalid_client',
      description: 'The client_assertion JWT kid is invalid.',
    },
    {
      name: 'an unknown client',
      form: () => tokenForm(clientAssertion('0oaNoSuchClient00001', rsaKey, tokenUrl), 'okta.users.read'),
      status: 401,
      error: 'invalid_client',
      description: "Invalid value for 'client_id' parameter.",
    },
    {
      name: 'an assertion whose subject is not the client',
      form: () => tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl, { claims: { sub: 'someone-else' } }), 'okta.users.read'),
      status: 401,
      error: 'invalid_client',
      description: "The client_assertion token's 'sub' claim must be the client_id.",
    },
    {
      name: 'no client assertion',
      form: () => ({ grant_type: 'client_credentials', scope: 'okta.users.read', client_id: service.clientId }),
      status: 401,
      error: 'invalid_client',
      description: 'Client authentication failed. Either the client or the client credentials are invalid.',
    },
    {
      name: 'a scope the app was not granted',
      form: () => tokenForm(clientAssertion(ecService.clientId, ecKey, tokenUrl), 'okta.users.read okta.users.manage'),
      status: 400,
      error: 'invalid_scope',
      description: 'The requested scope is invalid, unknown, or malformed.',
    },
    {
      name: 'no scope',
      form: () => tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl), ''),
      status: 400,
      error: 'invalid_scope',
      description: "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
    },
    {
      name: 'another grant type',
      form: () => ({ ...tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl), 'okta.users.read'), grant_type: 'password' }),
      status: 400,
      error: 'unsupported_grant_type',
      description: "The authorization grant type 'password' is not supported by the authorization server.",
    },
  ];

  for (const { name, form, status, error, description } of refusals) {
    it(`refuses ${name} with ${status} ${error}`, async () => {
      const { response, body } = await requestToken(emulator.url, form());
      expect({ status: response.status, body }).toEqual({ status, body: { error, error_description: description } });
      expect(response.headers.get('x-okta-request-id')).toBeTruthy();
    });
  }

  it('takes forms, while the management API stays JSON only', async () => {
    const response = await fetch(`${emulator.url}/api/v1/groups`, {
      method: 'POST',
      headers: { authorization: `SSWS ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'profile=Engineering',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errorCode: 'E0000021' });
  });

  it('takes each client assertion once', async () => {
    const assertion = clientAssertion(service.clientId, rsaKey, tokenUrl, { claims: { jti: randomUUID() } });
    expect((await requestToken(emulator.url, tokenForm(assertion, 'okta.users.read'))).response.status).toBe(200);
    const replay = await requestToken(emulator.url, tokenForm(assertion, 'okta.users.read'));
    expect({ status: replay.response.status, body: replay.body }).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'The client_assertion token has already been used.' },
    });
  });

  it('checks a DPoP proof that comes along, even when it does not bind the token', async () => {
    const form = tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl), 'okta.users.read');
    const { response, body } = await requestToken(emulator.url, form, { dpop: dpopProof(rsaKey, 'GET', tokenUrl) });
    expect({ status: response.status, body }).toEqual({
      status: 400,
      body: { error: 'invalid_dpop_proof', error_description: "'htm' claim in the DPoP proof JWT is invalid." },
    });
    const proper = await requestToken(emulator.url, tokenForm(clientAssertion(service.clientId, rsaKey, tokenUrl), 'okta.users.read'), {
      dpop: dpopProof(rsaKey, 'POST', tokenUrl),
    });
    expect(proper.body.token_type).toBe('Bearer');
  });
});

describe('access tokens', () => {
  it('expire after an hour', async () => {
    let now = Date.now();
    const clocked = await startOktaEmulator({ token: TOKEN, oauthClients: [service], now: () => now });
    try {
      const url = `${clocked.url}/oauth2/v1/token`;
      const { body } = await requestToken(clocked.url, tokenForm(clientAssertion(service.clientId, rsaKey, url), 'okta.users.read'));
      const call = () => fetch(`${clocked.url}/api/v1/users`, { headers: { authorization: `Bearer ${body.access_token}` } });
      now += 3599_000;
      expect((await call()).status).toBe(200);
      now += 1_000;
      expect((await call()).status).toBe(401);
    } finally {
      await clocked.close();
    }
  });
});

describe('DPoP-bound tokens', () => {
  async function boundToken(): Promise<string> {
    const { body } = await requestToken(emulator.url, tokenForm(clientAssertion(boundService.clientId, dpopKey, tokenUrl), 'okta.users.read'), {
      dpop: dpopProof(dpopKey, 'POST', tokenUrl),
    });
    expect(body.token_type).toBe('DPoP');
    return String(body.access_token);
  }

  const usersUrl = () => `${emulator.url}/api/v1/users`;

  it('are only issued against a proof, for an app that binds its tokens', async () => {
    const { response, body } = await requestToken(emulator.url, tokenForm(clientAssertion(boundService.clientId, dpopKey, tokenUrl), 'okta.users.read'));
    expect({ status: response.status, body }).toEqual({
      status: 400,
      body: { error: 'invalid_dpop_proof', error_description: 'The DPoP proof JWT header is missing.' },
    });
  });

  it('work with a fresh proof from the bound key for each request', async () => {
    const token = await boundToken();
    for (let i = 0; i < 2; i++) {
      const response = await getUsers(`DPoP ${token}`, { dpop: dpopProof(dpopKey, 'GET', usersUrl(), { accessToken: token }) });
      expect(response.status).toBe(200);
    }
  });

  it('are refused as Bearer tokens, and without a proof of the bound key for this request', async () => {
    const token = await boundToken();
    const otherKey = newClientKey();
    const attempts: Array<{ headers: Record<string, string>; description?: string }> = [
      { headers: { authorization: `Bearer ${token}` } },
      { headers: { authorization: `DPoP ${token}` }, description: 'The DPoP proof JWT header is missing.' },
      {
        headers: { authorization: `DPoP ${token}`, dpop: dpopProof(otherKey, 'GET', usersUrl(), { accessToken: token }) },
        description: 'The DPoP proof JWT key does not match the access token.',
      },
      {
        headers: { authorization: `DPoP ${token}`, dpop: dpopProof(dpopKey, 'GET', `${emulator.url}/api/v1/groups`, { accessToken: token }) },
        description: "'htu' claim in the DPoP proof JWT is invalid.",
      },
      {
        headers: { authorization: `DPoP ${token}`, dpop: dpopProof(dpopKey, 'GET', usersUrl(), { accessToken: 'another-token' }) },
        description: "'ath' claim in the DPoP proof JWT is invalid.",
      },
      {
        headers: { authorization: `DPoP ${token}`, dpop: dpopProof(dpopKey, 'GET', usersUrl(), { accessToken: token, claims: { iat: nowSeconds() - 3600 } }) },
        description: "'iat' claim in the DPoP proof JWT is invalid.",
      },
    ];
    for (const { headers, description } of attempts) {
      const { authorization, ...rest } = headers;
      const response = await getUsers(authorization!, rest);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ errorCode: 'E0000011' });
      if (description !== undefined) {
        expect(response.headers.get('www-authenticate')).toBe(
          `DPoP algs="RS256 RS384 RS512 ES256 ES384 ES512", authorization_uri="${emulator.url}/oauth2/v1/authorize", ` +
            `realm="${emulator.url}", scope="okta.users.read", error="invalid_dpop_proof", error_description="${description}", ` +
            'resource="/api/v1/users"',
        );
      }
    }
  });
});
