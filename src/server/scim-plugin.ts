import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DbError } from '../scim/directory/database.ts';
import { DirectoryError, type ScimDirectory } from '../scim/directory/types.ts';
import { isIntegrationName } from '../scim/integrations.ts';
import { SCIM_MEDIA_TYPE } from '../scim/protocol.ts';
import { ScimError } from '../scim/errors.ts';
import { tokenMatches } from '../scim/token.ts';
import { scimDiscoveryRoutes } from './scim-discovery-routes.ts';
import { scimGroupRoutes } from './scim-group-routes.ts';
import { parseScimQuery } from './scim-query-string.ts';
import { SCIM_CONTENT_TYPE, sendScimError } from './scim-reply.ts';
import { scimSearchRoute } from './scim-search-route.ts';
import { scimUserRoutes } from './scim-user-routes.ts';

/**
 * The SCIM 2.0 service provider (RFC 7644), registered under `/scim/v2/:integration`: one
 * endpoint per integration, each with its own bearer token. Everything it answers, errors from
 * Fastify itself included, is `application/scim+json`, and every error is a SCIM Error message.
 */

export interface ScimOptions {
  directory: ScimDirectory;
  /** Called after every write the directory acknowledged: the outbox relay delivers its changes. */
  onChange?: () => void;
  /** Where failures Tenure did not expect are reported; never given a request body or a token. */
  log?: (line: string) => void;
}

/** SCIM has no bulk here, so a body is one resource: a group of 10,000 members fits with room to spare. */
export const SCIM_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * The part of a directory the SCIM routes use: users and groups. Tenure's directory is one, and so
 * is the sandbox's store of emulated applications (src/emulator/scim-apps/store.ts).
 */
export type ScimResources = Pick<
  ScimDirectory,
  'createUser' | 'getUser' | 'updateUser' | 'deleteUser' | 'listUsers' | 'groupsOf' | 'createGroup' | 'getGroup' | 'updateGroup' | 'deleteGroup' | 'listGroups'
>;

/** What every route handler needs: the users and groups, the integration the token opened, and where its resources live. */
export interface ScimContext {
  directory: ScimResources;
  integration: string;
  baseUrl: string;
  changed(): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    scim: ScimContext;
  }
}

const UNAUTHORIZED = 'The bearer token is missing, or is not valid for this SCIM endpoint.';

/** The token of `Authorization: Bearer <token>`, or undefined when the request has none. */
export function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * Any error a SCIM request meets, as the SCIM error a client should see. `server` names who failed
 * in a 500's detail, which says nothing of the cause: that goes to the log only.
 */
export function asScimError(error: FastifyError | Error, server = 'Tenure'): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof DirectoryError) return new ScimError(error.status, error.scimType, error.message);
  // SQLSTATE class 22 (data exception): a value the database cannot take, such as a NUL in an id in
  // the URL. The checks on bodies and filters refuse such values first; this is for any they miss.
  if (error instanceof DbError && error.code?.startsWith('22')) return new ScimError(400, 'invalidValue', 'a value in the request cannot be stored or compared (a NUL character, or text that is not valid Unicode)');
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const where = fastifyError.validationContext;
    return new ScimError(400, where === 'body' ? 'invalidSyntax' : 'invalidValue', `${where ?? 'the request'} ${fastifyError.message.replace(/^(body|querystring|params)\s*/, '')}`.trim());
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ScimError(413, undefined, `the body is larger than this endpoint's limit of ${SCIM_BODY_LIMIT_BYTES} bytes: send one resource per request`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ScimError(415, undefined, 'the body must be JSON, sent with content-type: application/scim+json or application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ScimError(400, 'invalidSyntax', fastifyError.message);
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) return new ScimError(status, undefined, fastifyError.message);
  return new ScimError(500, undefined, `${server} could not complete the request; nothing was changed unless a later read shows it. Try again.`);
}

/** The content parser of SCIM bodies: JSON, or a 400 invalidSyntax; an empty body is none. */
function scimJson(_request: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void): void {
  if (body === '') return done(null, undefined);
  try {
    done(null, JSON.parse(body));
  } catch (error) {
    done(new ScimError(400, 'invalidSyntax', `the body is not JSON: ${(error as Error).message}`));
  }
}

/** Only JSON bodies, as SCIM clients send them (Okta's POSTs say application/json, its others application/scim+json), up to the limit. */
export function acceptScimBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([SCIM_MEDIA_TYPE, 'application/json'], { parseAs: 'string', bodyLimit: SCIM_BODY_LIMIT_BYTES }, scimJson);
}

export const scimPlugin: FastifyPluginAsync<ScimOptions> = async (app, options) => {
  const { directory } = options;
  const changed = options.onChange ?? (() => {});

  app.decorateRequest('scim', null as unknown as ScimContext);
  acceptScimBodies(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.type(SCIM_CONTENT_TYPE);
    const queryAt = request.url.indexOf('?');
    request.query = queryAt < 0 ? {} : parseScimQuery(request.url.slice(queryAt + 1));
    const name = (request.params as { integration?: string }).integration ?? '';
    // A name no integration can have (a NUL, a slash) is not looked up: it is simply none.
    const integration = isIntegrationName(name) ? await directory.getIntegration(name) : undefined;
    // The same answer, after the same work, whether the integration is unknown, disabled or the token wrong.
    const matches = tokenMatches(bearer(request), integration?.tokenHash);
    if (!matches || !integration?.enabled) {
      reply.header('www-authenticate', 'Bearer realm="SCIM"');
      return sendScimError(reply, new ScimError(401, undefined, UNAUTHORIZED));
    }
    request.scim = { directory, integration: integration.name, baseUrl: `${request.protocol}://${request.host}/scim/v2/${encodeURIComponent(integration.name)}`, changed };
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const scim = asScimError(error);
    if (scim.status >= 500) options.log?.(`scim: ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} failed: ${error.message}`);
    return sendScimError(reply, scim);
  });
  app.setNotFoundHandler((request, reply) => sendScimError(reply, new ScimError(404, undefined, `no SCIM endpoint ${request.method} ${request.url.split('?')[0]}`)));

  scimUserRoutes(app);
  scimGroupRoutes(app);
  scimDiscoveryRoutes(app);
  scimSearchRoute(app);
};
