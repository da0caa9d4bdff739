import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { intakeLogOptions, REQUEST_ID_HEADER, routePattern } from '../logging/intake-log.ts';
import { intakeRequests } from '../metrics/registry.ts';
import { metricsRoute } from '../metrics/route.ts';
import { healthRoutes, type ReadinessCheck } from '../runtime/health-server.ts';
import { codecRoute, type CodecRouteOptions } from './codec-route.ts';
import { DECISIONS_PREFIX, decisionsRoute, type DecisionsRouteOptions } from './decisions-route.ts';
import { hrWebhookRoute, type HrWebhookOptions } from './hr-webhook-route.ts';
import { oktaHookRoute, type OktaHookOptions } from './okta-hook-route.ts';
import { scimServer, type ScimServerOptions } from './scim-server.ts';

/** The largest request body the intake reads; larger ones get 413 before any work. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The intake's routes: the HR webhook, and the Okta event hook when it has a secret; `/healthz`,
 * `/readyz` (Temporal answers) and `/metrics` for operations. Each plugin
 * answers its own errors (src/server/hook-errors.ts, SCIM's as SCIM Error messages).
 */
export function buildIntakeServer(options: { hr: HrWebhookOptions; okta: OktaHookOptions | undefined; scim?: ScimServerOptions; codec?: CodecRouteOptions; decisions?: DecisionsRouteOptions; ready?: ReadinessCheck; logger?: Logger }): FastifyInstance {
  // One line per request, by route pattern, under the caller's X-Request-Id or a new one (src/logging/intake-log.ts).
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, ...intakeLogOptions(options.logger) });
  // The caller learns the id its request is logged and carried to Temporal under.
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url}` }));
  app.addHook('onResponse', async (request, reply) => {
    intakeRequests.inc({ route: routePattern(request), status: String(reply.statusCode) });
  });
  // Without a check (a test's intake alone) it is ready whenever it answers.
  app.register(healthRoutes, { ready: options.ready ?? (async () => undefined) });
  app.register(metricsRoute);
  app.register(hrWebhookRoute, options.hr);
  if (options.okta) app.register(oktaHookRoute, options.okta);
  // One SCIM endpoint per integration; the plugin answers its own errors as SCIM Error messages.
  if (options.scim) app.register(scimServer, options.scim);
  // Temporal's codec server, for the UI and CLI of operators who may read the records; only with a token.
  if (options.codec) app.register(codecRoute, options.codec);
  // Approvals and rejections by people signed in with the company's identity provider; only with its issuer and a decision key.
  if (options.decisions) app.register(decisionsRoute, { ...options.decisions, prefix: DECISIONS_PREFIX });
  return app;
}
