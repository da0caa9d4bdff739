import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOktaClient } from '../../src/okta/client.ts';
import { toActivityError } from '../../src/okta/errors.ts';
import { expireWithTemporaryPassword } from '../../src/okta/password.ts';
import { logEntriesAbout, newProfile, TOKEN, useOktaEmulator } from './okta-fixture.ts';

const env = useOktaEmulator();

async function failureOf(call: Promise<unknown>): Promise<Error> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('expiring a password with a temporary one', () => {
  it('answers the temporary password and leaves the user PASSWORD_EXPIRED, signed in where it was', async () => {
    const user = await env.client.userApi.createUser({ body: { profile: newProfile(), credentials: { password: { value: 'Initial-Pa55word' } } } });
    expect(user.status).toBe('ACTIVE');

    const password = await expireWithTemporaryPassword(env.client, user.id!);

    expect(password).toMatch(/^\S{8,}$/);
    expect((await env.client.userApi.getUser({ userId: user.id! })).status).toBe('PASSWORD_EXPIRED');
    const events = logEntriesAbout(env, user.id!).map((event) => event.eventType);
    expect(events).toContain('user.account.expire_password');
    expect(events).not.toContain('user.session.clear');
  });

  it('gives a user who never had a password one', async () => {
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    expect(user.status).toBe('PROVISIONED');
    await expireWithTemporaryPassword(env.client, user.id!);
    expect((await env.client.userApi.getUser({ userId: user.id! })).status).toBe('PASSWORD_EXPIRED');
  });

  it('is refused for good for a user in the wrong status', async () => {
    const staged = await env.client.userApi.createUser({ body: { profile: newProfile() }, activate: false });
    const error = await failureOf(expireWithTemporaryPassword(env.client, staged.id!));
    expect(toActivityError(error, `RESET_PASSWORD ${staged.id}`)).toMatchObject({
      type: 'OktaError',
      nonRetryable: true,
      message: `RESET_PASSWORD ${staged.id}: Okta answered 403 E0000038 This operation is not allowed in the user's current status.`,
    });
  });
});

describe('a garbled answer', () => {
  const password = 'Xk9#mQ2vLp';
  let server: Server;
  let client: ReturnType<typeof createOktaClient>;
  beforeAll(async () => {
    server = createServer((request, response) => {
      const body = request.url?.includes('/00uGarbled') ? password : JSON.stringify({ id: '00uUser', status: 'PASSWORD_EXPIRED' });
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = createOktaClient({ orgUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: TOKEN });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails without quoting the body, which may hold the password', async () => {
    const error = await failureOf(expireWithTemporaryPassword(client, '00uGarbled'));
    expect(error.message).toBe("Okta's answer to expire_password_with_temp_password for 00uGarbled holds no temporary password");
    expect(`${error.stack} ${String(error.cause)}`).not.toContain(password);
  });

  it('fails when the answer is a user without a password, as the SDK method reads it', async () => {
    const error = await failureOf(expireWithTemporaryPassword(client, '00uUser'));
    expect(error.message).toBe("Okta's answer to expire_password_with_temp_password for 00uUser holds no temporary password");
  });
});
