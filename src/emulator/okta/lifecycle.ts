import {
  OktaError,
  cannotSuspend,
  cannotUnsuspend,
  notAllowedInUserStatus,
  resourceNotFound,
  unlockNotAllowed,
  userAlreadyActive,
} from './errors.ts';
import type { EventType } from './log-entries.ts';

/**
 * Okta's user status machine, as data: which lifecycle operation Okta allows from which status,
 * where it leads, how Okta refuses it elsewhere, and which links a user in each status offers.
 */

export const USER_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;

export type UserStatus = (typeof USER_STATUSES)[number];

export const LIFECYCLE_OPERATIONS = [
  'activate',
  'reactivate',
  'deactivate',
  'suspend',
  'unsuspend',
  'unlock',
  'expire_password',
  'expire_password_with_temp_password',
  'reset_password',
] as const;

/** The last segment of `POST /api/v1/users/{id}/lifecycle/{operation}`. */
export type LifecycleOperation = (typeof LIFECYCLE_OPERATIONS)[number];

export interface Transition {
  from: readonly UserStatus[];
  to: (user: { hasPassword: boolean }) => UserStatus;
  /** Okta's answer when the user's status is not in `from`; `idOrLogin` is the user as the caller named them. */
  refusal: (idOrLogin: string) => OktaError;
  event: EventType;
  /** Stamps `activated`. */
  activates?: true;
  /** Gives the user a (temporary) password. */
  setsPassword?: true;
}

/** An activated user with a password can sign in at once; one without must finish the welcome flow first. */
const activated = (user: { hasPassword: boolean }): UserStatus => (user.hasPassword ? 'ACTIVE' : 'PROVISIONED');
const becomes = (status: UserStatus) => (): UserStatus => status;
const everyStatusBut = (excluded: UserStatus): UserStatus[] => USER_STATUSES.filter((status) => status !== excluded);

// Statuses in which the user has finished activation and holds (or is being given) a password.
const SIGNED_UP: readonly UserStatus[] = ['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT'];

export const TRANSITIONS: Readonly<Record<LifecycleOperation, Transition>> = {
  activate: {
    from: ['STAGED', 'DEPROVISIONED'],
    to: activated,
    refusal: userAlreadyActive,
    event: 'user.lifecycle.activate',
    activates: true,
  },
  // Restarts an activation the user never finished, which is what a RECOVERY user who never signed in needs.
  reactivate: {
    from: ['PROVISIONED', 'RECOVERY'],
    to: becomes('PROVISIONED'),
    refusal: notAllowedInUserStatus,
    event: 'user.lifecycle.reactivate',
  },
  // Okta answers a deactivation of a deactivated user as if the user were not there.
  deactivate: {
    from: everyStatusBut('DEPROVISIONED'),
    to: becomes('DEPROVISIONED'),
    refusal: (idOrLogin) => resourceNotFound(idOrLogin, 'User'),
    event: 'user.lifecycle.deactivate',
  },
  suspend: { from: ['ACTIVE'], to: becomes('SUSPENDED'), refusal: cannotSuspend, event: 'user.lifecycle.suspend' },
  unsuspend: { from: ['SUSPENDED'], to: becomes('ACTIVE'), refusal: cannotUnsuspend, event: 'user.lifecycle.unsuspend' },
  unlock: { from: ['LOCKED_OUT'], to: becomes('ACTIVE'), refusal: unlockNotAllowed, event: 'user.account.unlock' },
  // There must be a password to expire.
  expire_password: {
    from: SIGNED_UP,
    to: becomes('PASSWORD_EXPIRED'),
    refusal: notAllowedInUserStatus,
    event: 'user.account.expire_password',
  },
  // Sets the password it expires, so it also serves users who never had one.
  expire_password_with_temp_password: {
    from: ['PROVISIONED', 'RECOVERY', ...SIGNED_UP],
    to: becomes('PASSWORD_EXPIRED'),
    refusal: notAllowedInUserStatus,
    event: 'user.account.expire_password',
    setsPassword: true,
  },
  reset_password: {
    from: ['PROVISIONED', 'RECOVERY', ...SIGNED_UP],
    to: becomes('RECOVERY'),
    refusal: notAllowedInUserStatus,
    event: 'user.account.reset_password',
  },
};

/**
 * The status a user moves to under a lifecycle operation; throws Okta's refusal when the operation
 * is not allowed from the user's status.
 */
export function nextStatus(
  operation: LifecycleOperation,
  user: { status: UserStatus; hasPassword: boolean },
  idOrLogin: string,
): UserStatus {
  const transition = TRANSITIONS[operation];
  if (!transition.from.includes(user.status)) throw transition.refusal(idOrLogin);
  return transition.to(user);
}

/** Where a new user starts: `nextLogin=changePassword` has Okta expire the given password at once. */
export function statusOnCreate(options: { activate: boolean; hasPassword: boolean; expirePassword: boolean }): UserStatus {
  if (!options.activate) return 'STAGED';
  return options.expirePassword ? 'PASSWORD_EXPIRED' : activated(options);
}

/** Okta keeps a deactivated user's profile frozen unless an org-wide admin option is turned on. */
export function assertProfileEditable(status: UserStatus): void {
  if (status === 'DEPROVISIONED') throw notAllowedInUserStatus();
}

export type UserLinkRel =
  | 'activate'
  | 'reactivate'
  | 'deactivate'
  | 'suspend'
  | 'unsuspend'
  | 'unlock'
  | 'resetPassword'
  | 'expirePassword'
  | 'forgotPassword'
  | 'changePassword'
  | 'changeRecoveryQuestion';

/**
 * The operations a single user's `_links` offer in each status, in the order Okta lists them (from
 * the Management API's examples and recorded answers). A STAGED user can also be deactivated, but
 * Okta offers only activation.
 */
export const USER_LINKS: Readonly<Record<UserStatus, readonly UserLinkRel[]>> = {
  STAGED: ['activate'],
  PROVISIONED: ['reactivate', 'resetPassword', 'deactivate'],
  ACTIVE: ['suspend', 'resetPassword', 'expirePassword', 'forgotPassword', 'changeRecoveryQuestion', 'deactivate', 'changePassword'],
  RECOVERY: ['reactivate', 'resetPassword', 'deactivate'],
  PASSWORD_EXPIRED: ['resetPassword', 'expirePassword', 'forgotPassword', 'changeRecoveryQuestion', 'deactivate', 'changePassword'],
  LOCKED_OUT: ['unlock', 'resetPassword', 'expirePassword', 'deactivate'],
  SUSPENDED: ['unsuspend', 'deactivate'],
  DEPROVISIONED: ['activate'],
};
