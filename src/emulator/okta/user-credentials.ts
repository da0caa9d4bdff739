import type { FastifyInstance } from 'fastify';
import { factorJson } from './factors.ts';
import { newToken } from './ids.ts';
import { booleanQuery, objectBody, optionalObject, originOf, userOf } from './request.ts';
import type { OktaStore, UserRecord } from './store.ts';

/**
 * What an offboarding clears beside the account itself: the user's password (changed or reset
 * through the forgot-password flow) and their MFA factors.
 */

interface UserParams {
  userId: string;
}

/** The `value` of a `{ "value": "…" }` password credential in a body; empty when absent. */
function passwordValue(credential: unknown): string {
  const value = optionalObject(credential)?.value;
  return typeof value === 'string' ? value : '';
}

/** A user's credentials as Okta answers them: that a password is set, never the password. */
function credentialsJson(user: UserRecord): Record<string, unknown> {
  return {
    password: {},
    ...(user.recoveryQuestion === null ? {} : { recovery_question: { question: user.recoveryQuestion } }),
    provider: { type: 'OKTA', name: 'OKTA' },
  };
}

export async function userCredentialRoutes(app: FastifyInstance, options: { store: OktaStore }): Promise<void> {
  const { store } = options;

  app.post<{ Params: UserParams }>('/api/v1/users/:userId/credentials/change_password', async (request) => {
    const body = objectBody(request.body);
    const user = store.changePassword(
      userOf(request.params.userId),
      { oldPassword: passwordValue(body.oldPassword), newPassword: passwordValue(body.newPassword) },
      body.revokeSessions === true,
    );
    return credentialsJson(user);
  });

  app.post<{ Params: UserParams; Querystring: { sendEmail?: string } }>(
    '/api/v1/users/:userId/credentials/forgot_password',
    async (request) => {
      store.forgotPassword(userOf(request.params.userId));
      if (booleanQuery(request.query.sendEmail, true)) return {};
      return { resetPasswordUrl: `${originOf(request)}/signin/reset-password/${newToken(20)}` };
    },
  );

  app.post<{ Params: UserParams }>('/api/v1/users/:userId/lifecycle/reset_factors', async (request) => {
    store.resetFactors(userOf(request.params.userId));
    return {};
  });

  app.get<{ Params: UserParams }>('/api/v1/users/:userId/factors', async (request) => {
    const userId = userOf(request.params.userId);
    const userUrl = `${originOf(request)}/api/v1/users/${store.getUser(userId).id}`;
    return store.factorsOf(userId).map((factor) => factorJson(factor, userUrl));
  });

  app.post<{ Params: UserParams; Querystring: { activate?: string } }>('/api/v1/users/:userId/factors', async (request) => {
    const user = store.getUser(userOf(request.params.userId));
    const factor = store.enrollFactor(user.id, objectBody(request.body), booleanQuery(request.query.activate, false));
    return factorJson(factor, `${originOf(request)}/api/v1/users/${user.id}`);
  });
}
