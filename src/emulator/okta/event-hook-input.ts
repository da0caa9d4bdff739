import { isLoopback } from '../../runtime/loopback.ts';
import { apiValidationFailed, fieldBlank } from './errors.ts';
import { objectBody } from './request.ts';

/** How an event hook body is read and checked, for `POST` (create) and `PUT` (replace). */

export interface HookHeader {
  key: string;
  value: string;
}

export interface HookChannel {
  uri: string;
  headers: HookHeader[];
  /** The header Okta adds to every call, such as `Authorization: <secret>`; never shown again. */
  authScheme: { key: string; value: string } | null;
}

export interface EventHookDefinition {
  name: string;
  description: string | null;
  eventTypes: string[];
  channel: HookChannel;
}

/**
 * The event types Okta lets an event hook subscribe to ("event-hook-eligible" in its Event Types
 * catalog), restricted to users, groups and sessions, the objects this emulator knows.
 */
const HOOK_ELIGIBLE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'user.lifecycle.create',
  'user.lifecycle.activate',
  'user.lifecycle.reactivate',
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.unsuspend',
  'user.lifecycle.delete.initiated',
  'user.account.lock',
  'user.account.unlock',
  'user.account.unlock_by_admin',
  'user.account.reset_password',
  'user.account.update_password',
  'user.account.update_profile',
  'user.account.privilege.grant',
  'user.account.privilege.revoke',
  'user.session.start',
  'user.session.end',
  'user.session.clear',
  'group.lifecycle.create',
  'group.lifecycle.delete',
  'group.profile.update',
  'group.user_membership.add',
  'group.user_membership.remove',
  'group.privilege.grant',
  'group.privilege.revoke',
]);

const MAX_NAME_LENGTH = 255;

/** Collects every problem with a body, so that one answer names them all, as Okta's do. */
class Causes {
  readonly list: string[] = [];

  blank(field: string): void {
    this.list.push(fieldBlank(field));
  }

  add(field: string, problem: string): void {
    this.list.push(`${field}: ${problem}`);
  }
}

function isNonBlankString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** A member that must be an object when present; anything else counts as absent and is reported. */
function member(value: unknown, field: string, causes: Causes): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  causes.blank(field);
  return {};
}

function expectConstant(value: unknown, expected: string, field: string, causes: Causes): void {
  if (value !== expected) causes.add(field, `Must be ${expected}`);
}

function readEventTypes(events: Record<string, unknown>, causes: Causes): string[] {
  expectConstant(events.type, 'EVENT_TYPE', 'events.type', causes);
  const items = events.items;
  if (!Array.isArray(items) || items.length === 0) {
    causes.blank('events.items');
    return [];
  }
  const eventTypes: string[] = [];
  for (const item of items) {
    if (typeof item === 'string' && HOOK_ELIGIBLE_EVENT_TYPES.has(item)) eventTypes.push(item);
    else causes.add('events.items', `${String(item)} is not eligible for event hooks`);
  }
  return eventTypes;
}

/**
 * Okta calls only HTTPS endpoints. The emulator also calls plain HTTP on this machine, where test
 * receivers and a developer's own service listen.
 */
function readUri(value: unknown, causes: Causes): string {
  if (!isNonBlankString(value)) {
    causes.blank('channel.config.uri');
    return '';
  }
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url?.protocol !== 'https:' && !(url?.protocol === 'http:' && isLoopback(url.hostname))) {
    causes.add('channel.config.uri', 'Must begin with https://');
  }
  return value;
}

function readHeaders(value: unknown, causes: Causes): HookHeader[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    causes.add('channel.config.headers', 'Must be a list of key and value pairs');
    return [];
  }
  const headers: HookHeader[] = [];
  for (const header of value) {
    const { key, value: headerValue } = (header ?? {}) as Record<string, unknown>;
    if (isNonBlankString(key) && typeof headerValue === 'string') headers.push({ key, value: headerValue });
    else causes.add('channel.config.headers', 'Each header needs a key and a value');
  }
  return headers;
}

/** The secret is write-only, so a replace body may leave it out to keep the one set before. */
function readAuthScheme(value: unknown, keptSecret: string | undefined, causes: Causes): HookChannel['authScheme'] {
  if (value === undefined || value === null) return null;
  const scheme = member(value, 'channel.config.authScheme', causes);
  expectConstant(scheme.type, 'HEADER', 'channel.config.authScheme.type', causes);
  if (!isNonBlankString(scheme.key)) causes.blank('channel.config.authScheme.key');
  const secret = scheme.value ?? keptSecret;
  if (typeof secret !== 'string') causes.blank('channel.config.authScheme.value');
  return { key: String(scheme.key), value: String(secret) };
}

/**
 * Reads a create or replace body. Read-only members (id, status, created, _links …) are ignored.
 * `keptSecret` is the secret of the hook being replaced.
 */
export function eventHookDefinition(body: unknown, keptSecret?: string): EventHookDefinition {
  const object = objectBody(body);
  const causes = new Causes();
  if (!isNonBlankString(object.name)) causes.blank('name');
  else if (object.name.length > MAX_NAME_LENGTH) causes.add('name', `Must be at most ${MAX_NAME_LENGTH} characters`);
  const eventTypes = readEventTypes(member(object.events, 'events', causes), causes);
  const channel = member(object.channel, 'channel', causes);
  expectConstant(channel.type, 'HTTP', 'channel.type', causes);
  expectConstant(channel.version, '1.0.0', 'channel.version', causes);
  const config = member(channel.config, 'channel.config', causes);
  const definition: EventHookDefinition = {
    name: String(object.name),
    description: typeof object.description === 'string' ? object.description : null,
    eventTypes,
    channel: {
      uri: readUri(config.uri, causes),
      headers: readHeaders(config.headers, causes),
      authScheme: readAuthScheme(config.authScheme, keptSecret, causes),
    },
  };
  if (causes.list.length > 0) throw apiValidationFailed('eventHook', causes.list);
  return definition;
}
