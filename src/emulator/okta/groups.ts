import type { FastifyInstance } from 'fastify';
import { pageLinks } from './paging.ts';
import { listGroups, listMembers, type ListQuery } from './queries.ts';
import { groupJson, userJson } from './representation.ts';
import { objectBody, optionalObject, originOf } from './request.ts';
import type { OktaStore } from './store.ts';

interface GroupParams {
  groupId: string;
}

interface MembershipParams extends GroupParams {
  userId: string;
}

/** The `profile` of a create or replace body. */
function groupProfile(body: unknown): Record<string, unknown> {
  return optionalObject(objectBody(body).profile) ?? {};
}

export async function groupRoutes(app: FastifyInstance, options: { store: OktaStore }): Promise<void> {
  const { store } = options;

  app.post('/api/v1/groups', async (request) => groupJson(store.createGroup(groupProfile(request.body)), originOf(request)));

  app.get<{ Querystring: ListQuery }>('/api/v1/groups', async (request, reply) => {
    const origin = originOf(request);
    const page = listGroups(store, request.query);
    reply.header('link', pageLinks(origin, request.url, page.nextAfter));
    return page.items.map((group) => groupJson(group, origin));
  });

  app.get<{ Params: GroupParams }>('/api/v1/groups/:groupId', async (request) =>
    groupJson(store.getGroup(request.params.groupId), originOf(request)),
  );

  app.put<{ Params: GroupParams }>('/api/v1/groups/:groupId', async (request) =>
    groupJson(store.replaceGroup(request.params.groupId, groupProfile(request.body)), originOf(request)),
  );

  app.delete<{ Params: GroupParams }>('/api/v1/groups/:groupId', async (request, reply) => {
    store.deleteGroup(request.params.groupId);
    return reply.code(204).send();
  });

  app.get<{ Params: GroupParams; Querystring: Pick<ListQuery, 'after' | 'limit'> }>(
    '/api/v1/groups/:groupId/users',
    async (request, reply) => {
      const origin = originOf(request);
      const page = listMembers(store, request.params.groupId, request.query);
      reply.header('link', pageLinks(origin, request.url, page.nextAfter));
      return page.items.map((user) => userJson(user, origin, 'self'));
    },
  );

  app.put<{ Params: MembershipParams }>('/api/v1/groups/:groupId/users/:userId', async (request, reply) => {
    store.addMember(request.params.groupId, request.params.userId);
    return reply.code(204).send();
  });

  app.delete<{ Params: MembershipParams }>('/api/v1/groups/:groupId/users/:userId', async (request, reply) => {
    store.removeMember(request.params.groupId, request.params.userId);
    return reply.code(204).send();
  });
}
