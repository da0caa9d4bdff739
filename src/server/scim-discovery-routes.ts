import type { FastifyInstance } from 'fastify';
import { resourceTypes, schemas, serviceProviderConfig } from '../scim/discovery.ts';
import { ScimError } from '../scim/errors.ts';
import { listResponse } from '../scim/list-query.ts';
import { refuseOtherMethods } from './scim-reply.ts';

const params = { type: 'object', properties: { integration: { type: 'string' }, id: { type: 'string' } } } as const;

/** /ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7644 §4): read-only, 405 for the rest. */
export function scimDiscoveryRoutes(app: FastifyInstance): void {
  app.get('/ServiceProviderConfig', { schema: { params } }, async (request) => serviceProviderConfig(request.scim.baseUrl));

  const collection = (url: string, all: (baseUrl: string) => Array<{ id: string }>, what: string) => {
    app.get(url, { schema: { params } }, async (request) => {
      const resources = all(request.scim.baseUrl);
      return listResponse({ totalResults: resources.length, resources }, 1, (resource) => resource);
    });
    app.get(`${url}/:id`, { schema: { params } }, async (request) => {
      const { id } = request.params as { id: string };
      const found = all(request.scim.baseUrl).find((resource) => resource.id === id);
      if (!found) throw new ScimError(404, undefined, `no ${what} "${id}"`);
      return found;
    });
    refuseOtherMethods(app, url, ['GET']);
    refuseOtherMethods(app, `${url}/:id`, ['GET']);
  };
  collection('/ResourceTypes', resourceTypes, 'resource type');
  collection('/Schemas', schemas, 'schema');
  refuseOtherMethods(app, '/ServiceProviderConfig', ['GET']);
}
