import { parse, type Filter } from 'scim2-parse-filter';

/**
 * An application's `detail` is free text, and apps often echo what they were sent ("userName
 * 'jane.doe@example.com' already exists"); the detail goes into failure messages, which reach the
 * workflow history, the logs and the UI. So every value Tenure sent in the request is masked in
 * it: the string values of the body and those compared in a `filter` query.
 */

/** Shorter values are left alone: masking them would mangle the detail's own words. */
const MIN_MASKED_LENGTH = 3;

/** Protocol words, not data: schema URNs, and a PATCH operation's op and path. */
const PROTOCOL_KEYS = new Set(['schemas', 'op', 'path']);

function bodyValues(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const entry of value) bodyValues(entry, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) if (!PROTOCOL_KEYS.has(key.toLowerCase())) bodyValues(entry, into);
  }
}

function filterValues(filter: Filter, into: string[]): void {
  switch (filter.op) {
    case 'and':
    case 'or':
      for (const each of filter.filters) filterValues(each, into);
      return;
    case 'not':
      return filterValues(filter.filter, into);
    case '[]':
      return filterValues(filter.valFilter, into);
    case 'pr':
      return;
    default:
      if (typeof filter.compValue === 'string') into.push(filter.compValue);
  }
}

/** The values a request sends: `path` is below the base URL, query included; `body` as sent, before JSON. */
export function sentValues(path: string, body: unknown): string[] {
  const values: string[] = [];
  bodyValues(body, values);
  const filter = new URLSearchParams(path.split('?')[1] ?? '').get('filter');
  if (filter !== null) {
    try {
      filterValues(parse(filter), values);
    } catch {
      // Tenure writes its filters with stringify; one it cannot read back is masked whole.
      values.push(filter);
    }
  }
  return values;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with each of `values` (3 characters or more; ignoring case, as apps may lower-case what they echo) replaced by `<value>`. */
export function maskValues(text: string, values: readonly string[]): string {
  // Longest first, so that a value containing a shorter one is masked whole.
  const masked = [...new Set(values.filter((value) => value.length >= MIN_MASKED_LENGTH))].sort((a, b) => b.length - a.length);
  return masked.length === 0 ? text : text.replace(new RegExp(masked.map(escapeRegExp).join('|'), 'gi'), '<value>');
}
