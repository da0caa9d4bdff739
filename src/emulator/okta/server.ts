import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { adminRoutes } from './admin.ts';
import { appRoutes } from './apps.ts';
import { Authenticator } from './auth.ts';
import { runInRequestContext } from './context.ts';
import { endpointFamily, isAdminPath, pathOf } from './endpoint-families.ts';
import {
  OktaError,
  internalServerError,
  invalidToken,
  malformedBody,
  resourceNotFound,
  unsupportedMediaType,
  unsupportedMethod,
} from './errors.ts';
import { DeliveryDrops } from './event-hook-delivery.ts';
import { eventHookRoutes } from './event-hooks.ts';
import { Faults } from './faults.ts';
import { groupRoutes } from './groups.ts';
import { newRequestId } from './ids.ts';
import { logRoutes } from './logs.ts';
import { AuthorizationServer, tokenRoute } from './oauth.ts';
import type { OAuthClientRegistration } from './oauth-clients.ts';
import { isOidcPath, SANDBOX_OIDC_CLIENTS, type OidcClientRegistration } from './oidc-clients.ts';
import { oidcRoutes } from './oidc-routes.ts';
import { loadState, persistState } from './persistence.ts';
import {
  FAST_RATE_LIMITS_NOTICE,
  RateLimiter,
  rateLimitExceeded,
  setRateLimitHeaders,
  type RateLimitOptions,
} from './rate-limits.ts';
import { Provisioning } from './provisioning.ts';
import { DEFAULT_PUSH_OPTIONS, ScimPush, type PushOptions } from './scim-push.ts';
import { applySeed, readSeedFile } from './seed.ts';
import { OktaStore } from './store.ts';
import { SystemLog } from './system-log.ts';
import { RouteTable } from './route-table.ts';
import { userCredentialRoutes } from './user-credentials.ts';
import { userSchemaRoutes } from './user-schema-routes.ts';
import { userRoutes } from './users.ts';

export interface OktaEmulatorOptions {
  /** The API token clients must present as `Authorization: SSWS <token>`. */
  token: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Per endpoint family; by default Okta's documented per-minute limits. */
  rateLimits?: RateLimitOptions;
  /** OAuth service apps that may get access tokens at `/oauth2/v1/token`. */
  oauthClients?: readonly OAuthClientRegistration[];
  /** Native OIDC apps that may sign people in through the `default` authorization server; by default the sandbox's `tenure-operators`. */
  oidcClients?: readonly OidcClientRegistration[];
  /** Serves the admin API under /emulator/v1 (faults, reset, seed) to the SSWS token. */
  admin?: boolean;
  /** Users and groups to start with, unless `stateFile` holds a saved org. */
  seedFile?: string;
  /** Where the org is saved as it changes, and restored from at start. */
  stateFile?: string;
  /** The emulator's clock in epoch milliseconds, for `Date`, rate-limit windows and token lifetimes. Tests pass one they control. */
  now?: () => number;
  /** Draws injected failures; defaults to Math.random. */
  random?: () => number;
  /** How SCIM pushes to provisioning apps wait and retry; tests shorten the waits. */
  push?: Partial<PushOptions>;
}

export interface OktaEmulator {
  /** The org URL to give the SDK, e.g. http://127.0.0.1:45123, without a trailing slash. */
  url: string;
  /** The org's state, for tests that look behind the API. */
  store: OktaStore;
  /** Set when the limits are the fast setting's, a hundred times Okta's: the line whoever starts the emulator must print. */
  rateLimitNotice: string | undefined;
  close(): Promise<void>;
}

/** What the request hooks consult before any route runs. */
interface Platform {
  now: () => number;
  rateLimiter: RateLimiter;
  faults: Faults;
  authenticator: Authenticator;
  authorizationServer: AuthorizationServer;
  oidcClients: readonly OidcClientRegistration[];
  admin: boolean;
  push: ScimPush;
}

/** Maps whatever went wrong to the Okta error a client would get for it. */
function asOktaError(error: FastifyError | OktaError): OktaError {
  if (error instanceof OktaError) return error;
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return unsupportedMediaType();
  if (error.statusCode !== undefined && error.statusCode < 500) return malformedBody();
  return internalServerError();
}

