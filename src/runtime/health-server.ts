import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { metricsRoute } from '../metrics/route.ts';

/** Why the process cannot take work now, or undefined when it can. */
export type ReadinessCheck = () => Promise<string | undefined>;

/** Long enough for a loaded frontend, short enough that a probe with a 5 s timeout still gets an answer. */
const TEMPORAL_CHECK_MS = 2_000;

/**
 * Temporal answers a cheap call within the deadline. A load balancer that stops sending work to a
 * process whose Temporal is gone keeps events from piling up as 500s there.
 */
export function temporalAnswers(client: Client): ReadinessCheck {
  return async () => {
    try {
      await client.connection.withDeadline(Date.now() + TEMPORAL_CHECK_MS, () => client.workflowService.getSystemInfo({}));
      return undefined;
    } catch (error) {
      return `Temporal does not answer: ${(error as Error).message}`;
    }
  };
}

/** The first reason any check gives, in order. */
export function allOf(...checks: ReadinessCheck[]): ReadinessCheck {
  return async () => {
    for (const check of checks) {
      const reason = await check();
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
}

/**
 * `/healthz`: the process is up (restart it when not). `/readyz`: it can do its work now (send it
 * none when not), 503 with the reason otherwise.
 */
export const healthRoutes: FastifyPluginAsync<{ ready: ReadinessCheck }> = async (app, { ready }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reason = await ready();
    return reason === undefined ? { status: 'ready' } : reply.code(503).send({ status: 'not ready', reason });
  });
};

/**
 * A worker has no intake: this small server gives its probes and Prometheus something to call.
 * Loopback by default, since metrics describe the org's activity.
 */
export async function startHealthServer(options: { host: string; port: number; ready: ReadinessCheck }): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify();
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url}` }));
  app.register(healthRoutes, { ready: options.ready });
  app.register(metricsRoute);
  const url = await app.listen({ port: options.port, host: options.host });
  return { url, close: () => app.close() };
}
