import type { FastifyInstance } from 'fastify';
import type { ListQuery, ListResult } from '../scim/directory/types.ts';
import { ScimError } from '../scim/errors.ts';
import { listQuery, listResponse, searchParameters, type ListParameters } from '../scim/list-query.ts';
import { patchOperations, type PatchOperation } from '../scim/patch.ts';
import { attributeList, project, type Projection } from '../scim/projection.ts';
import type { ResourceShape } from '../scim/resource-shape.ts';
import type { ScimContext } from './scim-plugin.ts';
import { refuseOtherMethods } from './scim-reply.ts';

type Json = Record<string, unknown>;

/** How one resource type (User, Group) is read and written; the routes are the same for both. */
export interface ResourceKind<Stored> {
  shape: ResourceShape;
  get(scim: ScimContext, id: string): Promise<Stored | undefined>;
  list(scim: ScimContext, query: ListQuery, projection: Projection): Promise<ListResult<Stored>>;
  /** The body is checked (and turned into the directory's input) before the directory is called. */
  create(scim: ScimContext, body: unknown): Promise<Stored>;
  replace(scim: ScimContext, id: string, body: unknown): Promise<Stored>;
  patch(scim: ScimContext, id: string, operations: PatchOperation[]): Promise<Stored>;
  remove(scim: ScimContext, id: string): Promise<boolean>;
  render(scim: ScimContext, resource: Stored, projection: Projection): Promise<Json>;
}

const integrationParam = { integration: { type: 'string' } };
export const params = { type: 'object', properties: integrationParam, required: ['integration'] } as const;
const idParams = { type: 'object', properties: { ...integrationParam, id: { type: 'string', minLength: 1 } }, required: ['integration', 'id'] } as const;
const projectionQuery = { attributes: { type: 'string' }, excludedAttributes: { type: 'string' } };
const singleQuerystring = { type: 'object', properties: projectionQuery } as const;
const listQuerystring = {
  type: 'object',
  properties: { ...projectionQuery, filter: { type: 'string' }, startIndex: { type: 'integer' }, count: { type: 'integer' }, sortBy: { type: 'string' }, sortOrder: { type: 'string' } },
} as const;
export const objectBody = { type: 'object' } as const;

/** `attributes`/`excludedAttributes` of a single-resource request (RFC 7644 §3.9). */
function projectionOf(query: unknown): Projection {
  const { attributes, excludedAttributes } = (query ?? {}) as Json;
  return { attributes: attributeList(attributes, 'attributes'), excludedAttributes: attributeList(excludedAttributes, 'excludedAttributes') };
}

/** One page of a kind's resources, as the client reads them. */
export async function renderedPage<Stored>(kind: ResourceKind<Stored>, scim: ScimContext, query: ListQuery, projection: Projection): Promise<ListResult<Json>> {
  const result = await kind.list(scim, query, projection);
  return { totalResults: result.totalResults, resources: await Promise.all(result.resources.map((resource) => kind.render(scim, resource, projection))) };
}

export function scimResourceRoutes<Stored extends { id: string }>(app: FastifyInstance, kind: ResourceKind<Stored>): void {
  const { endpoint, resourceType } = kind.shape;
  const notFound = (id: string) => new ScimError(404, undefined, `${resourceType} "${id}" not found`);

  const list = async (scim: ScimContext, parameters: ListParameters) => {
    const { query, projection } = listQuery(parameters);
    return listResponse(await renderedPage(kind, scim, query, projection), query.startIndex, (resource) => resource);
  };

  app.get(endpoint, { schema: { params, querystring: listQuerystring } }, async (request) => list(request.scim, request.query as ListParameters));
  app.post(`${endpoint}/.search`, { schema: { params, body: objectBody } }, async (request) => list(request.scim, searchParameters(request.body)));

  app.get(`${endpoint}/:id`, { schema: { params: idParams, querystring: singleQuerystring } }, async (request) => {
    const { id } = request.params as { id: string };
    const resource = await kind.get(request.scim, id);
    if (!resource) throw notFound(id);
    return kind.render(request.scim, resource, projectionOf(request.query));
  });

  app.post(endpoint, { schema: { params, querystring: singleQuerystring, body: objectBody } }, async (request, reply) => {
    const created = await kind.create(request.scim, request.body);
    request.scim.changed();
    const body = await kind.render(request.scim, created, {});
    // RFC 7644 §3.3: the Location header is the resource's meta.location.
    reply.code(201).header('location', (body.meta as Json).location as string);
    return project(kind.shape, body, projectionOf(request.query));
  });

  app.put(`${endpoint}/:id`, { schema: { params: idParams, querystring: singleQuerystring, body: objectBody } }, async (request) => {
    const { id } = request.params as { id: string };
    const replaced = await kind.replace(request.scim, id, request.body);
    request.scim.changed();
    return kind.render(request.scim, replaced, projectionOf(request.query));
  });

  app.patch(`${endpoint}/:id`, { schema: { params: idParams, querystring: singleQuerystring, body: objectBody } }, async (request) => {
    const { id } = request.params as { id: string };
    // Checked whole before the resource is read, so a malformed PATCH never reaches the directory.
    const operations = patchOperations(kind.shape, request.body);
    const patched = await kind.patch(request.scim, id, operations);
    request.scim.changed();
    return kind.render(request.scim, patched, projectionOf(request.query));
  });

  app.delete(`${endpoint}/:id`, { schema: { params: idParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!(await kind.remove(request.scim, id))) throw notFound(id);
    request.scim.changed();
    return reply.code(204).send();
  });

  refuseOtherMethods(app, endpoint, ['GET', 'POST']);
  refuseOtherMethods(app, `${endpoint}/.search`, ['POST']);
  refuseOtherMethods(app, `${endpoint}/:id`, ['GET', 'PUT', 'PATCH', 'DELETE']);
}
