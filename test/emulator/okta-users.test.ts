import { describe, expect, it } from 'vitest';
import { expectOktaError, logEntriesAbout, newProfile, rawRequest, useOktaEmulator } from './okta-fixture.ts';

const env = useOktaEmulator();

async function createUser(options: { activate?: boolean; password?: string; profile?: Record<string, string> } = {}) {
  const profile = newProfile(options.profile);
  const body = options.password === undefined ? { profile } : { profile, credentials: { password: { value: options.password } } };
  return env.client.userApi.createUser({ body, ...(options.activate === undefined ? {} : { activate: options.activate }) });
}

describe('creating users', () => {
  it('stages a user created with activate=false', async () => {
    const user = await createUser({ activate: false });
    expect(user.id).toMatch(/^00u[A-Za-z0-9]{17}$/);
    expect(user.status).toBe('STAGED');
    expect(user.activated).toBeNull();
    expect(user.created).toBeInstanceOf(Date);
    expect(user.credentials?.provider).toMatchObject({ type: 'OKTA', name: 'OKTA' });
    expect(user._links?.self?.href).toBe(`${env.emulator.url}/api/v1/users/${user.id}`);
  });

  it('provisions a user activated without a password, and activates one with a password', async () => {
    const withoutPassword = await createUser();
    expect(withoutPassword.status).toBe('PROVISIONED');
    expect(withoutPassword.activated).toBeInstanceOf(Date);

    const withPassword = await createUser({ activate: true, password: 'Tr0ub4dor&3xyz' });
    expect(withPassword.status).toBe('ACTIVE');
    expect(withPassword.passwordChanged).toBeInstanceOf(Date);
  });

  it('answers 200, as Okta does', async () => {
    const response = await rawRequest(env, '/api/v1/users?activate=false', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile: newProfile() }),
    });
    expect(response.status).toBe(200);
  });

  it('expires the given password at once with nextLogin=changePassword', async () => {
    const user = await env.client.userApi.createUser({
      body: { profile: newProfile(), credentials: { password: { value: 'Tr0ub4dor&3xyz' } } },
      nextLogin: 'changePassword',
    });
    expect(user.status).toBe('PASSWORD_EXPIRED');
    expect(user.passwordChanged).toBeInstanceOf(Date);
  });

  it('refuses nextLogin=changePassword without activation or without a password', async () => {
    const withoutActivation = 'Could not create user. To create a user and expire their password immediately, `activate` must be true.';
    await expectOktaError(
      env.client.userApi.createUser({
        body: { profile: newProfile(), credentials: { password: { value: 'Tr0ub4dor&3xyz' } } },
        activate: false,
        nextLogin: 'changePassword',
      }),
      { status: 400, errorCode: 'E0000125', errorSummary: withoutActivation, causes: [withoutActivation] },
    );
    const withoutPassword = 'Could not create user. To create a user and expire their password immediately, a password must be specified.';
    await expectOktaError(env.client.userApi.createUser({ body: { profile: newProfile() }, nextLogin: 'changePassword' }), {
      status: 400,
      errorCode: 'E0000124',
      errorSummary: withoutPassword,
      causes: [withoutPassword],
    });
  });

  it('never shows a password again', async () => {
    const created = await createUser({ password: 'Sup3r-S3cret-Value' });
    const fetched = await env.client.userApi.getUser({ userId: created.id! });
    expect(fetched.credentials?.password).toEqual({});
    expect(JSON.stringify(created)).not.toContain('Sup3r-S3cret-Value');
    expect(JSON.stringify(fetched)).not.toContain('Sup3r-S3cret-Value');
  });

  it('keeps base and custom profile attributes, once the schema defines the custom one', async () => {
    await env.client.schemaApi.updateUserProfile({
      schemaId: 'default',
      userSchema: { definitions: { custom: { id: '#custom', type: 'object', properties: { hrSystemId: { title: 'HR system id', type: 'string' } } } } },
    });
    const user = await createUser({ profile: { employeeNumber: '4711', hrSystemId: 'HR-42' } });
    const fetched = await env.client.userApi.getUser({ userId: user.id! });
    expect(fetched.profile).toMatchObject({ employeeNumber: '4711', hrSystemId: 'HR-42' });
  });

  it('refuses a profile without the required attributes, naming each', async () => {
    await expectOktaError(
      env.client.userApi.createUser({ body: { profile: { firstName: 'Only' } as never } }),
      {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: login',
        causes: [
          'login: The field cannot be left blank',
          'email: The field cannot be left blank',
          'lastName: The field cannot be left blank',
        ],
      },
    );
  });

  it('refuses a login another user has, whatever its case', async () => {
    const first = await createUser();
    await expectOktaError(
      env.client.userApi.createUser({ body: { profile: newProfile({ login: first.profile!.login!.toUpperCase() }) } }),
      {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: login',
        causes: ['login: An object with this field already exists in the current organization'],
      },
    );
  });
});

