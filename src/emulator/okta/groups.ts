import type { FastifyInstance } from 'fastify';
import { pageLinks, parseLimit, takePage } from './paging.ts';
import { groupFilter, groupQuery, groupSearch } from './queries.ts';
import { groupJson, userJson } from './representation.ts';
import { objectBody, optionalObject, originOf } from './request.ts';
import type { GroupRecord, OktaStore } from './store.ts';

interface GroupParams {
  groupId: string;
}

interface ListQuery {
  search?: string;
  filter?: string;
  q?: string;
  after?: string;
  limit?: string;
}

const MAX_GROUP_PAGE = 10000;
/** A group `q` is meant for pickers: Okta answers up to 300 matches and does not page them. */
const DEFAULT_GROUP_QUERY_PAGE = 300;
const DEFAULT_MEMBER_PAGE = 1000;
const MAX_MEMBER_PAGE = 10000;

function groupSelection(query: ListQuery): { keep?: (group: GroupRecord) => boolean; paged: boolean } {
  if (query.search !== undefined) return { keep: groupSearch(query.search), paged: true };
  if (query.filter !== undefined) return { keep: groupFilter(query.filter), paged: true };
  if (query.q !== undefined) return { keep: groupQuery(query.q), paged: false };
  return { paged: true };
}

export async function groupRoutes(app: FastifyInstance, options: { store: OktaStore }): Promise<void> {
  const { store } = options;

  app.post('/api/v1/groups', async (request) => {
    const group = store.createGroup(optionalObject(objectBody(request.body).profile) ?? {});
    return groupJson(group, originOf(request));
  });

  app.get<{ Querystring: ListQuery }>('/api/v1/groups', async (request, reply) => {
    const origin = originOf(request);
    const { keep, paged } = groupSelection(request.query);
    const page = takePage(store.allGroups(), {
      after: paged ? request.query.after : undefined,
      limit: parseLimit(request.query.limit, paged ? MAX_GROUP_PAGE : DEFAULT_GROUP_QUERY_PAGE, MAX_GROUP_PAGE),
      ...(keep ? { keep } : {}),
    });
    reply.header('link', pageLinks(origin, request.url, paged ? page.nextAfter : undefined));
    return page.items.map((group) => groupJson(group, origin));
  });

  app.get<{ Params: GroupParams }>('/api/v1/groups/:groupId', async (request) =>
    groupJson(store.getGroup(request.params.groupId), originOf(request)),
  );

  app.delete<{ Params: GroupParams }>('/api/v1/groups/:groupId', async (request, reply) => {
    store.deleteGroup(request.params.groupId);
    return reply.code(204).send();
  });

  app.get<{ Params: GroupParams; Querystring: { after?: string; limit?: string } }>(
    '/api/v1/groups/:groupId/users',
    async (request, reply) => {
      const origin = originOf(request);
      const page = takePage(store.membersOf(request.params.groupId), {
        after: request.query.after,
        limit: parseLimit(request.query.limit, DEFAULT_MEMBER_PAGE, MAX_MEMBER_PAGE),
      });
      reply.header('link', pageLinks(origin, request.url, page.nextAfter));
      return page.items.map((user) => userJson(user, origin));
    },
  );

  app.put<{ Params: GroupParams & { userId: string } }>('/api/v1/groups/:groupId/users/:userId', async (request, reply) => {
    store.addMember(request.params.groupId, request.params.userId);
    return reply.code(204).send();
  });

  app.delete<{ Params: GroupParams & { userId: string } }>(
    '/api/v1/groups/:groupId/users/:userId',
    async (request, reply) => {
      store.removeMember(request.params.groupId, request.params.userId);
      return reply.code(204).send();
    },
  );
}
