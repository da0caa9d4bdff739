import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOktaEmulator, type OktaEmulator } from '../../src/emulator/okta/server.ts';
import { createOktaClient } from '../../src/okta/client.ts';
import { publicJwkOf, type OktaServiceApp } from '../../src/okta/service-app-auth.ts';
import { toActivityError } from '../../src/okta/errors.ts';
import { PacingRequestExecutor } from '../../src/okta/pacing.ts';
import { loadConfig } from '../../src/runtime/config.ts';
import { newClientKey, registration, type ClientKey } from './oauth-fixture.ts';
import { collect, newProfile, TOKEN } from './okta-fixture.ts';

const SCOPES = ['okta.users.read', 'okta.users.manage'];
const rsaKey = newClientKey('RSA');
const ecKey = newClientKey('EC');
const pem = (key: ClientKey) => key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const jwkText = (key: ClientKey) => JSON.stringify(key.privateJwk);

/** The environment of a worker that calls Okta as a service app, its PEM key on one line as in an env file. */
const serviceAppEnv = {
  OKTA_CLIENT_ID: '0oaTenureService0001',
  OKTA_PRIVATE_KEY: pem(rsaKey).replaceAll('\n', '\\n'),
  OKTA_KEY_ID: rsaKey.kid,
  OKTA_SCOPES: 'okta.users.read, okta.users.manage',
};
const configuredApp = loadConfig(serviceAppEnv).oktaEmulatorServiceApp!;

let emulator: OktaEmulator;
beforeAll(async () => {
  emulator = await startOktaEmulator({
    token: TOKEN,
    oauthClients: [
      // Registered from the app's own key, as the sandbox registers the configured app.
      { clientId: configuredApp.clientId, name: 'Tenure', keys: [publicJwkOf(configuredApp)], scopes: configuredApp.scopes },
      registration('0oaEllipticService01', ecKey, SCOPES),
      registration('0oaDpopBoundService1', rsaKey, SCOPES, { dpopBound: true }),
    ],
  });
});
afterAll(async () => {
  await emulator?.close();
});

async function createsAndLists(serviceApp: OktaServiceApp) {
  const client = createOktaClient({ orgUrl: emulator.url, serviceApp });
  const created = await client.userApi.createUser({ body: { profile: newProfile() } });
  const listed = await collect(client.userApi.listUsers());
  expect(listed.map((user) => user.id)).toContain(created.id);
}

