import { apiValidationFailed, notAllowedInUserStatus, userAlreadyActive } from './errors.ts';

export type UserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'LOCKED_OUT'
  | 'PASSWORD_EXPIRED'
  | 'SUSPENDED'
  | 'DEPROVISIONED';

export type LifecycleOperation = 'activate' | 'deactivate' | 'suspend' | 'unsuspend';

export const LIFECYCLE_OPERATIONS: readonly LifecycleOperation[] = ['activate', 'deactivate', 'suspend', 'unsuspend'];

/** An activated user with a password can sign in at once; one without must finish the welcome flow first. */
function activatedStatus(hasPassword: boolean): UserStatus {
  return hasPassword ? 'ACTIVE' : 'PROVISIONED';
}

export function statusOnCreate(activate: boolean, hasPassword: boolean): UserStatus {
  return activate ? activatedStatus(hasPassword) : 'STAGED';
}

/**
 * The status a user moves to under a lifecycle operation, or the error Okta answers when the
 * operation is not allowed from the user's status. Deactivating a deactivated user changes nothing.
 */
export function nextStatus(operation: LifecycleOperation, from: UserStatus, hasPassword: boolean): UserStatus {
  switch (operation) {
    case 'activate':
      // The spec allows activation only from STAGED and DEPROVISIONED; PROVISIONED users are reactivated instead.
      if (from === 'STAGED' || from === 'DEPROVISIONED') return activatedStatus(hasPassword);
      throw userAlreadyActive();
    case 'deactivate':
      return 'DEPROVISIONED';
    case 'suspend':
      if (from === 'ACTIVE') return 'SUSPENDED';
      throw apiValidationFailed('suspendUser', ['Cannot suspend a user that is not active']);
    case 'unsuspend':
      if (from === 'SUSPENDED') return 'ACTIVE';
      throw apiValidationFailed('unsuspendUser', ['Cannot unsuspend a user that is not suspended']);
  }
}

/** Okta keeps a deactivated user's profile frozen unless an org-wide admin option is turned on. */
export function assertProfileEditable(status: UserStatus): void {
  if (status === 'DEPROVISIONED') throw notAllowedInUserStatus();
}
