import type { FastifyPluginAsync } from 'fastify';
import { registry } from './registry.ts';

/** Prometheus's scrape endpoint for this process's Tenure metrics. */
export const metricsRoute: FastifyPluginAsync = async (app) => {
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
};
