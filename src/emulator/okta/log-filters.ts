import { OktaError } from './errors.ts';
import { compileExpression } from './expression.ts';
import type { LogEvent } from './system-log.ts';

/** What the `filter` and `q` parameters of `GET /api/v1/logs` may ask, and how each reads an event. */

type Keep = (event: LogEvent) => boolean;

/** Every attribute of an event but `published`, which only `since`, `until` and `after` may bound. */
const EVENT_ATTRIBUTES: ReadonlySet<string> = new Set([
  'uuid',
  'eventType',
  'version',
  'severity',
  'displayMessage',
  'actor',
  'client',
  'outcome',
  'target',
  'transaction',
  'debugContext',
  'legacyEventType',
]);

// Okta refuses substring searches on request URLs.
const UNCONTAINABLE: ReadonlySet<string> = new Set(['debugContext.debugData.url', 'debugContext.debugData.requestUri']);

/** Reads a dotted attribute; through an array (such as `target`) it reads every element. */
function readPath(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) return value.flatMap((element) => readPath(element, path));
  if (value === null || typeof value !== 'object') return undefined;
  const [head, ...rest] = path;
  return readPath((value as Record<string, unknown>)[head!], rest);
}

/** `filter` compares attribute values case-sensitively; `target.id eq "…"` holds if any target matches. */
export function logFilter(expression: string): Keep {
  const predicate = compileExpression(expression, {
    caseInsensitive: false,
    allows: (attribute, operator) =>
      EVENT_ATTRIBUTES.has(attribute.split('.')[0]!) && !(operator === 'co' && UNCONTAINABLE.has(attribute)),
  });
  return (event) => predicate((attribute) => readPath(event, attribute.split('.')));
}

const MAX_KEYWORDS = 10;
const MAX_KEYWORD_LENGTH = 40;

const freeformRefused = (limit: string): OktaError => {
  const advice = 'Please shorten the items in your search or use an advanced filter to query by specific fields.';
  return new OktaError(400, 'E0000001', `Api validation failed: 'q': Freeform search cannot contain ${limit}. ${advice}`);
};

function stringValues(value: unknown, into: string[]): string[] {
  if (typeof value === 'string') into.push(value);
  else if (value !== null && typeof value === 'object') {
    for (const element of Object.values(value)) stringValues(element, into);
  }
  return into;
}

/** The words an event can be found by: each string value whole, split on spaces, and hyphenated parts. */
function keywordsOf(event: LogEvent): Set<string> {
  const words = new Set<string>();
  for (const value of stringValues(event, [])) {
    const lower = value.toLowerCase();
    words.add(lower);
    for (const word of lower.split(/\s+/)) {
      words.add(word);
      for (const part of word.split('-')) words.add(part);
    }
  }
  return words;
}

/** `q` holds when every keyword equals, ignoring case, a word of the event. */
export function logKeywordQuery(q: string): Keep {
  const keywords = q.toLowerCase().split(/\s+/).filter((keyword) => keyword !== '');
  if (keywords.some((keyword) => keyword.length > MAX_KEYWORD_LENGTH)) {
    throw freeformRefused(`items longer than ${MAX_KEYWORD_LENGTH} characters`);
  }
  if (keywords.length > MAX_KEYWORDS) throw freeformRefused(`more than ${MAX_KEYWORDS} items`);
  return (event) => {
    const words = keywordsOf(event);
    return keywords.every((keyword) => words.has(keyword));
  };
}
