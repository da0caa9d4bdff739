import type { GroupRecord, UserRecord } from './store.ts';

/** The JSON Okta answers for users and groups, with links on the origin the client used. */

export function userJson(user: UserRecord, origin: string): Record<string, unknown> {
  const self = `${origin}/api/v1/users/${user.id}`;
  const credentials: Record<string, unknown> = {};
  // Okta shows that a password is set, never the password.
  if (user.hasPassword) credentials.password = {};
  if (user.recoveryQuestion !== null) credentials.recovery_question = { question: user.recoveryQuestion };
  credentials.provider = { type: 'OKTA', name: 'OKTA' };
  return {
    id: user.id,
    status: user.status,
    created: user.created,
    activated: user.activated,
    statusChanged: user.statusChanged,
    lastLogin: user.lastLogin,
    lastUpdated: user.lastUpdated,
    passwordChanged: user.passwordChanged,
    type: { id: user.typeId },
    // Okta lists these two base attributes even when they were never set.
    profile: { mobilePhone: null, secondEmail: null, ...user.profile },
    credentials,
    _links: {
      self: { href: self },
      ...(user.status === 'STAGED' ? { activate: { href: `${self}/lifecycle/activate`, method: 'POST' } } : {}),
    },
  };
}

export function groupJson(group: GroupRecord, origin: string): Record<string, unknown> {
  const self = `${origin}/api/v1/groups/${group.id}`;
  return {
    id: group.id,
    created: group.created,
    lastUpdated: group.lastUpdated,
    lastMembershipUpdated: group.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: group.type,
    profile: group.profile,
    _links: {
      logo: [
        { name: 'medium', href: `${origin}/img/logos/groups/okta-medium.png`, type: 'image/png' },
        { name: 'large', href: `${origin}/img/logos/groups/okta-large.png`, type: 'image/png' },
      ],
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
    },
  };
}
