import type { OktaClient } from '../src/okta/client.ts';
import { toActivityError } from '../src/okta/errors.ts';
import { findUser } from '../src/okta/users.ts';
import type {
  AccountOf,
  CreateEntitlementInput,
  DeleteIdentityInput,
  DeprovisionIdentityInput,
  ManageRelationshipsInput,
  SyncIdentityInput,
  Target,
} from '../src/targets/target.ts';

/**
 * An input as the activities took it before the target seam: the account id was the Okta user id,
 * and no identity key came with it (Okta acts on the id alone).
 */
type Legacy<I extends { accountId: unknown }> = Omit<I, 'accountId' | 'key'> & { oktaUserId: I['accountId'] };

function withAccount<I extends { accountId: unknown; key: string }>({ oktaUserId, ...rest }: Legacy<I>): I {
  return { key: '', ...rest, accountId: oktaUserId } as unknown as I;
}

/**
 * The Okta activities as they were before the target seam, which identity workflows that started
 * earlier still schedule (workflows/identity-steps.ts asks `patched('target-seam')`): each is the Okta
 * target's operation, with the Okta user id under its old name.
 */
export function legacyOktaActivities(okta: Target) {
  return {
    async syncIdentity(input: Legacy<SyncIdentityInput>) {
      const { accountId, ...result } = await okta.syncIdentity(withAccount(input));
      return { ...result, oktaUserId: accountId };
    },
    manageRelationships: (input: Legacy<ManageRelationshipsInput>) => okta.manageRelationships(withAccount(input)),
    groupsToRemove: (input: Legacy<AccountOf>) => okta.groupsToRemove(withAccount(input)),
    deprovisionIdentity: (input: Legacy<DeprovisionIdentityInput>) => okta.deprovisionIdentity(withAccount(input)),
    deleteIdentity: (input: Legacy<DeleteIdentityInput>) => okta.deleteIdentity(withAccount(input)),
    createEntitlement: (input: Legacy<CreateEntitlementInput>) => okta.createEntitlement(withAccount(input)),
  };
}

/** Checks on Okta that binding an identity of another source to an Okta user needs. */
export function oktaBindingActivities(okta: OktaClient) {
  return {
    /**
     * Whether the Okta user a SCIM client named (its externalId) is the person it pushed: Okta's
     * push sends the user's own id, whose login is the SCIM userName. Okta compares logins
     * ignoring case. A 404 is an answer (no such user); Okta down is retried as every call is.
     * The reason never quotes a login: it goes to the status and the logs.
     */
    async confirmOktaUser(input: { oktaUserId: string; login: string | undefined }): Promise<{ confirmed: boolean; reason?: string }> {
      try {
        if (!input.login) return { confirmed: false, reason: 'cannot be checked: the SCIM user has no userName' };
        const user = await findUser(okta, input.oktaUserId);
        // getUser also finds a user by login: only the user with this very id will do.
        if (!user || user.id !== input.oktaUserId) return { confirmed: false, reason: 'names no Okta user' };
        const login = user.profile?.login;
        if (typeof login !== 'string' || login.toLowerCase() !== input.login.toLowerCase()) {
          return { confirmed: false, reason: "names an Okta user whose login is not this SCIM user's userName" };
        }
        return { confirmed: true };
      } catch (error) {
        throw toActivityError(error, `confirming Okta user ${input.oktaUserId}`);
      }
    },
  };
}
