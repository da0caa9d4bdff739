import { describe, expect, it } from 'vitest';
import { startOktaEmulator } from '../../src/emulator/okta/server.ts';
import { createOktaClient } from '../../src/okta/client.ts';
import { oauthSdkClient, newClientKey, registration } from './oauth-fixture.ts';
import { TOKEN, collect, expectOktaError, logEntriesAbout, newProfile, useOktaEmulator } from './okta-fixture.ts';

const env = useOktaEmulator({ admin: true });

describe("a fresh org's super admin", () => {
  it('is the user the API token belongs to, found as me, by id and by login', async () => {
    const me = await env.client.userApi.getUser({ userId: 'me' });
    expect(me).toMatchObject({
      status: 'ACTIVE',
      profile: { login: 'admin@emulator.okta.local', email: 'admin@emulator.okta.local', firstName: 'Emulator', lastName: 'Admin' },
    });
    expect((await env.client.userApi.getUser({ userId: me.id! })).id).toBe(me.id);
    expect((await env.client.userApi.getUser({ userId: 'admin@emulator.okta.local' })).id).toBe(me.id);
    expect((await collect(env.client.userApi.listUserGroups({ userId: 'me' }))).map((group) => group.profile?.name)).toEqual(['Everyone']);
  });

  it('is the first user of a new org, and the actor the System Log names for what the token does', async () => {
    const me = await env.client.userApi.getUser({ userId: 'me' });
    expect((await collect(env.client.userApi.listUsers({}))).map((user) => user.id)[0]).toBe(me.id);
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    const [created] = logEntriesAbout(env, user.id!);
    expect(created!.actor).toEqual({ id: me.id, type: 'User', alternateId: me.profile!.login, displayName: 'Emulator Admin' });
  });

  it('stays through an admin reset', async () => {
    const me = await env.client.userApi.getUser({ userId: 'me' });
    env.emulator.store.reset();
    expect((await collect(env.client.userApi.listUsers({}))).map((user) => user.id)).toEqual([me.id]);
  });
});

describe('me for a service app', () => {
  it('is nobody: a service app is not a user', async () => {
    const key = newClientKey('RSA');
    const service = registration('0oaMeLessService0001', key, ['okta.users.read']);
    const emulator = await startOktaEmulator({ token: TOKEN, oauthClients: [service] });
    try {
      const client = oauthSdkClient(emulator.url, service.clientId, key, ['okta.users.read']);
      await expectOktaError(client.userApi.getUser({ userId: 'me' }), {
        status: 404,
        errorCode: 'E0000007',
        errorSummary: 'Not found: Resource not found: me (User)',
      });
      // The token's admin is there all the same.
      const admin = createOktaClient({ orgUrl: emulator.url, token: TOKEN });
      expect((await admin.userApi.getUser({ userId: 'me' })).profile?.login).toBe('admin@emulator.okta.local');
    } finally {
      await emulator.close();
    }
  });
});
