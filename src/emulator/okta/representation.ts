import { USER_LINKS, type UserLinkRel } from './lifecycle.ts';
import type { GroupRecord, UserRecord } from './store.ts';

/** The JSON Okta answers for users and groups, with links on the origin the client used. */

const USER_LINK_PATHS: Readonly<Record<UserLinkRel, string>> = {
  activate: 'lifecycle/activate',
  reactivate: 'lifecycle/reactivate',
  deactivate: 'lifecycle/deactivate',
  suspend: 'lifecycle/suspend',
  unsuspend: 'lifecycle/unsuspend',
  unlock: 'lifecycle/unlock',
  resetPassword: 'lifecycle/reset_password',
  expirePassword: 'lifecycle/expire_password',
  forgotPassword: 'credentials/forgot_password',
  changePassword: 'credentials/change_password',
  changeRecoveryQuestion: 'credentials/change_recovery_question',
};

/**
 * A single user carries every link its status offers; a user in a list carries only `self`, as
 * Okta lists them.
 */
export type UserLinks = 'all' | 'self';

export function userJson(user: UserRecord, origin: string, links: UserLinks): Record<string, unknown> {
  const self = `${origin}/api/v1/users/${user.id}`;
  const credentials: Record<string, unknown> = {};
  // Okta shows that a password is set, never the password.
  if (user.hasPassword) credentials.password = {};
  if (user.recoveryQuestion !== null) credentials.recovery_question = { question: user.recoveryQuestion };
  credentials.provider = { type: 'OKTA', name: 'OKTA' };
  const operations: Record<string, unknown> = {};
  if (links === 'all') {
    for (const rel of USER_LINKS[user.status]) operations[rel] = { href: `${self}/${USER_LINK_PATHS[rel]}`, method: 'POST' };
  }
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
    _links: { ...operations, self: { href: self } },
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
