import type { FastifyInstance, FastifyRequest } from 'fastify';
import { resourceTypes, schemas, serviceProviderConfig } from '../../scim/discovery.ts';
import { ScimError } from '../../scim/errors.ts';
import { GROUP_SCHEMA } from '../../scim/schema-definitions.ts';
import { scimDiscoveryRoutes, type ScimDiscovery } from '../../server/scim-discovery-routes.ts';
import { scimGroupRoutes } from '../../server/scim-group-routes.ts';
import type { ScimContext, ScimResources } from '../../server/scim-plugin.ts';
import { SCIM_CONTENT_TYPE, sendScimError } from '../../server/scim-reply.ts';
import { scimUserRoutes } from '../../server/scim-user-routes.ts';
import { SANDBOX_APPS } from '../../targets/definitions.ts';
import { sandboxAppUrl } from '../../targets/sandbox-address.ts';
import { isScimAppName, SCIM_APPS, type ScimAppName, type ScimAppProfile } from './apps.ts';
import { bearerMatches } from './bearer.ts';
import type { AppTraffic } from './traffic.ts';

/**
 * Each app's SCIM 2.0 endpoint, `/{app}/scim/v2`, served by Tenure's own SCIM routes over the
 * app's resources. Before a route runs, in this order: the request is counted, an injected fault
 * or the app being down answers it, the bearer token is checked, and OpsHelm, which takes no
 * group push, answers 404 for /Groups.
 */

export interface ScimAppRoutesOptions {
  store: ScimResources;
  traffic: Record<ScimAppName, AppTraffic>;
  tokenHash: string;
}

/** The base URL of an app as the request reached it, for meta.location and $ref. */
export function appBaseUrl(request: FastifyRequest, app: ScimAppName): string {
  return sandboxAppUrl(`${request.protocol}://${request.host}`, app);
}

const served = SANDBOX_APPS.map((app) => sandboxAppUrl('', app)).join(' and ');

/** RFC 7644 §4, saying only what the app has: OpsHelm lists no Group resource type or schema; the token is the vendor's. */
function discoveryOf(app: ScimAppProfile): ScimDiscovery {
  return {
    serviceProviderConfig: (baseUrl) => ({
      ...serviceProviderConfig(baseUrl),
      authenticationSchemes: [
        { type: 'oauthbearertoken', name: 'Bearer token', description: `The API token ${app.title} issued, sent as Authorization: Bearer <token>.`, primary: true },
      ],
    }),
    resourceTypes: (baseUrl) => resourceTypes(baseUrl).filter((type) => app.groups || type.id !== 'Group'),
    schemas: (baseUrl) => schemas(baseUrl).filter((schema) => app.groups || schema.id !== GROUP_SCHEMA),
  };
}

const DISCOVERY = Object.fromEntries(SANDBOX_APPS.map((app) => [app, discoveryOf(SCIM_APPS[app])])) as Record<ScimAppName, ScimDiscovery>;

const UNAUTHORIZED = 'The bearer token is missing, or is not the one this app issued.';

/** Registered with the prefix `/:integration/scim/v2`, the parameter Tenure's SCIM routes read. */
export async function scimAppRoutes(app: FastifyInstance, options: ScimAppRoutesOptions): Promise<void> {
  const { store, traffic, tokenHash } = options;
  app.decorateRequest('scim', null as unknown as ScimContext);

  app.addHook('onRequest', async (request, reply) => {
    reply.type(SCIM_CONTENT_TYPE);
    const name = (request.params as { integration?: string }).integration ?? '';
    if (!isScimAppName(name)) return sendScimError(reply, new ScimError(404, undefined, `no SCIM app "${name}": the emulator serves ${served}`));
    const refusal = traffic[name].take(request.method);
    if (refusal) {
      if (refusal.retryAfter !== undefined) reply.header('retry-after', String(refusal.retryAfter));
      return sendScimError(reply, new ScimError(refusal.status, undefined, refusal.detail));
    }
    if (!bearerMatches(request, tokenHash)) {
      reply.header('www-authenticate', 'Bearer realm="SCIM"');
      return sendScimError(reply, new ScimError(401, undefined, UNAUTHORIZED));
    }
    const profile = SCIM_APPS[name];
    if (!profile.groups && request.routeOptions.url?.includes('/Groups')) {
      return sendScimError(reply, new ScimError(404, undefined, `${profile.title} has no Groups endpoint: it does not take group push`));
    }
    request.scim = { directory: store, integration: name, baseUrl: appBaseUrl(request, name), changed: () => {} };
  });

  scimUserRoutes(app);
  scimGroupRoutes(app);
  scimDiscoveryRoutes(app, (scim) => DISCOVERY[scim.integration as ScimAppName]);
}
