import type { FastifyInstance } from 'fastify';
import { resourceTypes, schemas, serviceProviderConfig } from '../scim/discovery.ts';
import { ScimError } from '../scim/errors.ts';
import { listResponse } from '../scim/list-query.ts';
import type { ScimContext } from './scim-plugin.ts';
import { refuseOtherMethods } from './scim-reply.ts';

const params = { type: 'object', properties: { integration: { type: 'string' }, id: { type: 'string' } } } as const;

/** What a SCIM endpoint says of itself (RFC 7644 §4), each for the base URL its resources live at. */
export interface ScimDiscovery {
  serviceProviderConfig(baseUrl: string): object;
  resourceTypes(baseUrl: string): Array<{ id: string }>;
  schemas(baseUrl: string): Array<{ id: string }>;
}

/** Tenure's own service provider: everything src/scim/discovery.ts describes. */
const TENURE_DISCOVERY: ScimDiscovery = { serviceProviderConfig, resourceTypes, schemas };

/**
 * /ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7644 §4): read-only, 405 for the rest.
 * `discoveryOf` says what the endpoint a request reached has, for a server whose endpoints differ
 * (the sandbox's emulated apps, one without groups); by default, Tenure's.
 */
export function scimDiscoveryRoutes(app: FastifyInstance, discoveryOf: (scim: ScimContext) => ScimDiscovery = () => TENURE_DISCOVERY): void {
  app.get('/ServiceProviderConfig', { schema: { params } }, async (request) => discoveryOf(request.scim).serviceProviderConfig(request.scim.baseUrl));

  const collection = (url: string, kind: 'resourceTypes' | 'schemas', what: string) => {
    const all = (scim: ScimContext) => discoveryOf(scim)[kind](scim.baseUrl);
    app.get(url, { schema: { params } }, async (request) => {
      const resources = all(request.scim);
      return listResponse({ totalResults: resources.length, resources }, 1, (resource) => resource);
    });
    app.get(`${url}/:id`, { schema: { params } }, async (request) => {
      const { id } = request.params as { id: string };
      const found = all(request.scim).find((resource) => resource.id === id);
      if (!found) throw new ScimError(404, undefined, `no ${what} "${id}"`);
      return found;
    });
    refuseOtherMethods(app, url, ['GET']);
    refuseOtherMethods(app, `${url}/:id`, ['GET']);
  };
  collection('/ResourceTypes', 'resourceTypes', 'resource type');
  collection('/Schemas', 'schemas', 'schema');
  refuseOtherMethods(app, '/ServiceProviderConfig', ['GET']);
}
