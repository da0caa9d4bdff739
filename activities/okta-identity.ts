import { ApplicationFailure } from '@temporalio/common';
import type { OktaClient } from '../src/okta/client.ts';
import { hasErrorCode, isOktaApiError, toActivityError } from '../src/okta/errors.ts';
import { findGroupByName } from '../src/okta/groups.ts';
import { CORRELATION_ATTRIBUTE, toOktaProfile } from '../src/okta/profile.ts';

export interface SyncIdentityInput {
  key: string;
  oktaUserId: string | undefined;
  create: boolean;
  /** Resolved attribute values, by the policy's (Veza's) attribute names. */
  attributes: Record<string, string>;
}

export interface SyncIdentityResult {
  oktaUserId: string;
  created: boolean;
  changed: string[];
}

type OktaUser = { id?: string; status?: string; profile?: Record<string, unknown> };

async function findUser(okta: OktaClient, idOrLogin: string): Promise<OktaUser | undefined> {
  try {
    return (await okta.userApi.getUser({ userId: idOrLogin })) as OktaUser;
  } catch (error) {
    if (isOktaApiError(error) && error.status === 404) return undefined;
    throw error;
  }
}

/** Every call to Okta goes through here, so each failure is classified in one place. */
async function call<T>(doing: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toActivityError(error, doing);
  }
}

export function oktaIdentityActivities(okta: OktaClient) {
  async function createUser(input: SyncIdentityInput, profile: Record<string, string>): Promise<OktaUser> {
    try {
      return (await okta.userApi.createUser({ body: { profile }, activate: true })) as OktaUser;
    } catch (error) {
      if (!hasErrorCode(error, 'E0000001')) throw error;
      // Okta settles login uniqueness. The login may be held by the user an earlier attempt of
      // this very activity created before its answer was lost: that one is ours to adopt.
      const holder = await findUser(okta, profile.login!);
      if (holder && holder.profile?.[CORRELATION_ATTRIBUTE] === input.key) return holder;
      throw ApplicationFailure.nonRetryable(`login ${profile.login} already belongs to another Okta user`, 'LoginTaken');
    }
  }

  return {
    /** Creates the user when allowed, else writes only the attributes that differ. */
    async syncIdentity(input: SyncIdentityInput): Promise<SyncIdentityResult> {
      const profile: Record<string, string> = { ...toOktaProfile(input.attributes), [CORRELATION_ATTRIBUTE]: input.key };
      return call(`SYNC_IDENTITIES ${input.key}`, async () => {
        const existing = input.oktaUserId ? await findUser(okta, input.oktaUserId) : undefined;
        if (!existing) {
          if (!input.create) {
            throw ApplicationFailure.nonRetryable(`identity ${input.key} has no Okta user, and this SYNC_IDENTITIES may not create one`, 'NoOktaUser');
          }
          const user = await createUser(input, profile);
          return { oktaUserId: user.id!, created: true, changed: Object.keys(profile) };
        }
        // The login is fixed at creation: renaming it would break the person's sign-in.
        const { login: _login, ...updatable } = profile;
        const changes = Object.fromEntries(Object.entries(updatable).filter(([name, value]) => existing.profile?.[name] !== value));
        if (Object.keys(changes).length > 0) {
          await okta.userApi.updateUser({ userId: existing.id!, user: { profile: changes } });
        }
        return { oktaUserId: existing.id!, created: false, changed: Object.keys(changes) };
      });
    },

    /** Adds and removes group memberships by group name; a membership already so is left alone. */
    async manageRelationships(input: { oktaUserId: string; add: string[]; remove: string[] }): Promise<{ added: string[]; removed: string[] }> {
      return call(`MANAGE_RELATIONSHIPS ${input.oktaUserId}`, async () => {
        const current = new Set<string>();
        for await (const group of await okta.userApi.listUserGroups({ userId: input.oktaUserId })) {
          if (group?.id) current.add(group.id);
        }
        const added: string[] = [];
        const removed: string[] = [];
        for (const name of input.add) {
          const group = await findGroupByName(okta, name);
          if (!group) throw ApplicationFailure.nonRetryable(`group "${name}" does not exist in Okta`, 'NoSuchGroup');
          if (current.has(group.id)) continue;
          await okta.groupApi.assignUserToGroup({ groupId: group.id, userId: input.oktaUserId });
          added.push(name);
        }
        for (const name of input.remove) {
          const group = await findGroupByName(okta, name);
          if (!group || !current.has(group.id)) continue;
          await okta.groupApi.unassignUserFromGroup({ groupId: group.id, userId: input.oktaUserId });
          removed.push(name);
        }
        return { added, removed };
      });
    },

    /** Deactivates the user; a user already deactivated, or gone, is already so. */
    async deprovisionIdentity(input: { oktaUserId: string }): Promise<{ status: string }> {
      return call(`DEPROVISION_IDENTITY ${input.oktaUserId}`, async () => {
        const user = await findUser(okta, input.oktaUserId);
        if (!user) return { status: 'GONE' };
        if (user.status !== 'DEPROVISIONED') await okta.userApi.deactivateUser({ userId: input.oktaUserId });
        return { status: 'DEPROVISIONED' };
      });
    },
  };
}
