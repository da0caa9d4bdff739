import { compileExpression, type Operator } from './expression.ts';
import type { GroupRecord, UserRecord } from './store.ts';

/**
 * What the `search`, `filter` and `q` parameters of the user and group lists may ask, per the
 * Management API description, and how each reads a user or a group.
 */

type Keep<T> = (item: T) => boolean;

const RANGE_OPERATORS: ReadonlySet<Operator> = new Set(['eq', 'gt', 'ge', 'lt', 'le']);

const USER_TOP_LEVEL: ReadonlySet<string> = new Set(['id', 'status', 'created', 'activated', 'statusChanged', 'lastUpdated', 'type.id']);
const USER_CONTAINS: ReadonlySet<string> = new Set(['profile.firstName', 'profile.lastName', 'profile.email', 'profile.login']);
const USER_FILTERABLE: ReadonlySet<string> = new Set([
  'status',
  'lastUpdated',
  'id',
  'profile.login',
  'profile.email',
  'profile.firstName',
  'profile.lastName',
]);

function readUser(user: UserRecord, attribute: string): unknown {
  if (attribute.startsWith('profile.')) return user.profile[attribute.slice('profile.'.length)];
  if (attribute === 'type.id') return user.typeId;
  return USER_TOP_LEVEL.has(attribute) ? user[attribute as keyof UserRecord] : undefined;
}

export function userSearch(expression: string): Keep<UserRecord> {
  const predicate = compileExpression(expression, {
    caseInsensitive: true,
    allows: (attribute, operator) =>
      (attribute.startsWith('profile.') || USER_TOP_LEVEL.has(attribute)) &&
      (operator !== 'co' || USER_CONTAINS.has(attribute)),
  });
  return (user) => predicate((attribute) => readUser(user, attribute));
}

export function userFilter(expression: string): Keep<UserRecord> {
  const predicate = compileExpression(expression, {
    caseInsensitive: false,
    allows: (attribute, operator) =>
      USER_FILTERABLE.has(attribute) && (operator === 'eq' || (attribute === 'lastUpdated' && RANGE_OPERATORS.has(operator))),
  });
  return (user) => predicate((attribute) => readUser(user, attribute));
}

/** `q` is a case-insensitive prefix match on first name, last name or email. */
export function userQuery(q: string): Keep<UserRecord> {
  const prefix = q.toLowerCase();
  const startsWith = (value: unknown): boolean => typeof value === 'string' && value.toLowerCase().startsWith(prefix);
  return (user) => startsWith(user.profile.firstName) || startsWith(user.profile.lastName) || startsWith(user.profile.email);
}

const GROUP_TOP_LEVEL: ReadonlySet<string> = new Set(['id', 'type', 'created', 'lastUpdated', 'lastMembershipUpdated']);
const GROUP_CONTAINS: ReadonlySet<string> = new Set(['profile.name', 'profile.description']);
const GROUP_DATES: ReadonlySet<string> = new Set(['lastUpdated', 'lastMembershipUpdated']);

function readGroup(group: GroupRecord, attribute: string): unknown {
  if (attribute.startsWith('profile.')) return group.profile[attribute.slice('profile.'.length)];
  return GROUP_TOP_LEVEL.has(attribute) ? group[attribute as keyof GroupRecord] : undefined;
}

export function groupSearch(expression: string): Keep<GroupRecord> {
  const predicate = compileExpression(expression, {
    caseInsensitive: true,
    allows: (attribute, operator) =>
      (attribute.startsWith('profile.') || GROUP_TOP_LEVEL.has(attribute)) &&
      (operator !== 'co' || GROUP_CONTAINS.has(attribute)),
  });
  return (group) => predicate((attribute) => readGroup(group, attribute));
}

export function groupFilter(expression: string): Keep<GroupRecord> {
  const predicate = compileExpression(expression, {
    caseInsensitive: false,
    allows: (attribute, operator) =>
      (attribute === 'id' || attribute === 'type' || GROUP_DATES.has(attribute)) &&
      (operator === 'eq' || (GROUP_DATES.has(attribute) && RANGE_OPERATORS.has(operator))),
  });
  return (group) => predicate((attribute) => readGroup(group, attribute));
}

/** A group `q` is a case-insensitive prefix match on the group name. */
export function groupQuery(q: string): Keep<GroupRecord> {
  const prefix = q.toLowerCase();
  return (group) => typeof group.profile.name === 'string' && group.profile.name.toLowerCase().startsWith(prefix);
}
