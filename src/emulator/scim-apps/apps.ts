import { DirectoryError, type UserInput } from '../../scim/directory/types.ts';
import { SANDBOX_APPS } from '../../targets/definitions.ts';

/**
 * The two SCIM 2.0 applications the sandbox emulates, each as its vendor documents its Okta
 * integration (shared/seeds 001 and 003). What differs between them is said here; everything
 * else is the same SCIM service provider.
 */

export type ScimAppName = (typeof SANDBOX_APPS)[number];

export interface ScimAppProfile {
  name: ScimAppName;
  /** The vendor's name, for messages. */
  title: string;
  /** Whether the app takes group push (a /Groups resource type). */
  groups: boolean;
  /**
   * What a DELETE does. `remove`: the user is gone. `revokeAccess`: Kestra's users are global and
   * SCIM is per tenant, so a DELETE only ends the tenant's access; the user stays in the system
   * (seen through the admin API), is no longer a SCIM resource, and a later POST of the same
   * userName gives the same user access again.
   */
  onDelete: 'remove' | 'revokeAccess';
  /** A refusal (a 400 message) of a user the app will not take, or undefined. */
  refuseUser(user: UserInput): string | undefined;
}

/** A plain address: something@domain.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The primary email, or else the only one: what OpsHelm compares with the username. */
function primaryEmail(resource: Record<string, unknown>): string | undefined {
  const emails = Array.isArray(resource.emails) ? (resource.emails as Array<Record<string, unknown>>) : [];
  const primary = emails.find((email) => email.primary === true) ?? (emails.length === 1 ? emails[0] : undefined);
  return typeof primary?.value === 'string' ? primary.value : undefined;
}

/**
 * OpsHelm: users only (no group push), Email as the application username format, and "a user's
 * Primary email address must match their application username". Deactivation keeps the user.
 */
const OPSHELM: ScimAppProfile = {
  name: 'opshelm',
  title: 'OpsHelm',
  groups: false,
  onDelete: 'remove',
  refuseUser(user) {
    if (!EMAIL.test(user.userName)) return 'userName must be an email address: OpsHelm takes Email as the application username format';
    const email = primaryEmail(user.resource);
    if (email !== undefined && email.toLowerCase() !== user.userName.toLowerCase()) {
      return "the primary email must be the userName: OpsHelm requires a user's primary email address to match their application username";
    }
    return undefined;
  },
};

/** Kestra: users and groups per tenant; DELETE ends the tenant's access only. */
const KESTRA: ScimAppProfile = {
  name: 'kestra',
  title: 'Kestra',
  groups: true,
  onDelete: 'revokeAccess',
  refuseUser: () => undefined,
};

export const SCIM_APPS: Readonly<Record<ScimAppName, ScimAppProfile>> = { opshelm: OPSHELM, kestra: KESTRA };

export function isScimAppName(name: string): name is ScimAppName {
  return (SANDBOX_APPS as readonly string[]).includes(name);
}

/** The profile's refusal of a user, as the directory's 400. */
export function checkUser(app: ScimAppProfile, user: UserInput): void {
  const refusal = app.refuseUser(user);
  if (refusal) throw new DirectoryError(400, 'invalidValue', refusal);
}