describe('a client with a service app\'s private key', () => {
  it('manages users, configured from the environment with a PEM key', async () => {
    expect(configuredApp).toMatchObject({ clientId: '0oaTenureService0001', keyId: rsaKey.kid, scopes: SCOPES });
    await createsAndLists(configuredApp);
  });

  it('signs with an EC key, which the 8.1.0 SDK cannot', async () => {
    await createsAndLists({ clientId: '0oaEllipticService01', privateKey: jwkText(ecKey), scopes: SCOPES });
  });

  it('works for an app that requires DPoP, presenting its bound token with a proof on every call', async () => {
    await createsAndLists({ clientId: '0oaDpopBoundService1', privateKey: jwkText(rsaKey), scopes: SCOPES });
  });

  it('asks for one token for a burst of calls at start', async () => {
    const { id } = await createOktaClient({ orgUrl: emulator.url, token: TOKEN }).userApi.createUser({ body: { profile: newProfile() } });
    const requestExecutor = new PacingRequestExecutor();
    const client = createOktaClient({ orgUrl: emulator.url, serviceApp: configuredApp }, { requestExecutor });
    await Promise.all(Array.from({ length: 20 }, () => client.userApi.getUser({ userId: id! })));
    expect(requestExecutor.stats().token).toEqual({ sent: 1, throttled: 0 });
  });

  it('with a key Okta does not hold, waits for a fixed credential, saying why Okta refused the token', async () => {
    const impostor = newClientKey('RSA', rsaKey.kid);
    const client = createOktaClient({ orgUrl: emulator.url, serviceApp: { ...configuredApp, privateKey: jwkText(impostor) } });
    const error = await collect(client.userApi.listUsers()).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(toActivityError(error, 'listing users')).toMatchObject({
      type: 'OktaCredentialRefused',
      nonRetryable: false,
      message: 'listing users: Okta answered 401 invalid_client The client_assertion signature is invalid.',
    });
  });

  it('without the scope for a call, fails for good with Okta\'s 403', async () => {
    const client = createOktaClient({ orgUrl: emulator.url, serviceApp: { ...configuredApp, scopes: ['okta.users.read'] } });
    const error = await client.userApi.createUser({ body: { profile: newProfile() } }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(toActivityError(error, 'creating a user')).toMatchObject({
      nonRetryable: true,
      message: 'creating a user: Okta answered 403 E0000006 You do not have permission to perform the requested action',
    });
  });
});

describe('an org that asks for a DPoP nonce', () => {
  const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const proofs: Array<Record<string, unknown>> = [];
  let apiAuthorization: string | undefined;
  let server: Server;
  beforeAll(async () => {
    // Okta answers an app that requires DPoP with 400 use_dpop_nonce first, as its guide shows.
    server = createServer((request, response) => {
      const proof = request.headers.dpop as string;
      if (request.url === '/oauth2/v1/token') {
        proofs.push(decode(proof));
        if (proofs.length === 1) {
          response.writeHead(400, { 'content-type': 'application/json', 'dpop-nonce': 'nonce-1' });
          response.end(JSON.stringify({ error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof.' }));
        } else {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ token_type: 'DPoP', expires_in: 3600, access_token: 'bound-token', scope: 'okta.users.read' }));
        }
        return;
      }
      apiAuthorization = request.headers.authorization;
      proofs.push(decode(proof));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: '00uJane', status: 'ACTIVE', profile: {} }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('gets its token with the nonce, and presents it bound, with a proof of the call', async () => {
    const orgUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = createOktaClient({ orgUrl, serviceApp: { clientId: '0oaDpopRequired0001', privateKey: jwkText(ecKey), scopes: ['okta.users.read'] } });
    expect((await client.userApi.getUser({ userId: '00uJane' })).id).toBe('00uJane');
    expect(proofs.map(({ htm, htu, nonce }) => ({ htm, htu, nonce }))).toEqual([
      { htm: 'POST', htu: `${orgUrl}/oauth2/v1/token`, nonce: undefined },
      { htm: 'POST', htu: `${orgUrl}/oauth2/v1/token`, nonce: 'nonce-1' },
      { htm: 'GET', htu: `${orgUrl}/api/v1/users/00uJane`, nonce: undefined },
    ]);
    expect(apiAuthorization).toBe('DPoP bound-token');
    expect(proofs[2]!.ath).toBe(createHash('sha256').update('bound-token').digest('base64url'));
  });
});

describe('Okta credentials in the configuration', () => {
  const org = { OKTA_ORG_URL: 'https://acme.okta.com', HR_WEBHOOK_SECRET: 'a-webhook-secret-of-32-bytes-or-more' };

  it('take an SSWS token or a service app for a real org', () => {
    expect(loadConfig({ ...org, OKTA_API_TOKEN: 't' }).okta).toEqual({ orgUrl: org.OKTA_ORG_URL, token: 't' });
    const { okta, oktaEmulatorServiceApp } = loadConfig({ ...org, ...serviceAppEnv });
    expect(okta).toEqual({ orgUrl: org.OKTA_ORG_URL, serviceApp: configuredApp });
    expect(oktaEmulatorServiceApp).toBeUndefined();
  });

  it('take the key id from the JWK, and scopes separated by spaces', () => {
    const app = loadConfig({ OKTA_CLIENT_ID: 'c', OKTA_PRIVATE_KEY: jwkText(ecKey), OKTA_SCOPES: 'okta.users.read  okta.groups.read' }).oktaEmulatorServiceApp;
    expect(app).toMatchObject({ keyId: ecKey.kid, scopes: ['okta.users.read', 'okta.groups.read'] });
  });

  it('refuse a real org with no credential, or with two', () => {
    expect(() => loadConfig(org)).toThrow(/no credential for it: set OKTA_API_TOKEN .*, or OKTA_CLIENT_ID, OKTA_PRIVATE_KEY, OKTA_KEY_ID and OKTA_SCOPES/);
    expect(() => loadConfig({ ...org, ...serviceAppEnv, OKTA_API_TOKEN: 't' })).toThrow(/OKTA_API_TOKEN and an OAuth service app .* are both set/);
  });

  it('name what a half-configured service app lacks', () => {
    expect(() => loadConfig({ ...org, OKTA_CLIENT_ID: 'c' })).toThrow('OAuth for Okta is half configured: OKTA_PRIVATE_KEY, OKTA_SCOPES are not set');
    expect(() => loadConfig({ OKTA_PRIVATE_KEY: jwkText(rsaKey), OKTA_SCOPES: 'okta.users.read' })).toThrow(
      'OAuth for Okta is half configured: OKTA_CLIENT_ID is not set',
    );
    expect(() => loadConfig({ ...serviceAppEnv, OKTA_KEY_ID: '' })).toThrow(/OKTA_KEY_ID is not set and OKTA_PRIVATE_KEY has no "kid"/);
    expect(() => loadConfig({ ...serviceAppEnv, OKTA_SCOPES: ' , ' })).toThrow(/OKTA_SCOPES names no scope/);
  });

  it('never quote the private key in an error', () => {
    const secret = '{"kty":"RSA","d":"c2VjcmV0LXByaXZhdGUtZXhwb25lbnQ" "n"}';
    for (const privateKey of [secret, `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----`]) {
      let message = '';
      try {
        loadConfig({ ...serviceAppEnv, OKTA_PRIVATE_KEY: privateKey });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe('OKTA_PRIVATE_KEY cannot be used: the private key is neither a PEM private key nor a private JWK');
    }
  });
});
