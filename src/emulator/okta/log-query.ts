import { OktaError, apiValidationFailed, invalidPagingRequest } from './errors.ts';
import { logFilter, logKeywordQuery } from './log-filters.ts';
import { parseLimit, takePage } from './paging.ts';
import type { LogEvent } from './system-log.ts';

/**
 * The paging of `GET /api/v1/logs`. Okta tells two kinds of request apart:
 * - a polling request (ascending, no `until`) never ends: every answer carries a `next` link, even
 *   an empty one, from which a client later gets the events published since;
 * - a bounded request (with `until`, or descending) pages through a fixed window and its last page
 *   has no `next` link.
 * The `after` cursor is a position in the log: ascending pages continue at it, descending pages
 * below it.
 */

export type SortOrder = 'ASCENDING' | 'DESCENDING';

export interface LogQuery {
  since?: Date;
  until?: Date;
  after?: number;
  keep: (event: LogEvent) => boolean;
  limit: number;
  sortOrder: SortOrder;
}

export interface RawLogQuery {
  since?: string;
  until?: string;
  after?: string;
  filter?: string;
  q?: string;
  limit?: string;
  sortOrder?: string;
}

export interface LogPage {
  events: LogEvent[];
  /** The `after` cursor of the next page, absent when the request is bounded and this is its end. */
  nextAfter?: string;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const DEFAULT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

// RFC 3339 as Okta reads it: a date, optionally a time, optionally a zone (UTC when left out).
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const invalidDate = (parameter: string): OktaError => {
  const unrecognized = 'The date format in your query is not recognized. Please enter dates using ISO8601 string format.';
  const mustBeDate = 'must be a valid date-time or empty.';
  return new OktaError(
    400,
    'E0000001',
    `Api validation failed: '${parameter}': ${unrecognized}. '${parameter}': ${mustBeDate}`,
    [`${parameter}: ${unrecognized}`, `${parameter}: ${mustBeDate}`],
  );
};

function parseDate(raw: string | undefined, parameter: string): Date | undefined {
  if (raw === undefined) return undefined;
  const match = ISO_8601.exec(raw);
  if (!match) throw invalidDate(parameter);
  const hasTime = match[1] !== undefined;
  const hasZone = match[4] !== undefined;
  const date = new Date(hasTime && !hasZone ? `${raw}Z` : raw);
  if (Number.isNaN(date.getTime())) throw invalidDate(parameter);
  return date;
}

function parseSortOrder(raw: string | undefined): SortOrder {
  if (raw === undefined || raw === 'ASCENDING' || raw === 'DESCENDING') return raw ?? 'ASCENDING';
  throw apiValidationFailed('sortOrder', ['sortOrder: Must be one of ASCENDING, DESCENDING']);
}

/** A cursor is only ever one this log handed out, so it is a position within the log. */
function parseAfter(raw: string | undefined, logLength: number): number | undefined {
  if (raw === undefined) return undefined;
  const position = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(position <= logLength)) throw invalidPagingRequest();
  return position;
}

export function parseLogQuery(raw: RawLogQuery, logLength: number): LogQuery {
  const filter = raw.filter === undefined ? undefined : logFilter(raw.filter);
  const keywords = raw.q === undefined ? undefined : logKeywordQuery(raw.q);
  return {
    since: parseDate(raw.since, 'since'),
    until: parseDate(raw.until, 'until'),
    after: parseAfter(raw.after, logLength),
    keep: (event) => (filter?.(event) ?? true) && (keywords?.(event) ?? true),
    limit: parseLimit(raw.limit, DEFAULT_LIMIT, MAX_LIMIT),
    sortOrder: parseSortOrder(raw.sortOrder),
  };
}

/** One page of the log for `query`, as seen at `now`. */
export function queryLog(entries: readonly LogEvent[], query: LogQuery, now: Date): LogPage {
  const until = query.until ?? now;
  const since = (query.since ?? new Date(until.getTime() - DEFAULT_WINDOW_MS)).getTime();
  const matches = (event: LogEvent): boolean => {
    const published = Date.parse(event.published);
    return published >= since && (query.until === undefined || published < until.getTime()) && query.keep(event);
  };
  const ascending = query.sortOrder === 'ASCENDING';
  const end = entries.length;

  function* matchingPositions(): Generator<number> {
    const step = ascending ? 1 : -1;
    const first = ascending ? (query.after ?? 0) : (query.after ?? end) - 1;
    for (let position = first; position >= 0 && position < end; position += step) {
      if (matches(entries[position]!)) yield position;
    }
  }

  const page = takePage(matchingPositions(), query.limit, (position) => String(ascending ? position + 1 : position));
  const events = page.items.map((position) => entries[position]!);
  // A polling request has read the whole log when it runs out of matches: it goes on from the end.
  const polling = ascending && query.until === undefined;
  return { events, nextAfter: page.nextAfter ?? (polling ? String(end) : undefined) };
}
