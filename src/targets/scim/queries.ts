import { stringify } from 'scim2-parse-filter';
import { withQuery, type ScimHttpClient, type ScimJson } from './http-client.ts';
import { field } from './user-attributes.ts';

/** A page of a list: as many as most apps give at once (RFC 7644 §3.4.2.4 lets them give fewer). */
const PAGE_SIZE = 100;

/** `attribute eq "value"`, the value quoted and escaped as a SCIM filter must be. */
export function eqFilter(attribute: string, value: string): string {
  return stringify({ op: 'eq', attrPath: attribute, compValue: value });
}

/** Every resource a filtered list gives, page by page; `attributes` asks for only those (and the id). */
export async function listResources(client: ScimHttpClient, endpoint: string, filter: string, attributes?: string): Promise<ScimJson[]> {
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