describe('login uniqueness', () => {
  it('treats logins differing only in diacritical marks as the same login', async () => {
    await createUser({ profile: { login: 'isaac.brock@diacritics.example.com' } });
    await expectOktaError(
      env.client.userApi.createUser({ body: { profile: newProfile({ login: 'isáàc.bröck@diacritics.example.com' }) } }),
      {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: login',
        causes: ['login: An object with this field already exists in the current organization'],
      },
    );
  });

  it('requires logins and emails to look like email addresses', async () => {
    await expectOktaError(
      env.client.userApi.createUser({ body: { profile: newProfile({ login: 'no-at-sign', email: 'also-bad' }) } }),
      {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: login',
        causes: ['login: Username must be in the form of an email address', 'email: Does not match required pattern'],
      },
    );
  });
});

describe('reading users', () => {
  it('finds a user by id and by login in any case', async () => {
    const user = await createUser();
    const byId = await env.client.userApi.getUser({ userId: user.id! });
    const byLogin = await env.client.userApi.getUser({ userId: user.profile!.login!.toUpperCase() });
    expect(byId.id).toBe(user.id);
    expect(byLogin.id).toBe(user.id);
  });

  it('finds a user by login short name only while no other user shares it', async () => {
    const local = `shorty${Date.now()}`;
    const first = await createUser({ profile: { login: `${local}@one.example.com` } });
    expect((await env.client.userApi.getUser({ userId: local })).id).toBe(first.id);

    await createUser({ profile: { login: `${local}@two.example.com` } });
    await expectOktaError(env.client.userApi.getUser({ userId: local }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: `Not found: Resource not found: ${local} (User)`,
    });
  });

  it('answers 404 E0000007 for an unknown user', async () => {
    await expectOktaError(env.client.userApi.getUser({ userId: 'nobody@example.com' }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: nobody@example.com (User)',
    });
  });
});

describe('updating users', () => {
  it('merges a partial profile update', async () => {
    const user = await createUser({ profile: { department: 'Sales' } });
    const updated = await env.client.userApi.updateUser({ userId: user.id!, user: { profile: { title: 'Manager' } } });
    expect(updated.profile).toMatchObject({ department: 'Sales', title: 'Manager', firstName: user.profile!.firstName });
  });

  it('replaces the whole profile on PUT, still requiring the base attributes', async () => {
    const user = await createUser({ profile: { department: 'Sales' } });
    const replacement = newProfile({ login: user.profile!.login });
    const replaced = await env.client.userApi.replaceUser({ userId: user.id!, user: { profile: replacement } });
    expect(replaced.profile?.department).toBeUndefined();
    expect(replaced.profile?.firstName).toBe(replacement.firstName);

    await expectOktaError(
      env.client.userApi.replaceUser({ userId: user.id!, user: { profile: { login: user.profile!.login } as never } }),
      {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: email',
        causes: [
          'email: The field cannot be left blank',
          'firstName: The field cannot be left blank',
          'lastName: The field cannot be left blank',
        ],
      },
    );
  });

  it('moves the login index when the login changes, and refuses a login in use', async () => {
    const user = await createUser();
    const other = await createUser();
    const newLogin = `renamed.${user.id}@example.com`;
    await env.client.userApi.updateUser({ userId: user.id!, user: { profile: { login: newLogin } } });
    expect((await env.client.userApi.getUser({ userId: newLogin })).id).toBe(user.id);
    await expectOktaError(env.client.userApi.getUser({ userId: user.profile!.login! }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: `Not found: Resource not found: ${user.profile!.login} (User)`,
    });

    await expectOktaError(
      env.client.userApi.updateUser({ userId: other.id!, user: { profile: { login: newLogin.toUpperCase() } } }),
      {
        status: 400,
        errorCode: 'E0000001',
        errorSummary: 'Api validation failed: login',
        causes: ['login: An object with this field already exists in the current organization'],
      },
    );
    expect((await env.client.userApi.getUser({ userId: other.profile!.login! })).id).toBe(other.id);
  });

  it("refuses to change a deactivated user's profile or credentials, by POST or PUT", async () => {
    const user = await createUser();
    await env.client.userApi.deactivateUser({ userId: user.id! });
    const notAllowed = {
      status: 403,
      errorCode: 'E0000038',
      errorSummary: "This operation is not allowed in the user's current status.",
    };
    await expectOktaError(env.client.userApi.updateUser({ userId: user.id!, user: { profile: { title: 'Gone' } } }), notAllowed);
    await expectOktaError(
      env.client.userApi.replaceUser({ userId: user.id!, user: { profile: newProfile({ login: user.profile!.login }) } }),
      notAllowed,
    );
    await expectOktaError(
      env.client.userApi.updateUser({ userId: user.id!, user: { credentials: { password: { value: 'Tr0ub4dor&3xyz' } } } }),
      notAllowed,
    );
    expect((await env.client.userApi.getUser({ userId: user.id! })).profile?.title).toBeUndefined();
  });

  it('sets a password for a user who had none', async () => {
    const user = await createUser({ activate: false });
    expect(user.credentials?.password).toBeUndefined();
    const updated = await env.client.userApi.updateUser({
      userId: user.id!,
      user: { credentials: { password: { value: 'Tr0ub4dor&3xyz' }, recovery_question: { question: 'First pet?', answer: 'Rex' } } },
    });
    expect(updated.credentials?.password).toEqual({});
    expect(updated.credentials?.recovery_question).toEqual({ question: 'First pet?' });
    expect(updated.passwordChanged).toBeInstanceOf(Date);
    expect(updated.status).toBe('STAGED');
  });
});

