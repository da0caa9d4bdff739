/**
 * Okta's cursor paging: a list answers at most `limit` objects and a `Link` header with a `self`
 * URL and, while more objects remain, a `next` URL carrying an `after` cursor. The cursor is the
 * id of the last object served; lists are in id order, so the next page starts past that id.
 */

export interface Page<T> {
  items: T[];
  /** The `after` cursor of the next page, absent on the last page. */
  nextAfter?: string;
}

export function takePage<T extends { id: string }>(
  items: Iterable<T>,
  options: { after: string | undefined; limit: number; keep?: (item: T) => boolean },
): Page<T> {
  const { after, limit, keep } = options;
  const page: T[] = [];
  for (const item of items) {
    if (after !== undefined && item.id <= after) continue;
    if (keep && !keep(item)) continue;
    if (page.length === limit) return { items: page, nextAfter: page[page.length - 1]!.id };
    page.push(item);
  }
  return { items: page };
}

/** Reads `limit`, falling back to the default when it is absent or not a positive integer, and capping it. */
export function parseLimit(raw: string | undefined, defaultLimit: number, maxLimit: number): number {
  const parsed = raw === undefined ? NaN : Number(raw);
  if (!Number.isInteger(parsed) || parsed < 1) return defaultLimit;
  return Math.min(parsed, maxLimit);
}

/**
 * The `Link` header values for a page. URLs are absolute on the origin the client used, because the
 * SDK requests the `next` URL as given.
 */
export function pageLinks(origin: string, requestUrl: string, nextAfter: string | undefined): string[] {
  const self = new URL(requestUrl, origin);
  const links = [`<${self.href}>; rel="self"`];
  if (nextAfter !== undefined) {
    const next = new URL(self.href);
    next.searchParams.set('after', nextAfter);
    links.push(`<${next.href}>; rel="next"`);
  }
  return links;
}
