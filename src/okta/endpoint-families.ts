/**
 * Okta counts rate limits, and grants OAuth scopes, per family of endpoints rather than per route:
 * listing users and fetching one user draw on different quotas, every group endpoint on one.
 * Requests are classified by their path alone, so that routes added later fall into their family
 * without registering anywhere. The emulator enforces its limits by this classification and the
 * client paces itself by it, so both count the same way.
 */

export const ENDPOINT_FAMILIES = [
  /** `/api/v1/users`: list, search and create. */
  'users',
  /** `/api/v1/users/{idOrLogin}`: get, update, delete one user. */
  'user',
  /** `/api/v1/users/{id}/…`: lifecycle operations, a user's groups, sessions. */
  'userOperations',
  /** `/api/v1/groups` and everything under it. */
  'groups',
  /** `/api/v1/logs`. */
  'logs',
  /** `/api/v1/eventHooks` and everything under it. */
  'eventHooks',
  /** `/oauth2/v1/token`. */
  'token',
  /** Any other path. */
  'other',
] as const;

export type EndpointFamily = (typeof ENDPOINT_FAMILIES)[number];

/** The org authorization server's token endpoint. */
export const TOKEN_PATH = '/oauth2/v1/token';

const USERS = '/api/v1/users';

/** Whether `path` is `prefix` itself or a path below it. */
export function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function endpointFamily(path: string): EndpointFamily {
  if (isUnder(path, USERS)) {
    const rest = path.slice(USERS.length + 1);
    if (rest === '') return 'users';
    return rest.includes('/') ? 'userOperations' : 'user';
  }
  if (isUnder(path, '/api/v1/groups')) return 'groups';
  if (isUnder(path, '/api/v1/logs')) return 'logs';
  if (isUnder(path, '/api/v1/eventHooks')) return 'eventHooks';
  if (path === TOKEN_PATH) return 'token';
  return 'other';
}

export function isEndpointFamily(name: string): name is EndpointFamily {
  return (ENDPOINT_FAMILIES as readonly string[]).includes(name);
}
