import type { FastifyInstance } from 'fastify';
import { DirectoryError, type ListQuery, type ListResult } from '../scim/directory/types.ts';
import { listQuery, listResponse, searchParameters } from '../scim/list-query.ts';
import type { Projection } from '../scim/projection.ts';
import type { ScimContext } from './scim-plugin.ts';
import { groupKind } from './scim-group-routes.ts';
import { refuseOtherMethods } from './scim-reply.ts';
import { objectBody, params, renderedPage, type ResourceKind } from './scim-resource-routes.ts';
import { userKind } from './scim-user-routes.ts';

/**
 * RFC 7644 §3.4.3: `POST /.search` at the integration's root searches Users and Groups at once.
 * The same SearchRequest as each type's own /.search (filter, startIndex, count, attributes); the
 * results are the users, then the groups, each in creation order, paged as one list, and each
 * carries its meta.resourceType. An attribute a type lacks matches none of that type (`userName`
 * finds no group); a filter naming an attribute neither type has is still 400 invalidFilter.
 */

const KINDS: ResourceKind<never>[] = [userKind as ResourceKind<never>, groupKind as ResourceKind<never>];

const refusedFilter = (error: unknown) => error instanceof DirectoryError && error.scimType === 'invalidFilter';

/**
 * One type's page; `refused` when the filter names an attribute this type does not have. A filter
 * refused for another reason (a value of the wrong type) is refused again by the retry, and that
 * refusal is the answer.
 */
async function pageOf(kind: ResourceKind<never>, scim: ScimContext, query: ListQuery, projection: Projection) {
  try {
    return { page: await renderedPage(kind, scim, query, projection), refused: undefined };
  } catch (error) {
    if (!query.filter || !refusedFilter(error)) throw error;
    return { page: await renderedPage(kind, scim, { ...query, acrossTypes: true }, projection), refused: error };
  }
}

export function scimSearchRoute(app: FastifyInstance): void {
  app.post('/.search', { schema: { params, body: objectBody } }, async (request) => {
    const { query, projection } = listQuery(searchParameters(request.body));
    const all: ListResult<Record<string, unknown>> = { totalResults: 0, resources: [] };
    const refusals: unknown[] = [];
    // Where the page starts within what is left after the types before, and how much of it is left.
    let skip = query.startIndex - 1;
    for (const kind of KINDS) {
      const { page, refused } = await pageOf(kind, request.scim, { ...query, startIndex: skip + 1, count: query.count - all.resources.length }, projection);
      if (refused) refusals.push(refused);
      all.totalResults += page.totalResults;
      all.resources.push(...page.resources);
      skip = Math.max(0, skip - page.totalResults);
    }
    if (refusals.length === KINDS.length) throw refusals[0];
    return listResponse(all, query.startIndex, (resource) => resource);
  });
  refuseOtherMethods(app, '/.search', ['POST']);
}
