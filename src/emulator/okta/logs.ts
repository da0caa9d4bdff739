import type { FastifyInstance } from 'fastify';
import { parseLogQuery, queryLog, type RawLogQuery } from './log-query.ts';
import { pageLinks } from './paging.ts';
import { originOf } from './request.ts';
import type { OktaStore } from './store.ts';

export async function logRoutes(app: FastifyInstance, options: { store: OktaStore }): Promise<void> {
  const { log } = options.store;

  app.get<{ Querystring: RawLogQuery }>('/api/v1/logs', async (request, reply) => {
    const entries = log.all();
    const page = queryLog(entries, parseLogQuery(request.query, entries.length), log.now());
    reply.header('link', pageLinks(originOf(request), request.url, page.nextAfter));
    return page.events;
  });
}
