import { invalidSearchCriteria, searchWithFilter } from './errors.ts';
import { compileExpression, type Operator } from './expression.ts';
import { type Page, parseLimit, sortKeyOf, takePage, takeSortedPage } from './paging.ts';
import type { GroupRecord, OktaStore, UserRecord } from './store.ts';

/**
 * What the `search`, `filter`, `q`, `sortBy` and paging parameters of the user and group lists may
 * ask, per the Management API description, and the page each list answers.
 */

export interface ListQuery {
  search?: string;
  filter?: string;
  q?: string;
  after?: string;
  limit?: string;
  sortBy?: string;
  sortOrder?: string;
}

type Keep<T> = (item: T) => boolean;

const RANGE_OPERATORS: ReadonlySet<Operator> = new Set(['eq', 'gt', 'ge', 'lt', 'le']);

/** How one kind of object (users, groups) is read and what each expression may ask of it. */
interface Vocabulary<T> {
  read(item: T, attribute: string): unknown;
  /** Attributes `search` and `sortBy` may name besides any `profile.` attribute. */
  searchable: ReadonlySet<string>;
  /** The only attributes `co` may be used on. */
  containable: ReadonlySet<string>;
  filterable: ReadonlySet<string>;
  /** Timestamps, compared as instants. */
  dates: ReadonlySet<string>;
}

function* keepOnly<T>(items: Iterable<T>, keep: Keep<T>): Generator<T> {
  for (const item of items) if (keep(item)) yield item;
}

function isSearchable<T>(vocabulary: Vocabulary<T>, attribute: string): boolean {
  return attribute.startsWith('profile.') || vocabulary.searchable.has(attribute);
}

/** `search`: any searchable attribute, case-insensitive values, `co` only on a few attributes. */
function search<T>(vocabulary: Vocabulary<T>, expression: string): Keep<T> {
  const predicate = compileExpression(expression, {
    caseInsensitive: true,
    isDate: (attribute) => vocabulary.dates.has(attribute),
    allows: (attribute, operator) =>
      isSearchable(vocabulary, attribute) && (operator !== 'co' || vocabulary.containable.has(attribute)),
  });
  return (item) => predicate((attribute) => vocabulary.read(item, attribute));
}

/** `filter`: a few attributes, case-sensitive values, `eq` only but for ranges of timestamps. */
function filter<T>(vocabulary: Vocabulary<T>, expression: string): Keep<T> {
  const predicate = compileExpression(expression, {
    caseInsensitive: false,
    isDate: (attribute) => vocabulary.dates.has(attribute),
    allows: (attribute, operator) =>
      vocabulary.filterable.has(attribute) &&
      (operator === 'eq' || (vocabulary.dates.has(attribute) && RANGE_OPERATORS.has(operator))),
  });
  return (item) => predicate((attribute) => vocabulary.read(item, attribute));
}

interface ListShape {
  defaultLimit: number;
  maxLimit: number;
  /** The default limit of an unpaged `q` answer. */
  defaultQueryLimit: number;
}

/**
 * The page a list answers: `q` is matched by `matchesQuery` and never paged; `search` or `filter`
 * is paged in id order, or, for a search with `sortBy`, in that attribute's order; without any of
 * them, `unfiltered` decides what is listed.
 */
function listPage<T extends { id: string }>(
  vocabulary: Vocabulary<T>,
  query: ListQuery,
  options: ListShape & {
    after: (cursor?: string) => Iterable<T>;
    matchesQuery: (q: string) => Keep<T>;
    unfiltered: Keep<T>;
  },
): Page<T> {
  if (query.search !== undefined && query.filter !== undefined) throw searchWithFilter();
  if (query.search === undefined && query.filter === undefined && query.q !== undefined) {
    const limit = parseLimit(query.limit, options.defaultQueryLimit, options.maxLimit);
    return { items: takePage(keepOnly(options.after(), options.matchesQuery(query.q)), limit, (item) => item.id).items };
  }
  const limit = parseLimit(query.limit, options.defaultLimit, options.maxLimit);
  if (query.search !== undefined && query.sortBy !== undefined) {
    const { sortBy } = query;
    if (!isSearchable(vocabulary, sortBy)) throw invalidSearchCriteria();
    return takeSortedPage(keepOnly(options.after(), search(vocabulary, query.search)), {
      keyOf: (item) => sortKeyOf(vocabulary.read(item, sortBy)),
      descending: query.sortOrder?.toLowerCase() === 'desc',
      after: query.after,
      limit,
    });
  }
  const keep =
    query.search !== undefined
      ? search(vocabulary, query.search)
      : query.filter !== undefined
        ? filter(vocabulary, query.filter)
        : options.unfiltered;
  // The cursor is the last id served, as in Okta's own links; lists are in id order.
  return takePage(keepOnly(options.after(query.after), keep), limit, (item) => item.id);
}

