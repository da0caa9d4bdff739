import type { FastifyInstance } from 'fastify';
import { newToken } from './ids.ts';
import { LIFECYCLE_OPERATIONS } from './lifecycle.ts';
import { pageLinks, parseLimit, takePage } from './paging.ts';
import { userFilter, userQuery, userSearch } from './queries.ts';
import { groupJson, userJson } from './representation.ts';
import { booleanQuery, objectBody, optionalObject, originOf } from './request.ts';
import type { CredentialsInput, OktaStore, UserRecord } from './store.ts';

interface UserParams {
  userId: string;
}

interface ListUsersQuery {
  search?: string;
  filter?: string;
  q?: string;
  after?: string;
  limit?: string;
}

const DEFAULT_PAGE = 200;
const MAX_PAGE = 200;
/** Okta answers at most 10 users to a `q` unless asked for more, and does not page them. */
const DEFAULT_QUERY_PAGE = 10;

function userSelection(query: ListUsersQuery): { keep: (user: UserRecord) => boolean; paged: boolean; defaultLimit: number } {
  // Unlike a plain list or a `q`, `search` and `filter` answers include deactivated users.
  if (query.search !== undefined) return { keep: userSearch(query.search), paged: true, defaultLimit: DEFAULT_PAGE };
  if (query.filter !== undefined) return { keep: userFilter(query.filter), paged: true, defaultLimit: DEFAULT_PAGE };
  const notDeactivated = (user: UserRecord) => user.status !== 'DEPROVISIONED';
  if (query.q !== undefined) {
    const matches = userQuery(query.q);
    return { keep: (user) => notDeactivated(user) && matches(user), paged: false, defaultLimit: DEFAULT_QUERY_PAGE };
  }
  return { keep: notDeactivated, paged: true, defaultLimit: DEFAULT_PAGE };
}

/** Reads `{profile, credentials}` from a create or update body. */
function userChange(body: unknown): { profile?: Record<string, unknown>; credentials?: CredentialsInput } {
  const object = objectBody(body);
  const change: { profile?: Record<string, unknown>; credentials?: CredentialsInput } = {};
  const profile = optionalObject(object.profile);
  if (profile !== undefined) change.profile = profile;
  const credentials = optionalObject(object.credentials);
  if (credentials !== undefined) {
    change.credentials = {
      password: optionalObject(credentials.password),
      recovery_question: optionalObject(credentials.recovery_question),
    };
  }
  return change;
}

export async function userRoutes(app: FastifyInstance, options: { store: OktaStore }): Promise<void> {
  const { store } = options;

  app.post<{ Querystring: { activate?: string } }>('/api/v1/users', async (request) => {
    const { profile = {}, credentials = {} } = userChange(request.body);
    const user = store.createUser(profile, credentials, booleanQuery(request.query.activate, true));
    // Okta answers 200, not the 201 its API description declares.
    return userJson(user, originOf(request));
  });

  app.get<{ Querystring: ListUsersQuery }>('/api/v1/users', async (request, reply) => {
    const origin = originOf(request);
    const { keep, paged, defaultLimit } = userSelection(request.query);
    const page = takePage(store.allUsers(), {
      after: paged ? request.query.after : undefined,
      limit: parseLimit(request.query.limit, defaultLimit, MAX_PAGE),
      keep,
    });
    reply.header('link', pageLinks(origin, request.url, paged ? page.nextAfter : undefined));
    return page.items.map((user) => userJson(user, origin));
  });

  app.get<{ Params: UserParams }>('/api/v1/users/:userId', async (request) =>
    userJson(store.getUser(request.params.userId), originOf(request)),
  );

  app.post<{ Params: UserParams }>('/api/v1/users/:userId', async (request) => {
    const user = store.updateUser(request.params.userId, userChange(request.body), 'merge');
    return userJson(user, originOf(request));
  });

  app.put<{ Params: UserParams }>('/api/v1/users/:userId', async (request) => {
    const user = store.updateUser(request.params.userId, userChange(request.body), 'replace');
    return userJson(user, originOf(request));
  });

  app.delete<{ Params: UserParams }>('/api/v1/users/:userId', async (request, reply) => {
    store.deleteUser(request.params.userId);
    return reply.code(204).send();
  });

  for (const operation of LIFECYCLE_OPERATIONS) {
    app.post<{ Params: UserParams; Querystring: { sendEmail?: string } }>(
      `/api/v1/users/:userId/lifecycle/${operation}`,
      async (request) => {
        store.applyLifecycle(request.params.userId, operation);
        // Without the email, the caller gets what the email would have carried.
        if (operation === 'activate' && !booleanQuery(request.query.sendEmail, true)) {
          const activationToken = newToken(20);
          return { activationUrl: `${originOf(request)}/tokens/${activationToken}/verify`, activationToken };
        }
        return {};
      },
    );
  }

  app.delete<{ Params: UserParams }>('/api/v1/users/:userId/sessions', async (request, reply) => {
    store.getUser(request.params.userId);
    return reply.code(204).send();
  });

  app.get<{ Params: UserParams }>('/api/v1/users/:userId/groups', async (request) => {
    const origin = originOf(request);
    return store.groupsOf(request.params.userId).map((group) => groupJson(group, origin));
  });
}
