import type { LogEntryInput, LogTarget } from './system-log.ts';

/** The System Log event types the emulator records, each with the display message Okta's log shows. */
const DISPLAY_MESSAGES = {
  'user.lifecycle.create': 'Create Okta user',
  'user.lifecycle.activate': 'Activate Okta user',
  'user.lifecycle.reactivate': 'Reactivate Okta user',
  'user.lifecycle.deactivate': 'Deactivate Okta user',
  'user.lifecycle.suspend': 'Suspend Okta user',
  'user.lifecycle.unsuspend': 'Unsuspend Okta user',
  'user.lifecycle.delete.initiated': 'Delete Okta user',
  'user.account.unlock': 'Unlock user account',
  'user.account.update_profile': 'Update user profile for Okta',
  'user.account.update_password': 'Update user password',
  'user.account.reset_password': 'Reset user password',
  'user.account.expire_password': 'Expire user password',
  'user.session.clear': 'Clear user session',
  'user.mfa.factor.activate': 'Activate factor or authenticator',
  'user.mfa.factor.reset_all': 'Reset all factors for user',
  'group.lifecycle.create': 'Create Okta group',
  'group.lifecycle.delete': 'Delete Okta group',
  'group.profile.update': 'Update Okta group profile',
  'group.user_membership.add': 'Add user to group membership',
  'group.user_membership.remove': 'Remove user from group membership',
} as const;

export type EventType = keyof typeof DISPLAY_MESSAGES;

export interface TargetUser {
  id: string;
  profile: Record<string, unknown>;
}

export interface TargetGroup {
  id: string;
  profile: Record<string, unknown>;
}

export function userTarget(user: TargetUser): LogTarget {
  const { login, firstName, lastName } = user.profile;
  return { id: user.id, type: 'User', alternateId: String(login), displayName: `${firstName} ${lastName}` };
}

/** Okta's log has no alternate id for a group. */
export function groupTarget(group: TargetGroup): LogTarget {
  return { id: group.id, type: 'UserGroup', alternateId: 'unknown', displayName: String(group.profile.name) };
}

export function logEntry(eventType: EventType, target: LogTarget[]): LogEntryInput {
  return { eventType, displayMessage: DISPLAY_MESSAGES[eventType], target };
}
