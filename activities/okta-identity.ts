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
  /** Values to try in turn when Okta says one is taken, per attribute. */
  fallbacks: Record<string, string[]>;
  /** Attributes written at creation only. */
  createOnly: string[];
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

/** The optional profile attributes `keepAttributes: false` clears, by Okta's names. */
const CLEARABLE_ATTRIBUTES = ['department', 'title', 'manager', 'managerId', 'division', 'organization', 'costCenter', 'displayName', 'nickName'];

export function oktaIdentityActivities(okta: OktaClient) {
  /** The user's groups it can leave (Okta-mastered ones), by lower-case name. */
  async function groupsOf(userId: string): Promise<Map<string, { id: string; name: string }>> {
    const groups = new Map<string, { id: string; name: string }>();
    for await (const group of await okta.userApi.listUserGroups({ userId })) {
      if (group?.id && group.type === 'OKTA_GROUP' && group.profile?.name) groups.set(group.profile.name.toLowerCase(), { id: group.id, name: group.profile.name });
    }
    return groups;
  }

  /**
   * Creates the user with the first free value. Candidate n of every attribute with fallbacks
   * goes together (login and email usually move in step); Okta settles uniqueness atomically.
   */
  async function createUser(input: SyncIdentityInput): Promise<OktaUser> {
    const attempts = 1 + Math.max(0, ...Object.values(input.fallbacks).map((values) => values.length));
    for (let attempt = 0; attempt < attempts; attempt++) {
      const attributes = { ...input.attributes };
      for (const [name, values] of Object.entries(input.fallbacks)) {
        if (attempt > 0) attributes[name] = values[Math.min(attempt, values.length) - 1]!;
      }
      const profile: Record<string, string> = { ...toOktaProfile(attributes), [CORRELATION_ATTRIBUTE]: input.key };
      try {
        return (await okta.userApi.createUser({ body: { profile }, activate: true })) as OktaUser;
      } catch (error) {
        if (!hasErrorCode(error, 'E0000001')) throw error;
        // The login may be held by the user an earlier attempt of this very activity created
        // before its answer was lost: that one is ours to adopt.
        const holder = await findUser(okta, profile.login!);
        if (holder && holder.profile?.[CORRELATION_ATTRIBUTE] === input.key) return holder;
      }
    }
    throw ApplicationFailure.nonRetryable(
      `login ${input.attributes.login} ${attempts > 1 ? `and its ${attempts - 1} fallbacks are` : 'is'} already taken in Okta`,
      'LoginTaken',
    );
  }

  return {
    /** Creates the user when allowed, else writes only the attributes that differ. */
    async syncIdentity(input: SyncIdentityInput): Promise<SyncIdentityResult> {
      return call(`SYNC_IDENTITIES ${input.key}`, async () => {
        const existing = input.oktaUserId ? await findUser(okta, input.oktaUserId) : undefined;
        if (!existing) {
          if (!input.create) {
            throw ApplicationFailure.nonRetryable(`identity ${input.key} has no Okta user, and this SYNC_IDENTITIES may not create one`, 'NoOktaUser');
          }
          const user = await createUser(input);
          return { oktaUserId: user.id!, created: true, changed: Object.keys(input.attributes) };
        }
        // The login is fixed at creation: renaming it would break the person's sign-in.
        const synced = Object.fromEntries(
          Object.entries(input.attributes).filter(([name]) => name !== 'login' && !input.createOnly.includes(name)),
        );
        const changes = Object.fromEntries(Object.entries(toOktaProfile(synced)).filter(([name, value]) => existing.profile?.[name] !== value));
        if (Object.keys(changes).length > 0) {
          await okta.userApi.updateUser({ userId: existing.id!, user: { profile: changes } });
        }
        return { oktaUserId: existing.id!, created: false, changed: Object.keys(changes) };
      });
    },

    /**
     * Adds and removes group memberships by group name, and with `sync` makes the user's groups
     * with a prefix exactly the given ones. A membership already so is left alone.
     */
    async manageRelationships(input: {
      oktaUserId: string;
      add: string[];
      remove: string[];
      sync?: { prefix: string; groups: string[] };
    }): Promise<{ added: string[]; removed: string[] }> {
      return call(`MANAGE_RELATIONSHIPS ${input.oktaUserId}`, async () => {
        const current = await groupsOf(input.oktaUserId);
        const has = (name: string) => current.has(name.toLowerCase());
        const prefix = input.sync?.prefix.toLowerCase();
        const wanted = new Set([...input.add, ...(input.sync?.groups ?? [])].map((name) => name.toLowerCase()));
        const strays = prefix === undefined ? [] : [...current.values()].filter((group) => group.name.toLowerCase().startsWith(prefix) && !wanted.has(group.name.toLowerCase()));
        const added: string[] = [];
        const removed: string[] = [];
        for (const name of [...input.add, ...(input.sync?.groups ?? [])]) {
          if (has(name) || added.includes(name)) continue;
          const group = await findGroupByName(okta, name);
          if (!group) throw ApplicationFailure.nonRetryable(`group "${name}" does not exist in Okta`, 'NoSuchGroup');
          await okta.groupApi.assignUserToGroup({ groupId: group.id, userId: input.oktaUserId });
          added.push(name);
        }
        for (const group of [...input.remove.filter(has).map((name) => current.get(name.toLowerCase())!), ...strays]) {
          await okta.groupApi.unassignUserFromGroup({ groupId: group.id, userId: input.oktaUserId });
          removed.push(group.name);
        }
        return { added, removed };
      });
    },

    /**
     * Disables access: optionally clears the optional attributes, leaves the groups and ends the
     * sessions, then deactivates or suspends. A user already so, or gone, is left alone. A user
     * that Okta cannot suspend (not ACTIVE) is deactivated: access must end either way.
     */
    async deprovisionIdentity(input: {
      oktaUserId: string;
      mode: 'deactivate' | 'suspend';
      revokeSessions: boolean;
      removeGroups: boolean;
      keepAttributes: boolean;
    }): Promise<{ status: string; removedGroups: string[] }> {
      return call(`DEPROVISION_IDENTITY ${input.oktaUserId}`, async () => {
        const user = await findUser(okta, input.oktaUserId);
        if (!user) return { status: 'GONE', removedGroups: [] };
        const userId = user.id!;
        if (!input.keepAttributes && user.status !== 'DEPROVISIONED') {
          const cleared = Object.fromEntries(CLEARABLE_ATTRIBUTES.filter((name) => user.profile?.[name] != null).map((name) => [name, null]));
          if (Object.keys(cleared).length > 0) await okta.userApi.updateUser({ userId, user: { profile: cleared } });
        }
        const removedGroups: string[] = [];
        if (input.removeGroups) {
          for (const group of (await groupsOf(userId)).values()) {
            await okta.groupApi.unassignUserFromGroup({ groupId: group.id, userId });
            removedGroups.push(group.name);
          }
        }
        if (input.revokeSessions) await okta.userApi.revokeUserSessions({ userId, oauthTokens: true });
        const suspended = input.mode === 'suspend' && (user.status === 'ACTIVE' || user.status === 'SUSPENDED');
        if (suspended && user.status === 'ACTIVE') await okta.userApi.suspendUser({ userId });
        if (!suspended && user.status !== 'DEPROVISIONED') await okta.userApi.deactivateUser({ userId });
        return { status: suspended ? 'SUSPENDED' : 'DEPROVISIONED', removedGroups };
      });
    },
  };
}
