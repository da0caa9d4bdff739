import { parse } from 'scim2-parse-filter';
import type { ListQuery, ListResult } from './directory/types.ts';
import { ScimError } from './errors.ts';
import { attributeList, type Projection } from './projection.ts';
import { isObject } from './resource-shape.ts';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** The most resources one page holds; a larger `count` is cut to it (advertised as filter.maxResults). */
export const MAX_RESULTS = 1000;
/** A page's size when the client gives no `count`: Okta's import pages by 100. */
const DEFAULT_COUNT = 100;

export interface ListParameters {
  filter?: unknown;
  startIndex?: unknown;
  count?: unknown;
  attributes?: unknown;
  excludedAttributes?: unknown;
}

function whole(raw: unknown, parameter: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ScimError(400, 'invalidValue', `${parameter} must be a whole number, got ${JSON.stringify(raw)}`);
  return value;
}

/**
 * A GET's query parameters or a POST /.search body as a directory query and a projection.
 * RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count is 0.
 */
export function listQuery(parameters: ListParameters): { query: ListQuery; projection: Projection } {
  let filter: ListQuery['filter'];
  if (parameters.filter !== undefined && parameters.filter !== '') {
    if (typeof parameters.filter !== 'string') throw new ScimError(400, 'invalidFilter', 'filter must be a string');
    try {
      filter = parse(parameters.filter);
    } catch (error) {
      throw new ScimError(400, 'invalidFilter', `the filter is not a SCIM filter (RFC 7644 §3.4.2.2): ${(error as Error).message}`);
    }
  }
  const startIndex = Math.max(1, whole(parameters.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, whole(parameters.count, 'count') ?? DEFAULT_COUNT));
  const attributes = attributeList(parameters.attributes, 'attributes');
  const excludedAttributes = attributeList(parameters.excludedAttributes, 'excludedAttributes');
  return { query: { ...(filter ? { filter } : {}), startIndex, count }, projection: { attributes, excludedAttributes } };
}

/** A POST /.search body's parameters (RFC 7644 §3.4.3). */
export function searchParameters(body: unknown): ListParameters {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', `the body must be a SearchRequest: {"schemas": ["${SEARCH_REQUEST_SCHEMA}"], "filter": …}`);
  return body;
}

export function listResponse<T>(result: ListResult<T>, startIndex: number, render: (resource: T) => unknown) {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: result.totalResults,
    startIndex,
    itemsPerPage: result.resources.length,
    Resources: result.resources.map(render),
  };
}