function buildApp(store: OktaStore, platform: Platform): FastifyInstance {
  // Okta logins can be long, and they are sent percent-encoded in paths.
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 1024 } });
  const { now, rateLimiter, faults, authenticator } = platform;

  // Okta takes JSON only. The SDK sends `Content-Type: application/json` on bodyless POSTs too,
  // so an empty body is no body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(malformedBody(), undefined);
    }
  });

  // Every answer, refusals included, carries a request id, the date and its family's quota;
  // then come injected faults, then authentication. Callback hooks: they cost less than async ones.
  app.addHook('onRequest', (request, reply, done) => {
    const nowMs = now();
    const requestId = newRequestId();
    reply.header('x-okta-request-id', requestId).header('date', new Date(nowMs).toUTCString());
    const path = pathOf(request.url);
    if (isAdminPath(path)) return done(authenticator.hasApiToken(request) ? undefined : invalidToken());

    const family = endpointFamily(path);
    const quota = rateLimiter.take(family, nowMs);
    setRateLimitHeaders(reply, quota);
    if (!quota.allowed) return done(rateLimitExceeded());

    const fault = faults.draw(family);
    const proceed = () => {
      if (fault.outcome === 'throttle') {
        setRateLimitHeaders(reply, rateLimiter.exhausted(family, now()));
        return done(rateLimitExceeded());
      }
      if (fault.outcome === 'fail') return done(internalServerError());
      // Token requests authenticate the client themselves; people sign in at the OIDC pages.
      if (family === 'token' || isOidcPath(path)) return done();
      let actor;
      try {
        actor = authenticator.authenticate({ request, reply, family, path });
      } catch (error) {
        return done(error as OktaError);
      }
      // The rest of the request, handler included, runs in this context (fastify carries it across
      // the reading of the body): the System Log and event hooks read it to name the actor.
      runInRequestContext({ requestId, actor, ipAddress: request.ip, userAgent: request.headers['user-agent'] ?? '' }, done);
    };
    if (fault.latencyMs > 0) setTimeout(proceed, fault.latencyMs);
    else proceed();
  });

  app.setErrorHandler<FastifyError | OktaError>((error, _request, reply) => {
    const oktaError = asOktaError(error);
    return reply.code(oktaError.status).type('application/json').send(oktaError.toBody());
  });

  const routeTable = new RouteTable();
  routeTable.watch(app);
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const allowed = routeTable.methodsAt(path);
    if (allowed.length === 0) throw resourceNotFound(path, 'Page');
    reply.header('allow', allowed.join(', '));
    throw unsupportedMethod();
  });

  app.register(tokenRoute, { server: platform.authorizationServer });
  app.register(oidcRoutes, { store, clients: platform.oidcClients, now });
  app.register(userRoutes, { store });
  app.register(userCredentialRoutes, { store });
  app.register(userSchemaRoutes, { store });
  app.register(groupRoutes, { store });
  app.register(appRoutes, { store });
  app.register(logRoutes, { store });
  const drops = new DeliveryDrops();
  app.register(eventHookRoutes, { store, drops });
  if (platform.admin) app.register(adminRoutes, { store, faults, rateLimiter: platform.rateLimiter, drops, push: platform.push });
  return app;
}

/** Restores the saved org, or else seeds a new one; then keeps saving it if asked to. */
async function prepareStore(store: OktaStore, options: OktaEmulatorOptions) {
  const restored = options.stateFile !== undefined && (await loadState(store, options.stateFile));
  if (!restored && options.seedFile !== undefined) applySeed(store, await readSeedFile(options.seedFile));
  return options.stateFile === undefined ? undefined : persistState(store, options.stateFile);
}

/** Starts an emulated Okta org: empty but for the built-in Everyone group, unless seeded or restored. */
export async function startOktaEmulator(options: OktaEmulatorOptions): Promise<OktaEmulator> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const store = new OktaStore(new SystemLog(options.now ? { clock: () => new Date(now()) } : {}));
  const authorizationServer = new AuthorizationServer(options.oauthClients ?? [], now);
  const rateLimiter = new RateLimiter(options.rateLimits);
  const push = new ScimPush(store.apps, store, store.log, { ...DEFAULT_PUSH_OPTIONS, ...options.push });
  const app = buildApp(store, {
    now,
    rateLimiter,
    faults: new Faults(options.random),
    authenticator: new Authenticator(options.token, authorizationServer, now),
    authorizationServer,
    oidcClients: options.oidcClients ?? SANDBOX_OIDC_CLIENTS,
    admin: options.admin ?? false,
    push,
  });
  const persistence = await prepareStore(store, options);
  // Pushes start once the org is restored: a saved queue resumes where it stopped.
  const provisioning = new Provisioning(store, store.apps);
  provisioning.reconcileAll();
  push.kickAll();
  const stopPushing = async () => {
    provisioning.stop();
    await push.close();
  };
  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    await stopPushing();
    await persistence?.stop();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    store,
    rateLimitNotice: rateLimiter.fast ? FAST_RATE_LIMITS_NOTICE : undefined,
    close: async () => {
      // Pushes stop first: a long wait for a settled queue must not hold the server open.
      await stopPushing();
      await app.close();
      await persistence?.stop();
    },
  };
}
