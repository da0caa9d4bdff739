import { stringify, Tester, type Compare } from 'scim2-parse-filter';
import { withQuery, type ScimHttpClient, type ScimJson } from './http-client.ts';
import { field } from './user-attributes.ts';

/** A page of a list: as many as most apps give at once (RFC 7644 §3.4.2.4 lets them give fewer). */
const PAGE_SIZE = 100;

/** `attribute eq "value"`, the value quoted and escaped as a SCIM filter must be. */
export function eqFilter(attribute: string, value: string): string {
  return stringify({ op: 'eq', attrPath: attribute, compValue: value });
}

/** Every resource a filtered list gives, page by page; `attributes` asks for only those (and the id). */
async function listResources(client: ScimHttpClient, endpoint: string, filter: string, attributes?: string): Promise<ScimJson[]> {
  const found: ScimJson[] = [];
  for (let startIndex = 1; ; ) {
    const page = await client.request('GET', withQuery(endpoint, { filter, attributes, startIndex, count: PAGE_SIZE }));
    const resources: ScimJson[] = field(page, 'Resources') ?? [];
    found.push(...resources);
    const total = Number(field(page, 'totalResults') ?? 0);
    if (resources.length === 0 || found.length >= total) return found;
    startIndex += resources.length;
  }
}

/** scim2-parse-filter's own evaluation, whose `eq` is exact, with `eq` ignoring case for an attribute that is not caseExact. */
class CaselessTester extends Tester {
  override eq(held: unknown, value: Compare['compValue']): boolean {
    return typeof held === 'string' && typeof value === 'string' ? held.toLowerCase() === value.toLowerCase() : super.eq(held, value);
  }
}
const exactly = new Tester();
const ignoringCase = new CaselessTester();

/**
 * Whether the resource holds `value` at `attribute` (`userName`, `members.value`: a multi-valued
 * part holds it when any entry does), by the attribute's own caseExact (RFC 7643: true for ids
 * and externalId, false for userName and a group's displayName).
 */
export function holds(resource: ScimJson, attribute: string, value: string, caseExact: boolean): boolean {
  return (caseExact ? exactly : ignoringCase).test(resource, { op: 'eq', attrPath: attribute, compValue: value });
}

/**
 * The resources whose `attribute` equals `value`: asked with an eq filter, then each checked,
 * since an application that does not support a filter may ignore it and answer every resource,
 * and taking the first of those would act on someone else's account. With `attributes`, the
 * filtered one is asked too, so that it can be checked.
 */
export async function resourcesWhere(
  client: ScimHttpClient,
  endpoint: string,
  where: { attribute: string; value: string; caseExact: boolean },
  attributes?: string[],
): Promise<ScimJson[]> {
  const asked = attributes && [...new Set([...attributes, where.attribute.split('.')[0]!])].join(',');
  const listed = await listResources(client, endpoint, eqFilter(where.attribute, where.value), asked);
  return listed.filter((resource) => holds(resource, where.attribute, where.value, where.caseExact));
}
