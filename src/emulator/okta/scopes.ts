import type { EndpointFamily } from './endpoint-families.ts';

/**
 * The Okta API scopes an OAuth access token needs, per endpoint family: reading takes the
 * resource's `read` or `manage` scope, any change takes `manage`. SSWS tokens are not scoped.
 */

interface ScopeChoice {
  read: readonly string[];
  change: readonly string[];
}

function scopesOf(resource: string): ScopeChoice {
  const manage = `okta.${resource}.manage`;
  return { read: [`okta.${resource}.read`, manage], change: [manage] };
}

const USERS = scopesOf('users');

const SCOPES: Partial<Record<EndpointFamily, ScopeChoice>> = {
  users: USERS,
  user: USERS,
  userOperations: USERS,
  groups: scopesOf('groups'),
  logs: scopesOf('logs'),
  eventHooks: scopesOf('eventHooks'),
};

/**
 * The scopes any one of which lets a token make the request, the least powerful first; undefined
 * where no scope applies (the emulator then answers as it would anyone, e.g. 404 for no endpoint).
 */
export function acceptedScopes(family: EndpointFamily, method: string): readonly string[] | undefined {
  const choice = SCOPES[family];
  if (choice === undefined) return undefined;
  return method === 'GET' || method === 'HEAD' ? choice.read : choice.change;
}
