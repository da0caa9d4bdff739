import okta from '@okta/okta-sdk-nodejs';
import { describe, expect, it } from 'vitest';
import { createOktaClient } from '../../src/okta/client.ts';
import { TOKEN, expectOktaError, newProfile, rawRequest, useOktaEmulator } from './okta-fixture.ts';

const env = useOktaEmulator();

const invalidToken = { status: 401, errorCode: 'E0000011', errorSummary: 'Invalid token provided' };

describe('authentication', () => {
  it('refuses a wrong token with 401 E0000011', async () => {
    const intruder = createOktaClient({ orgUrl: env.emulator.url, token: `${TOKEN}-wrong` });
    await expectOktaError(intruder.userApi.getUser({ userId: 'anyone@example.com' }), invalidToken);
    await expectOktaError(
      intruder.userApi.createUser({ body: { profile: newProfile() } }).then(() => undefined),
      invalidToken,
    );
  });

  it('refuses a request without an SSWS token', async () => {
    await expectOktaError(
      rawRequest(env, '/api/v1/users', { headers: { Authorization: `Bearer ${TOKEN}` } }),
      invalidToken,
    );
  });
});

describe('HTTP conventions', () => {
  it('answers a path no endpoint has with 404 E0000007, naming the path', async () => {
    await expectOktaError(rawRequest(env, '/api/v1/nonexistent'), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: /api/v1/nonexistent (Page)',
    });
    await expectOktaError(rawRequest(env, '/api/v1/users/someone/lifecycle/explode', { method: 'POST' }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: /api/v1/users/someone/lifecycle/explode (Page)',
    });
  });

  it('answers a method the endpoint lacks with 405 E0000022 and the methods it has, unlike a missing resource', async () => {
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    const unsupported = { status: 405, errorCode: 'E0000022', errorSummary: 'The endpoint does not support the provided HTTP method' };
    await expectOktaError(rawRequest(env, `/api/v1/users/${user.id}/lifecycle/deactivate`, { method: 'GET' }), unsupported);
    const error = await rawRequest(env, `/api/v1/users/${user.id}/lifecycle/deactivate`, { method: 'DELETE' }).catch(
      (reason: unknown) => reason as InstanceType<typeof okta.OktaApiError>,
    );
    expect(error.headers.get('allow')).toBe('POST');
    await expectOktaError(rawRequest(env, '/api/v1/groups', { method: 'DELETE' }), unsupported);
    const groups = await rawRequest(env, '/api/v1/groups', { method: 'PATCH' }).catch(
      (reason: unknown) => reason as InstanceType<typeof okta.OktaApiError>,
    );
    expect(groups.headers.get('allow')).toBe('GET, POST');
    // The same path with a method it takes finds the user, or says the user is not there.
    expect((await rawRequest(env, `/api/v1/users/${user.id}/lifecycle/deactivate`, { method: 'POST' })).status).toBe(200);
    await expectOktaError(rawRequest(env, '/api/v1/users/00uNobodyAtAll/lifecycle/deactivate', { method: 'POST' }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 00uNobodyAtAll (User)',
    });
  });

  it('answers a malformed JSON body with 400 E0000003', async () => {
    for (const body of ['{"profile": {', '["not", "an", "object"]']) {
      await expectOktaError(
        rawRequest(env, '/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }),
        { status: 400, errorCode: 'E0000003', errorSummary: 'The request body was not well-formed.' },
      );
    }
  });

  it('refuses a body that is not JSON with 400 E0000021', async () => {
    await expectOktaError(
      rawRequest(env, '/api/v1/groups', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'Engineering' }),
      {
        status: 400,
        errorCode: 'E0000021',
        errorSummary: 'Bad request. Accept and/or Content-Type headers likely do not match supported values.',
      },
    );
  });

  it('accepts a bodyless POST that declares a JSON body', async () => {
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() }, activate: false });
    const response = await rawRequest(env, `/api/v1/users/${user.id}/lifecycle/activate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });

  it('answers JSON with a request id and a date, on success and on error', async () => {
    const response = await rawRequest(env, '/api/v1/users');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-okta-request-id')).toMatch(/^[A-Za-z0-9_-]{27}$/);
    expect(Number.isNaN(Date.parse(response.headers.get('date') ?? ''))).toBe(false);

    const error = await env.client.userApi.getUser({ userId: 'missing@example.com' }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(okta.OktaApiError);
    const { headers } = error as InstanceType<typeof okta.OktaApiError>;
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('x-okta-request-id')).toMatch(/^[A-Za-z0-9_-]{27}$/);
    expect(headers.get('date')).toBeTruthy();
    expect(headers.get('x-okta-request-id')).not.toBe(response.headers.get('x-okta-request-id'));
  });
});
