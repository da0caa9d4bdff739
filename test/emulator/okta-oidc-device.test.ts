import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { DeviceCodeResponse } from '../../src/emulator/okta/device-authorization.ts';
import { newProfile, useOktaEmulator } from './okta-fixture.ts';

/*
 * The emulator as Okta's custom authorization server `default`: a native app signs a person in
 * with the Device Authorization Grant (RFC 8628), and the ID token it gets verifies against the
 * keys the discovery document points to.
 */

let clock = Date.now();
const env = useOktaEmulator({ now: () => clock });

const CLIENT_ID = 'tenure-operators';
const PASSWORD = 'Sign-in-pass-42';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const issuer = () => `${env.emulator.url}/oauth2/default`;

function post(path: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${env.emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}

type DeviceCode = DeviceCodeResponse;

async function deviceCode(form: Record<string, string> = {}): Promise<DeviceCode> {
  const response = await post('/oauth2/default/v1/device/authorize', { client_id: CLIENT_ID, scope: 'openid profile email', ...form });
  expect(response.status).toBe(200);
  return (await response.json()) as DeviceCode;
}

const poll = (code: DeviceCode, clientId = CLIENT_ID) => post('/oauth2/default/v1/token', { grant_type: DEVICE_GRANT, device_code: code.device_code, client_id: clientId });

async function oauthError(response: Promise<Response>): Promise<{ status: number; error: string }> {
  const answered = await response;
  return { status: answered.status, error: ((await answered.json()) as { error: string }).error };
}

const activate = (form: Record<string, string>) => post('/activate', { action: 'allow', ...form });

async function activeUser(status?: 'suspend') {
  const user = await env.client.userApi.createUser({ body: { profile: newProfile({ firstName: 'Grace', lastName: 'Hopper' }), credentials: { password: { value: PASSWORD } } } });
  if (status === 'suspend') await env.client.userApi.suspendUser({ userId: user.id! });
  return user;
}

describe('discovery', () => {
  it('describes the default authorization server, the device grant included, and publishes its RS256 key', async () => {
    const discovery = (await (await fetch(`${issuer()}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: issuer(),
      jwks_uri: `${issuer()}/v1/keys`,
      token_endpoint: `${issuer()}/v1/token`,
      device_authorization_endpoint: `${issuer()}/v1/device/authorize`,
      grant_types_supported: [DEVICE_GRANT],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const { keys } = (await (await fetch(discovery.jwks_uri as string)).json()) as { keys: Array<Record<string, string>> };
    expect(keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) })]);
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe('the device authorization grant', () => {
  it('signs a person in at /activate and gives the device an ID token naming them, once', async () => {
    const user = await activeUser();
    const code = await deviceCode();
    expect(code).toMatchObject({ verification_uri: `${env.emulator.url}/activate`, expires_in: 600, interval: 5 });
    expect(code.user_code).toMatch(/^[B-Z]{8}$/);
    expect(code.verification_uri_complete).toBe(`${env.emulator.url}/activate?user_code=${code.user_code}`);
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'authorization_pending' });

    const page = await (await fetch(code.verification_uri_complete)).text();
    expect(page).toContain(`name="user_code" value="${code.user_code}"`);
    const wrong = await activate({ user_code: code.user_code, username: user.profile!.login!, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Unable to sign in');
    clock += 5_000;
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'authorization_pending' });

    // Typed in lower case with a dash, as people copy codes.
    const typed = `${code.user_code.slice(0, 4)}-${code.user_code.slice(4)}`.toLowerCase();
    const allowed = await activate({ user_code: typed, username: user.profile!.login!, password: PASSWORD });
    expect(allowed.status).toBe(200);
    const shown = await allowed.text();
    expect(shown).toContain('Device activated');
    expect(shown).not.toContain(PASSWORD);

    clock += 5_000;
    const response = await poll(code);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const tokens = (await response.json()) as Record<string, string | number>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email' });
    const idToken = String(tokens.id_token);
    expect(decodeProtectedHeader(idToken).alg).toBe('RS256');
    const jwks = createRemoteJWKSet(new URL(`${issuer()}/v1/keys`));
    const { payload } = await jwtVerify(idToken, jwks, { issuer: issuer(), audience: CLIENT_ID, algorithms: ['RS256'], currentDate: new Date(clock) });
    expect(payload).toMatchObject({ sub: user.id, preferred_username: user.profile!.login, email: user.profile!.email, name: 'Grace Hopper' });
    expect(payload.exp! - payload.iat!).toBe(3600);
    const access = await jwtVerify(String(tokens.access_token), jwks, { issuer: issuer(), audience: 'api://default', currentDate: new Date(clock) });
    expect(access.payload).toMatchObject({ cid: CLIENT_ID, uid: user.id, sub: user.profile!.login });

    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('asks a device that polls faster than the interval to slow down', async () => {
    const code = await deviceCode();
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'authorization_pending' });
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'slow_down' });
    // The interval is now ten seconds: five is too soon, and makes it fifteen.
    clock += 5_000;
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'slow_down' });
    clock += 15_000;
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'authorization_pending' });
  });

  it('tells the device when the person denied it', async () => {
    const code = await deviceCode();
    const denied = await post('/activate', { user_code: code.user_code, action: 'deny' });
    expect(await denied.text()).toContain('Device not activated');
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'access_denied' });
  });

  it('tells the device when nobody signed in within ten minutes, and the code no longer activates', async () => {
    const user = await activeUser();
    const code = await deviceCode();
    clock += 600_000;
    const late = await activate({ user_code: code.user_code, username: user.profile!.login!, password: PASSWORD });
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('not valid, or it has expired');
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'expired_token' });
  });

  it('does not sign in a suspended user', async () => {
    const user = await activeUser('suspend');
    const code = await deviceCode();
    const refused = await activate({ user_code: code.user_code, username: user.profile!.login!, password: PASSWORD });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('the account is suspended');
    clock += 5_000;
    expect(await oauthError(poll(code))).toEqual({ status: 400, error: 'authorization_pending' });
  });

  it('refuses unknown apps, another app redeeming the code, scopes without openid and other grants', async () => {
    expect(await oauthError(post('/oauth2/default/v1/device/authorize', { client_id: 'nobody', scope: 'openid' }))).toEqual({ status: 401, error: 'invalid_client' });
    expect(await oauthError(post('/oauth2/default/v1/device/authorize', { client_id: CLIENT_ID, scope: 'profile' }))).toEqual({ status: 400, error: 'invalid_scope' });
    expect(await oauthError(post('/oauth2/default/v1/device/authorize', { client_id: CLIENT_ID, scope: 'openid okta.users.manage' }))).toEqual({ status: 400, error: 'invalid_scope' });
    expect(await oauthError(poll(await deviceCode(), 'nobody'))).toEqual({ status: 401, error: 'invalid_client' });
    expect(await oauthError(post('/oauth2/default/v1/token', { grant_type: 'password', client_id: CLIENT_ID }))).toEqual({ status: 400, error: 'unsupported_grant_type' });
  });

  it('shows the code a link carries without letting it write into the page', async () => {
    const page = await (await fetch(`${env.emulator.url}/activate?user_code=${encodeURIComponent('"><script>x</script>')}`)).text();
    expect(page).not.toContain('<script>');
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
  });
});
