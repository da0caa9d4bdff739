import Fastify, { type FastifyInstance } from 'fastify';
import { hrWebhookRoute, type HrWebhookOptions } from './hr-webhook-route.ts';

/** The largest request body the intake reads; larger ones get 413 before any work. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export function buildIntakeServer(options: { hr: HrWebhookOptions }): FastifyInstance {
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES });
  // Fastify's own refusals (413, 415 …) get the same body shape as Tenure's.
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 503;
    if (status === 503) request.log.error(error);
    return reply.code(status).send({ error: status === 503 ? 'Tenure could not hand the events to Temporal; nothing was lost, send them again' : error.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url}` }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.register(hrWebhookRoute, options.hr);
  return app;
}
