import Fastify, { type FastifyInstance } from 'fastify';
import { hrWebhookRoute, type HrWebhookOptions } from './hr-webhook-route.ts';
import { oktaHookRoute, type OktaHookOptions } from './okta-hook-route.ts';
import { scimServer, type ScimServerOptions } from './scim-server.ts';

/** The largest request body the intake reads; larger ones get 413 before any work. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/** The intake's routes: the HR webhook, and the Okta event hook when it has a secret. */
export function buildIntakeServer(options: { hr: HrWebhookOptions; okta: OktaHookOptions | undefined; scim?: ScimServerOptions }): FastifyInstance {
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES });
  // Fastify's own refusals (413, 415 …) get the same body shape as Tenure's, and say what to change.
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 503;
    if (status === 503) {
      request.log.error(error);
      return reply.code(503).send({
        error: 'Tenure could not hand the events to Temporal; nothing was lost. Send the same request again: events already handed over are dropped as duplicates',
      });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ error: `the body is larger than the intake's limit of ${BODY_LIMIT_BYTES / 1024 / 1024} MiB (${BODY_LIMIT_BYTES} bytes): send fewer events per request` });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const given = request.headers['content-type'];
      return reply.code(415).send({ error: `the body must be JSON, sent with content-type: application/json (this request has ${given ? `content-type: ${given}` : 'none'})` });
    }
    return reply.code(status).send({ error: error.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url}` }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.register(hrWebhookRoute, options.hr);
  if (options.okta) app.register(oktaHookRoute, options.okta);
  // One SCIM endpoint per integration; the plugin answers its own errors as SCIM Error messages.
  if (options.scim) app.register(scimServer, options.scim);
  return app;
}
