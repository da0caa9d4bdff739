import type { LogActor } from './context.ts';
import type { Profile } from './user-store.ts';

/**
 * Every Okta org has the super admin who created it, and an API token acts as the admin who
 * created the token. The emulator's org has this one from the start, and its SSWS token is theirs.
 * Its id is all zeros in the ordered part, so the admin sorts before every user the org makes, as
 * the oldest user does in Okta's lists.
 */
export const SUPER_ADMIN_ID = '00u00000000OrgAdmin0';

export const SUPER_ADMIN_PROFILE: Readonly<Profile> = {
  login: 'admin@emulator.okta.local',
  email: 'admin@emulator.okta.local',
  firstName: 'Emulator',
  lastName: 'Admin',
};

/** The admin as the System Log names the actor of an SSWS request. */
export const SUPER_ADMIN_ACTOR: LogActor = {
  id: SUPER_ADMIN_ID,
  type: 'User',
  alternateId: String(SUPER_ADMIN_PROFILE.login),
  displayName: `${SUPER_ADMIN_PROFILE.firstName} ${SUPER_ADMIN_PROFILE.lastName}`,
};
