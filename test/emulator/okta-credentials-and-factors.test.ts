import { describe, expect, it } from 'vitest';
import { collect, expectOktaError, logEntriesAbout, newProfile, rawRequest, useOktaEmulator } from './okta-fixture.ts';

const env = useOktaEmulator();

const PASSWORD = 'Tr0ub4dor&3-first';
const NEW_PASSWORD = 'correct-horse-battery-9';

async function activeUser(options: { question?: boolean } = {}) {
  return env.client.userApi.createUser({
    body: {
      profile: newProfile(),
      credentials: {
        password: { value: PASSWORD },
        ...(options.question ? { recovery_question: { question: 'First pet?', answer: 'Rex the dog' } } : {}),
      },
    },
  });
}

const eventTypesAbout = (id: string) => logEntriesAbout(env, id).map((event) => event.eventType);

describe('change_password', () => {
  it('changes the password given the old one, answers the credentials and logs it; the old one then fails', async () => {
    const user = await activeUser();
    const credentials = await env.client.userApi.changePassword({
      userId: user.id!,
      changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: NEW_PASSWORD } },
    });
    expect(credentials).toMatchObject({ password: {}, provider: { type: 'OKTA', name: 'OKTA' } });
    expect(JSON.stringify(credentials)).not.toContain(NEW_PASSWORD);
    expect(eventTypesAbout(user.id!).at(-1)).toBe('user.account.update_password');
    await expectOktaError(
      env.client.userApi.changePassword({
        userId: user.id!,
        changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: 'yet-another-one-7' } },
      }),
      { status: 403, errorCode: 'E0000014', errorSummary: 'Update of credentials failed', causes: ['oldPassword: Old Password is not correct'] },
    );
    await env.client.userApi.changePassword({
      userId: user.id!,
      changePasswordRequest: { oldPassword: { value: NEW_PASSWORD }, newPassword: { value: 'yet-another-one-7' } },
    });
  });

  it('makes a user whose temporary password expired ACTIVE with a password of their own', async () => {
    const user = await env.client.userApi.createUser({ body: { profile: newProfile() } });
    const response = await rawRequest(env, `/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password`, { method: 'POST' });
    const { tempPassword } = (await response.json()) as { tempPassword: string };
    expect((await env.client.userApi.getUser({ userId: user.id! })).status).toBe('PASSWORD_EXPIRED');
    await env.client.userApi.changePassword({
      userId: user.id!,
      changePasswordRequest: { oldPassword: { value: tempPassword }, newPassword: { value: NEW_PASSWORD } },
    });
    expect((await env.client.userApi.getUser({ userId: user.id! })).status).toBe('ACTIVE');
  });

  it('refuses a user without a password, and nobody', async () => {
    const staged = await env.client.userApi.createUser({ body: { profile: newProfile() }, activate: false });
    const change = { oldPassword: { value: PASSWORD }, newPassword: { value: NEW_PASSWORD } };
    await expectOktaError(env.client.userApi.changePassword({ userId: staged.id!, changePasswordRequest: change }), {
      status: 403,
      errorCode: 'E0000038',
      errorSummary: "This operation is not allowed in the user's current status.",
    });
    await expectOktaError(env.client.userApi.changePassword({ userId: '00uNobody', changePasswordRequest: change }), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 00uNobody (User)',
    });
  });
});

describe('forgot_password', () => {
  it('answers a reset link without the email, nothing with it, leaves the status alone and logs it', async () => {
    const user = await activeUser({ question: true });
    const link = await env.client.userApi.forgotPassword({ userId: user.id!, sendEmail: false });
    expect(link.resetPasswordUrl).toMatch(new RegExp(`^${env.emulator.url}/signin/reset-password/[A-Za-z0-9]{20}$`));
    const emailed = await rawRequest(env, `/api/v1/users/${user.id}/credentials/forgot_password`, { method: 'POST' });
    expect(await emailed.json()).toEqual({});
    expect((await env.client.userApi.getUser({ userId: user.id! })).status).toBe('ACTIVE');
    expect(eventTypesAbout(user.id!).slice(-2)).toEqual(['user.account.reset_password', 'user.account.reset_password']);
  });

  it('refuses a user without a recovery question, and one who is not ACTIVE', async () => {
    const refused = { status: 403, errorCode: 'E0000034', errorSummary: 'Forgot password not allowed on specified user.' };
    const noQuestion = await activeUser();
    await expectOktaError(env.client.userApi.forgotPassword({ userId: noQuestion.id!, sendEmail: false }), refused);
    const suspended = await activeUser({ question: true });
    await env.client.userApi.suspendUser({ userId: suspended.id! });
    await expectOktaError(env.client.userApi.forgotPassword({ userId: suspended.id!, sendEmail: false }), refused);
  });
});

describe('factors', () => {
  it('lists the factors a user enrolled, then none once reset_factors cleared them, logging both', async () => {
    const user = await activeUser();
    expect(await collect(env.client.userFactorApi.listFactors({ userId: user.id! }))).toEqual([]);
    const email = await env.client.userFactorApi.enrollFactor({
      userId: user.id!,
      body: { factorType: 'email', provider: 'OKTA', profile: { email: user.profile!.email } },
      activate: true,
    });
    const totp = await env.client.userFactorApi.enrollFactor({
      userId: user.id!,
      body: { factorType: 'token:software:totp', provider: 'GOOGLE' },
    });
    expect({ id: email.id, status: email.status, factorType: email.factorType }).toMatchObject({
      id: expect.stringMatching(/^emf[A-Za-z0-9]{17}$/),
      status: 'ACTIVE',
      factorType: 'email',
    });
    expect(totp.status).toBe('PENDING_ACTIVATION');
    const listed = await collect(env.client.userFactorApi.listFactors({ userId: user.id! }));
    expect(listed.map((factor) => [factor.factorType, factor.provider, factor.status])).toEqual([
      ['email', 'OKTA', 'ACTIVE'],
      ['token:software:totp', 'GOOGLE', 'PENDING_ACTIVATION'],
    ]);

    await env.client.userApi.resetFactors({ userId: user.id! });
    expect(await collect(env.client.userFactorApi.listFactors({ userId: user.id! }))).toEqual([]);
    expect((await env.client.userApi.getUser({ userId: user.id! })).status).toBe('ACTIVE');
    expect(eventTypesAbout(user.id!).slice(-2)).toEqual(['user.mfa.factor.activate', 'user.mfa.factor.reset_all']);
  });

  it('keeps no security question answer, and refuses a factor type it does not know', async () => {
    const user = await activeUser();
    const question = await env.client.userFactorApi.enrollFactor({
      userId: user.id!,
      body: { factorType: 'question', provider: 'OKTA', profile: { question: 'disliked_food', answer: 'mayonnaise' } },
    });
    expect(question.status).toBe('ACTIVE');
    const listed = await rawRequest(env, `/api/v1/users/${user.id}/factors`);
    expect(await listed.text()).not.toContain('mayonnaise');
    await expectOktaError(
      rawRequest(env, `/api/v1/users/${user.id}/factors`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ factorType: 'telepathy', provider: 'OKTA' }),
      }),
      { status: 400, errorCode: 'E0000001', errorSummary: 'Api validation failed: factorEnrollRequest', causes: ['factorType: Unsupported factor type "telepathy"'] },
    );
  });

  it("answers 404 for nobody's factors", async () => {
    await expectOktaError(collect(env.client.userFactorApi.listFactors({ userId: '00uNobody' })), {
      status: 404,
      errorCode: 'E0000007',
      errorSummary: 'Not found: Resource not found: 00uNobody (User)',
    });
  });
});