describe('user lifecycle', () => {
  async function statusOf(userId: string) {
    return (await env.client.userApi.getUser({ userId })).status;
  }

  it('activates a staged user, handing out the activation token when no email is sent', async () => {
    const user = await createUser({ activate: false });
    const token = await env.client.userApi.activateUser({ userId: user.id!, sendEmail: false });
    expect(token.activationToken).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(token.activationUrl).toBe(`${env.emulator.url}/tokens/${token.activationToken}/verify`);
    expect(await statusOf(user.id!)).toBe('PROVISIONED');

    const withPassword = await createUser({ activate: false, password: 'Tr0ub4dor&3xyz' });
    const emailed = await env.client.userApi.activateUser({ userId: withPassword.id!, sendEmail: true });
    expect(emailed.activationToken).toBeUndefined();
    expect(await statusOf(withPassword.id!)).toBe('ACTIVE');
  });

  it('refuses to activate an active user', async () => {
    const user = await createUser({ password: 'Tr0ub4dor&3xyz' });
    await expectOktaError(env.client.userApi.activateUser({ userId: user.id!, sendEmail: false }), {
      status: 403,
      errorCode: 'E0000016',
      errorSummary: 'Activation failed because the user is already active',
    });
  });

  it('suspends only active users and unsuspends only suspended ones', async () => {
    const user = await createUser({ password: 'Tr0ub4dor&3xyz' });
    await env.client.userApi.suspendUser({ userId: user.id! });
    expect(await statusOf(user.id!)).toBe('SUSPENDED');
    await expectOktaError(env.client.userApi.suspendUser({ userId: user.id! }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: suspendUser',
      causes: ['Cannot suspend a user that is not active'],
    });

    await env.client.userApi.unsuspendUser({ userId: user.id! });
    expect(await statusOf(user.id!)).toBe('ACTIVE');
    await expectOktaError(env.client.userApi.unsuspendUser({ userId: user.id! }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: unsuspendUser',
      causes: ['Cannot unsuspend a user that is not suspended'],
    });

    const staged = await createUser({ activate: false });
    await expectOktaError(env.client.userApi.suspendUser({ userId: staged.id! }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: suspendUser',
      causes: ['Cannot suspend a user that is not active'],
    });
  });

  it('deactivates a suspended user, answers a second deactivation as if the user were gone, and activates again', async () => {
    const user = await createUser({ password: 'Tr0ub4dor&3xyz' });
    await env.client.userApi.suspendUser({ userId: user.id! });
    await env.client.userApi.deactivateUser({ userId: user.id! });
    expect(await statusOf(user.id!)).toBe('DEPROVISIONED');
    await expectOktaError(env.client.userApi.deactivateUser({ userId: user.id! }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: `Not found: Resource not found: ${user.id} (User)`,
    });

    await env.client.userApi.activateUser({ userId: user.id!, sendEmail: false });
    expect(await statusOf(user.id!)).toBe('ACTIVE');
  });

  it('answers 404 E0000007 for a lifecycle operation on an unknown user', async () => {
    await expectOktaError(env.client.userApi.suspendUser({ userId: '00uDoesNotExist000000' }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 00uDoesNotExist000000 (User)',
    });
  });
});

