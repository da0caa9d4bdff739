import { invalidPagingRequest } from './errors.ts';

/**
 * Okta's cursor paging: a list answers at most `limit` objects and a `Link` header with a `self`
 * URL and, while more objects remain, a `next` URL carrying an `after` cursor.
 */

export interface Page<T> {
  items: T[];
  /** The `after` cursor of the next page, absent on the last page. */
  nextAfter?: string;
}

/** Takes up to `limit` items; the next page's cursor is that of the last item served. */
export function takePage<T>(items: Iterable<T>, limit: number, cursorOf: (item: T) => string): Page<T> {
  const page: T[] = [];
  for (const item of items) {
    if (page.length === limit) return { items: page, nextAfter: cursorOf(page[page.length - 1]!) };
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

/** A value to order by: numbers before text, text without regard to case, absent values as "". */
export type SortKey = string | number;

export function sortKeyOf(value: unknown): SortKey {
  if (typeof value === 'number') return value;
  return value === null || value === undefined ? '' : String(value).toLowerCase();
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface SortEntry<T> {
  item: T;
  key: SortKey;
  id: string;
}

/** Orders by key, ascending or descending; objects with equal keys stay in id order, as Okta keeps them. */
function compareEntries(a: Pick<SortEntry<unknown>, 'key' | 'id'>, b: Pick<SortEntry<unknown>, 'key' | 'id'>, descending: boolean): number {
  const byKey = compareKeys(a.key, b.key);
  if (byKey !== 0) return descending ? -byKey : byKey;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function encodeSortCursor(entry: SortEntry<unknown>): string {
  return Buffer.from(JSON.stringify([entry.key, entry.id])).toString('base64url');
}

function decodeSortCursor(cursor: string): Pick<SortEntry<unknown>, 'key' | 'id'> {
  try {
    const [key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if ((typeof key === 'string' || typeof key === 'number') && typeof id === 'string') return { key, id };
  } catch {
    // Falls through to the refusal: the cursor was not one this emulator made.
  }
  throw invalidPagingRequest();
}

/**
 * A page of `items` in the order of `keyOf`. Its cursor carries the last key and id served, so the
 * next page starts right after them even if objects came or went in between.
 */
export function takeSortedPage<T extends { id: string }>(
  items: Iterable<T>,
  options: { keyOf: (item: T) => SortKey; descending: boolean; after: string | undefined; limit: number },
): Page<T> {
  const { keyOf, descending, after, limit } = options;
  const entries: SortEntry<T>[] = [];
  for (const item of items) entries.push({ item, key: keyOf(item), id: item.id });
  entries.sort((a, b) => compareEntries(a, b, descending));
  const position = after === undefined ? undefined : decodeSortCursor(after);
  const start = position === undefined ? 0 : entries.findIndex((entry) => compareEntries(entry, position, descending) > 0);
  const page = takePage(start < 0 ? [] : entries.slice(start), limit, encodeSortCursor);
  return { items: page.items.map((entry) => entry.item), ...(page.nextAfter === undefined ? {} : { nextAfter: page.nextAfter }) };
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
