import type { GroupInput, GroupMember, StoredGroup, StoredUser, UserInput } from './directory/types.ts';
import { cleanResource, GROUP_SHAPE, requiredString, USER_SHAPE, type ResourceShape } from './resource-shape.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './schema-definitions.ts';

/**
 * Between SCIM JSON and the directory's stored form: what a client sent becomes a UserInput or a
 * GroupInput (checked, cleaned), and a stored resource becomes what a client reads back.
 */

type Json = Record<string, unknown>;

/** A user's writable content from a POST or PUT body, or the outcome of a PATCH. */
export function userInput(body: unknown): UserInput {
  const resource = cleanResource(USER_SHAPE, body);
  const userName = requiredString(resource, 'userName', 'the unique name of the user (Okta sends the login)');
  // A user provisioned without `active` is active: SCIM clients send false to deactivate.
  const active = resource.active !== false;
  const externalId = typeof resource.externalId === 'string' ? resource.externalId : undefined;
  return { userName, externalId, active, resource: { ...resource, active } };
}

/** The user's SCIM content without id and meta: what a PATCH starts from. */
export function userContent(user: StoredUser): Json {
  return { ...user.resource, userName: user.userName, active: user.active, ...(user.externalId !== undefined ? { externalId: user.externalId } : {}) };
}

/** A group's writable content from a POST or PUT body, or the outcome of a PATCH. */
export function groupInput(body: unknown): GroupInput {
  const resource = cleanResource(GROUP_SHAPE, body);
  const displayName = requiredString(resource, 'displayName', 'the name of the group');
  const externalId = typeof resource.externalId === 'string' ? resource.externalId : undefined;
  const members = Array.isArray(resource.members) ? (resource.members as Json[]).flatMap((member) => (typeof member.value === 'string' ? [member.value] : [])) : [];
  return { displayName, externalId, members: [...new Set(members)] };
}

export function groupContent(group: StoredGroup): Json {
  return {
    displayName: group.displayName,
    ...(group.externalId !== undefined ? { externalId: group.externalId } : {}),
    members: group.members.map((member) => ({ value: member.value, ...(member.display !== undefined ? { display: member.display } : {}) })),
  };
}

function meta(shape: ResourceShape, baseUrl: string, resource: { id: string; created: string; lastModified: string; version: number }) {
  return {
    resourceType: shape.resourceType,
    created: resource.created,
    lastModified: resource.lastModified,
    location: `${baseUrl}${shape.endpoint}/${resource.id}`,
    version: `W/"${resource.version}"`,
  };
}

/** The user as a client reads it; `groups` is read-only, from the groups that list the user. */
export function userResource(user: StoredUser, groups: GroupMember[] | undefined, baseUrl: string): Json {
  const { userName: _userName, active: _active, externalId: _externalId, ...rest } = user.resource;
  return {
    schemas: ENTERPRISE_USER_SCHEMA in user.resource ? [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] : [USER_SCHEMA],
    id: user.id,
    ...(user.externalId !== undefined ? { externalId: user.externalId } : {}),
    userName: user.userName,
    ...rest,
    active: user.active,
    ...(groups && groups.length > 0
      ? { groups: groups.map((group) => ({ value: group.value, $ref: `${baseUrl}/Groups/${group.value}`, ...(group.display !== undefined ? { display: group.display } : {}), type: 'direct' })) }
      : {}),
    meta: meta(USER_SHAPE, baseUrl, user),
  };
}

export function groupResource(group: StoredGroup, baseUrl: string): Json {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId !== undefined ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    members: group.members.map((member) => ({
      value: member.value,
      $ref: `${baseUrl}/Users/${member.value}`,
      ...(member.display !== undefined ? { display: member.display } : {}),
      type: 'User',
    })),
    meta: meta(GROUP_SHAPE, baseUrl, group),
  };
}