describe('deleting users', () => {
  it('deactivates on the first delete and removes on the second', async () => {
    const user = await createUser({ password: 'Tr0ub4dor&3xyz' });
    await env.client.userApi.deleteUser({ userId: user.id! });
    expect((await env.client.userApi.getUser({ userId: user.id! })).status).toBe('DEPROVISIONED');

    await env.client.userApi.deleteUser({ userId: user.id! });
    await expectOktaError(env.client.userApi.getUser({ userId: user.id! }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: `Not found: Resource not found: ${user.id} (User)`,
    });

    // The login is free again once the user is gone.
    const again = await env.client.userApi.createUser({ body: { profile: newProfile({ login: user.profile!.login }) } });
    expect(again.id).not.toBe(user.id);
  });

  it("revokes a user's sessions, and answers 404 for an unknown user", async () => {
    const user = await createUser();
    await expect(env.client.userApi.revokeUserSessions({ userId: user.id! })).resolves.toBeUndefined();
    await expectOktaError(env.client.userApi.revokeUserSessions({ userId: 'ghost@example.com' }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: ghost@example.com (User)',
    });
  });
});

describe('the System Log', () => {
  const targetOf = (user: { id?: string; profile?: { login?: string; firstName?: string | null; lastName?: string | null } }) => ({
    id: user.id,
    type: 'User',
    alternateId: user.profile!.login,
    displayName: `${user.profile!.firstName} ${user.profile!.lastName}`,
  });

  const entries = (userId: string) =>
    logEntriesAbout(env, userId).map(({ eventType, displayMessage, target }) => ({ eventType, displayMessage, target }));

  it("records a user's creation, activation, changes and deletion", async () => {
    const user = await createUser();
    await env.client.userApi.updateUser({ userId: user.id!, user: { profile: { title: 'Engineer' } } });
    await env.client.userApi.updateUser({ userId: user.id!, user: { credentials: { password: { value: 'Tr0ub4dor&3xyz' } } } });
    await env.client.userApi.revokeUserSessions({ userId: user.id!, oauthTokens: true });
    await env.client.userApi.deleteUser({ userId: user.id! });
    await env.client.userApi.deleteUser({ userId: user.id! });
    const target = [targetOf(user)];
    expect(entries(user.id!)).toEqual([
      { eventType: 'user.lifecycle.create', displayMessage: 'Create Okta user', target },
      { eventType: 'user.lifecycle.activate', displayMessage: 'Activate Okta user', target },
      { eventType: 'user.account.update_profile', displayMessage: 'Update user profile for Okta', target },
      { eventType: 'user.account.update_password', displayMessage: 'Update user password', target },
      { eventType: 'user.session.clear', displayMessage: 'Clear user session', target },
      { eventType: 'user.lifecycle.deactivate', displayMessage: 'Deactivate Okta user', target },
      { eventType: 'user.lifecycle.delete.initiated', displayMessage: 'Delete Okta user', target },
    ]);
  });

  it('names the user as they are after a change of name', async () => {
    const user = await createUser({ activate: false });
    const renamed = await env.client.userApi.updateUser({ userId: user.id!, user: { profile: { firstName: 'Renamed' } } });
    expect(entries(user.id!).at(-1)).toEqual({
      eventType: 'user.account.update_profile',
      displayMessage: 'Update user profile for Okta',
      target: [targetOf(renamed)],
    });
  });

  it('records nothing for a change Okta refuses', async () => {
    const user = await createUser({ activate: false });
    await expectOktaError(env.client.userApi.updateUser({ userId: user.id!, user: { profile: { email: 'not-an-email' } } }), {
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: email',
      causes: ['email: Does not match required pattern'],
    });
    expect(entries(user.id!).map((entry) => entry.eventType)).toEqual(['user.lifecycle.create']);
  });
});