const USER_VOCABULARY: Vocabulary<UserRecord> = {
  read(user, attribute) {
    if (attribute.startsWith('profile.')) return user.profile[attribute.slice('profile.'.length)];
    if (attribute === 'type.id') return user.typeId;
    return USER_VOCABULARY.searchable.has(attribute) ? user[attribute as keyof UserRecord] : undefined;
  },
  searchable: new Set(['id', 'status', 'created', 'activated', 'statusChanged', 'lastUpdated', 'type.id']),
  containable: new Set(['profile.firstName', 'profile.lastName', 'profile.email', 'profile.login']),
  filterable: new Set(['status', 'lastUpdated', 'id', 'profile.login', 'profile.email', 'profile.firstName', 'profile.lastName', 'type.id']),
  dates: new Set(['created', 'activated', 'statusChanged', 'lastUpdated']),
};

/** `q` is a case-insensitive prefix of first name, last name or email. */
function userQuery(q: string): Keep<UserRecord> {
  const prefix = q.toLowerCase();
  const startsWith = (value: unknown): boolean => typeof value === 'string' && value.toLowerCase().startsWith(prefix);
  return (user) =>
    user.status !== 'DEPROVISIONED' &&
    (startsWith(user.profile.firstName) || startsWith(user.profile.lastName) || startsWith(user.profile.email));
}

/** `GET /api/v1/users`. Unlike `search` and `filter`, a plain list and `q` leave out deactivated users. */
export function listUsers(store: OktaStore, query: ListQuery): Page<UserRecord> {
  return listPage(USER_VOCABULARY, query, {
    defaultLimit: 200,
    maxLimit: 200,
    // Okta answers at most 10 users to a `q` unless asked for more.
    defaultQueryLimit: 10,
    after: (cursor) => store.usersAfter(cursor),
    matchesQuery: userQuery,
    unfiltered: (user) => user.status !== 'DEPROVISIONED',
  });
}

const GROUP_VOCABULARY: Vocabulary<GroupRecord> = {
  read(group, attribute) {
    if (attribute.startsWith('profile.')) return group.profile[attribute.slice('profile.'.length)];
    return GROUP_VOCABULARY.searchable.has(attribute) ? group[attribute as keyof GroupRecord] : undefined;
  },
  searchable: new Set(['id', 'type', 'created', 'lastUpdated', 'lastMembershipUpdated']),
  containable: new Set(['profile.name', 'profile.description']),
  filterable: new Set(['id', 'type', 'lastUpdated', 'lastMembershipUpdated']),
  dates: new Set(['created', 'lastUpdated', 'lastMembershipUpdated']),
};

/** A group `q` is a case-insensitive prefix of the group name. */
function groupQuery(q: string): Keep<GroupRecord> {
  const prefix = q.toLowerCase();
  return (group) => typeof group.profile.name === 'string' && group.profile.name.toLowerCase().startsWith(prefix);
}

/** `GET /api/v1/groups`. */
export function listGroups(store: OktaStore, query: ListQuery): Page<GroupRecord> {
  return listPage(GROUP_VOCABULARY, query, {
    defaultLimit: 10000,
    maxLimit: 10000,
    // A group `q` is meant for pickers: Okta answers up to 300 matches.
    defaultQueryLimit: 300,
    after: (cursor) => store.groupsAfter(cursor),
    matchesQuery: groupQuery,
    unfiltered: () => true,
  });
}

/** `GET /api/v1/groups/{id}/users`, in id order. */
export function listMembers(store: OktaStore, groupId: string, query: Pick<ListQuery, 'after' | 'limit'>): Page<UserRecord> {
  const limit = parseLimit(query.limit, 1000, 10000);
  return takePage(store.membersOf(groupId, query.after), limit, (user) => user.id);
}
