import type { FastifyInstance } from 'fastify';
import { newToken } from './ids.ts';
import { LIFECYCLE_OPERATIONS, TRANSITIONS, type LifecycleOperation } from './lifecycle.ts';
import { pageLinks } from './paging.ts';
import { listUsers, type ListQuery } from './queries.ts';
import { groupJson, userJson } from './representation.ts';
import { booleanQuery, objectBody, optionalObject, originOf, userOf } from './request.ts';
import type { OktaStore, UserChange, UserRecord } from './store.ts';

interface UserParams {
  userId: string;
}

interface CreateQuery {
  activate?: string;
  nextLogin?: string;
}

interface LifecycleQuery {
  sendEmail?: string;
  revokeSessions?: string;
}

/** Reads `{profile, credentials}` from a create or update body. */
function userChange(body: unknown): UserChange {
  const object = objectBody(body);
  const change: UserChange = {};
  const profile = optionalObject(object.profile);
  if (profile !== undefined) change.profile = profile;
  const credentials = optionalObject(object.credentials);
  if (credentials !== undefined) {
    const password = optionalObject(credentials.password);
    const question = optionalObject(credentials.recovery_question);
    change.credentials = { ...(password ? { password } : {}), ...(question ? { recovery_question: question } : {}) };
  }
  return change;
}

/** Without the email, the caller gets what the email would have carried. */
function activation(origin: string, sendEmail: boolean): Record<string, string> {
  if (sendEmail) return {};
  const activationToken = newToken(20);
  return { activationUrl: `${origin}/tokens/${activationToken}/verify`, activationToken };
}

/** `password` is the temporary password of an operation that sets one. */
type Answer = (user: UserRecord, query: LifecycleQuery, origin: string, password?: string) => unknown;

const nothing: Answer = () => ({});

/** What each lifecycle operation answers once it is done. */
const ANSWERS: Readonly<Record<LifecycleOperation, Answer>> = {
  activate: (_user, query, origin) => activation(origin, booleanQuery(query.sendEmail, true)),
  reactivate: (_user, query, origin) => activation(origin, booleanQuery(query.sendEmail, false)),
  deactivate: nothing,
  suspend: nothing,
  unsuspend: nothing,
  unlock: nothing,
  expire_password: (user, _query, origin) => userJson(user, origin, 'all'),
  expire_password_with_temp_password: (_user, _query, _origin, password) => ({ tempPassword: password }),
  reset_password: (_user, query, origin) =>
    booleanQuery(query.sendEmail, true) ? {} : { resetPasswordUrl: `${origin}/reset_password/${newToken(20)}` },
};

/** The operations that take `revokeSessions`, to end the user's sessions as well. */
const REVOKING: ReadonlySet<LifecycleOperation> = new Set(['expire_password_with_temp_password', 'reset_password']);

export async function userRoutes(app: FastifyInstance, options: { store: OktaStore }): Promise<void> {
  const { store } = options;

  app.post<{ Querystring: CreateQuery }>('/api/v1/users', async (request) => {
    const { profile = {}, credentials = {} } = userChange(request.body);
    const user = store.createUser({
      profile,
      credentials,
      activate: booleanQuery(request.query.activate, true),
      expirePassword: request.query.nextLogin === 'changePassword',
    });
    // Okta answers 200, not the 201 its API description declares.
    return userJson(user, originOf(request), 'all');
  });

  app.get<{ Querystring: ListQuery }>('/api/v1/users', async (request, reply) => {
    const origin = originOf(request);
    const page = listUsers(store, request.query);
    reply.header('link', pageLinks(origin, request.url, page.nextAfter));
    return page.items.map((user) => userJson(user, origin, 'self'));
  });

  app.get<{ Params: UserParams }>('/api/v1/users/:userId', async (request) =>
    userJson(store.getUser(userOf(request.params.userId)), originOf(request), 'all'),
  );

  app.post<{ Params: UserParams }>('/api/v1/users/:userId', async (request) => {
    const user = store.updateUser(userOf(request.params.userId), userChange(request.body), 'merge');
    return userJson(user, originOf(request), 'all');
  });

  app.put<{ Params: UserParams }>('/api/v1/users/:userId', async (request) => {
    const user = store.updateUser(userOf(request.params.userId), userChange(request.body), 'replace');
    return userJson(user, originOf(request), 'all');
  });

  app.delete<{ Params: UserParams }>('/api/v1/users/:userId', async (request, reply) => {
    store.deleteUser(userOf(request.params.userId));
    return reply.code(204).send();
  });

  for (const operation of LIFECYCLE_OPERATIONS) {
    app.post<{ Params: UserParams; Querystring: LifecycleQuery }>(
      `/api/v1/users/:userId/lifecycle/${operation}`,
      async (request) => {
        const password = TRANSITIONS[operation].setsPassword ? newToken(8) : undefined;
        const user = store.applyLifecycle(userOf(request.params.userId), operation, password);
        if (REVOKING.has(operation) && booleanQuery(request.query.revokeSessions, false)) store.clearSessions(user.id);
        return ANSWERS[operation](user, request.query, originOf(request), password);
      },
    );
  }

  // `oauthTokens` (revoke the user's OAuth tokens too) changes nothing the emulator keeps.
  app.delete<{ Params: UserParams }>('/api/v1/users/:userId/sessions', async (request, reply) => {
    store.clearSessions(userOf(request.params.userId));
    return reply.code(204).send();
  });

  app.get<{ Params: UserParams }>('/api/v1/users/:userId/groups', async (request) => {
    const origin = originOf(request);
    return store.groupsOf(userOf(request.params.userId)).map((group) => groupJson(group, origin));
  });
}
