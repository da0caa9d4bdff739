import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { OktaClient } from '../../okta/client.ts';
import { isOktaApiError, toActivityError } from '../../okta/errors.ts';
import { GroupDirectory, type OktaGroupRef } from '../../okta/groups.ts';
import { findUser, type OktaUser } from '../../okta/users.ts';
import { CORRELATION_ATTRIBUTE, fromOktaProfile, syncedOnExistingUser, toOktaProfile } from '../../okta/profile.ts';
import type { AccountOf, AccountSnapshot, SyncIdentityInput, SyncIdentityResult, Target } from '../target.ts';

/**
 * Okta answers E0000001 to any invalid profile; only a cause naming the login as already used
 * means that the next candidate should be tried.
 */
function isLoginTaken(error: unknown): boolean {
  return isOktaApiError(error) && error.errorCode === 'E0000001' && (error.errorCauses ?? []).some(({ errorSummary }) => /^login: .*already exists/.test(errorSummary ?? ''));
}

/** Every call to Okta goes through here, so each failure is classified in one place. */
async function call<T>(doing: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toActivityError(error, doing);
  }
}

/**
 * When Okta itself reported the change (`onlyIfStatus`, the status it reported), whether Okta
 * still says so: a report that arrives late must not undo what an administrator did since, such
 * as reactivating the user a deactivation event was about.
 */
function stillSo(user: { status?: unknown }, onlyIfStatus: string | undefined): boolean {
  return onlyIfStatus === undefined || user.status === onlyIfStatus;
}

/**
 * The Okta user an operation acts on. Okta users are found by the id the workflow holds (from a
 * sync, or from Okta as the source), never by searching: a user Tenure does not know is not its to change.
 */
function userIdOf(input: AccountOf, doing: string): string {
  if (input.accountId) return input.accountId;
  throw ApplicationFailure.nonRetryable(`${doing}: no Okta user is known for this identity`, 'NoOktaUser');
}

/** The optional profile attributes `keepAttributes: false` clears, by Okta's names. */
const CLEARABLE_ATTRIBUTES = ['department', 'title', 'manager', 'managerId', 'division', 'organization', 'costCenter', 'displayName', 'nickName'];

/**
 * Okta as a target: the actions as Okta's Users and Groups APIs carry them out. The account id is
 * the Okta user id; the identity key is written to employeeNumber (CORRELATION_ATTRIBUTE).
 */
export function oktaTarget(okta: OktaClient, name = 'okta'): Target {
  const directory = new GroupDirectory(okta);

  /** The user's groups it can leave (Okta-mastered ones), by lower-case name. */
  async function groupsOf(userId: string): Promise<Map<string, OktaGroupRef>> {
    const groups = new Map<string, OktaGroupRef>();
    for await (const group of await okta.userApi.listUserGroups({ userId })) {
      if (group?.id && group.type === 'OKTA_GROUP' && group.profile?.name) groups.set(group.profile.name.toLowerCase(), { id: group.id, name: group.profile.name });
    }
    return groups;
  }

  /** Adds the user to a group by name; a group id remembered from before that Okta no longer knows is looked up again. */
  async function join(userId: string, group: OktaGroupRef): Promise<void> {
    try {
      await okta.groupApi.assignUserToGroup({ groupId: group.id, userId });
    } catch (error) {
      if (!(isOktaApiError(error) && error.status === 404)) throw error;
      directory.forget(group.name);
      throw ApplicationFailure.create({ message: `group "${group.name}" is no longer at ${group.id}; it is looked up again`, type: 'GroupMoved', category: ApplicationFailureCategory.BENIGN });
    }
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
        if (!isLoginTaken(error)) throw error;
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

  /** Brings a deactivated or suspended user back, without Okta's activation email: Tenure sends its own. */
  async function reactivate(user: OktaUser): Promise<OktaUser> {
    const userId = user.id!;
    if (user.status === 'SUSPENDED') await okta.userApi.unsuspendUser({ userId });
    else if (user.status === 'DEPROVISIONED') await okta.userApi.activateUser({ userId, sendEmail: false });
    else return user;
    return (await findUser(okta, userId)) ?? user;
  }

  /** Gives back the groups a deprovisioning took; a group deleted since is passed over. */
  async function restore(userId: string, names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const current = await groupsOf(userId);
    const restored: string[] = [];
    for (const name of names) {
      if (current.has(name.toLowerCase())) continue;
      const group = await directory.find(name);
      if (!group) continue;
      await join(userId, group);
      restored.push(group.name);
    }
    return restored;
  }

  return {
    name,
    kind: 'okta',

    /**
     * Creates the user when allowed, else writes only the attributes that differ. A rehire first
     * reactivates (or unsuspends) and afterwards restores the groups its deprovisioning removed.
     * A deactivated user who is not being rehired keeps its profile: Okta refuses to change it.
     */
    async syncIdentity(input: SyncIdentityInput): Promise<SyncIdentityResult> {
      return call(`SYNC_IDENTITIES ${input.key}`, async () => {
        const names = Object.keys(input.attributes);
        let existing = input.accountId ? await findUser(okta, input.accountId) : undefined;
        if (!existing) {
          if (!input.create) {
            throw ApplicationFailure.nonRetryable(`identity ${input.key} has no Okta user, and this SYNC_IDENTITIES may not create one`, 'NoOktaUser');
          }
          const user = await createUser(input);
          return { accountId: user.id!, created: true, changed: names, profile: fromOktaProfile(user.profile, names), status: user.status!, restored: [] };
        }
        if (input.reactivate) existing = await reactivate(existing);
        const userId = existing.id!;
        let changed: string[] = [];
        let profile = existing.profile;
        if (existing.status !== 'DEPROVISIONED') {
          const synced = Object.fromEntries(Object.entries(input.attributes).filter(([name]) => syncedOnExistingUser(name, input.createOnly)));
          const changes = Object.fromEntries(Object.entries(toOktaProfile(synced)).filter(([name, value]) => existing!.profile?.[name] !== value));
          changed = Object.keys(changes);
          if (changed.length > 0) profile = ((await okta.userApi.updateUser({ userId, user: { profile: changes } })) as OktaUser).profile;
        }
        const restored = input.reactivate ? await restore(userId, input.restoreGroups) : [];
        return { accountId: userId, created: false, changed, profile: fromOktaProfile(profile, names), status: existing.status!, restored };
      });
    },

    /**
     * Adds and removes group memberships by group name, and with `sync` makes the user's groups
     * with a prefix exactly the given ones. A membership already so is left alone.
     */
    async manageRelationships(input) {
      const userId = userIdOf(input, 'MANAGE_RELATIONSHIPS');
      return call(`MANAGE_RELATIONSHIPS ${userId}`, async () => {
        const current = await groupsOf(userId);
        const has = (name: string) => current.has(name.toLowerCase());
        const prefix = input.sync?.prefix.toLowerCase();
        const wanted = new Set([...input.add, ...(input.sync?.groups ?? [])].map((name) => name.toLowerCase()));
        const strays = prefix === undefined ? [] : [...current.values()].filter((group) => group.name.toLowerCase().startsWith(prefix) && !wanted.has(group.name.toLowerCase()));
        const added: string[] = [];
        const removed: string[] = [];
        for (const name of [...input.add, ...(input.sync?.groups ?? [])]) {
          if (has(name) || added.includes(name)) continue;
          const group = await directory.find(name);
          if (!group) throw ApplicationFailure.nonRetryable(`group "${name}" does not exist in Okta`, 'NoSuchGroup');
          await join(userId, group);
          added.push(name);
        }
        for (const group of [...input.remove.filter(has).map((name) => current.get(name.toLowerCase())!), ...strays]) {
          await okta.groupApi.unassignUserFromGroup({ groupId: group.id, userId });
          removed.push(group.name);
        }
        return { added, removed };
      });
    },

    /**
     * The groups a deprovisioning is about to remove. The workflow records them before the
     * removal, so that a retry which finds them already gone cannot make it forget them.
     */
    async groupsToRemove(input) {
      const userId = userIdOf(input, 'DEPROVISION_IDENTITY');
      return call(`DEPROVISION_IDENTITY ${userId}`, async () => {
        if (!(await findUser(okta, userId))) return [];
        return [...(await groupsOf(userId)).values()].map((group) => group.name);
      });
    },

    /**
     * Disables access: optionally clears the optional attributes, leaves the groups and ends the
     * sessions, then deactivates or suspends. A user already so, or gone, is left alone. A user
     * that Okta cannot suspend (not ACTIVE) is deactivated: access must end either way.
     */
    async deprovisionIdentity(input) {
      const userId = userIdOf(input, 'DEPROVISION_IDENTITY');
      return call(`DEPROVISION_IDENTITY ${userId}`, async () => {
        const user = await findUser(okta, userId);
        if (!user) return { status: 'GONE', removedGroups: [] };
        if (!stillSo(user, input.onlyIfStatus)) return { status: user.status as string, removedGroups: [] };
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

    /** Deactivates the user if it is not already, then deletes it. A user already gone is done. */
    async deleteIdentity(input) {
      const userId = userIdOf(input, 'DELETE_IDENTITY');
      return call(`DELETE_IDENTITY ${userId}`, async () => {
        const user = await findUser(okta, userId);
        if (!user || !stillSo(user, input.onlyIfStatus)) return { deleted: false };
        if (user.status !== 'DEPROVISIONED') await okta.userApi.deactivateUser({ userId: user.id! });
        try {
          await okta.userApi.deleteUser({ userId: user.id! });
        } catch (error) {
          // Deleted between the two calls, by an earlier attempt whose answer was lost.
          if (isOktaApiError(error) && error.status === 404) return { deleted: false };
          throw error;
        }
        return { deleted: true };
      });
    },

    /** Makes sure an OKTA_GROUP of that exact name exists, and optionally puts the user in it. */
    async createEntitlement(input) {
      return call(`CREATE_ENTITLEMENT ${input.name}`, async () => {
        const group = await directory.ensure(input.name, input.description);
        if (!input.assign) return { groupId: group.id, created: group.created, assigned: false };
        const userId = userIdOf(input, `CREATE_ENTITLEMENT ${input.name} with assign`);
        const member = (await groupsOf(userId)).has(input.name.toLowerCase());
        if (!member) await join(userId, group);
        return { groupId: group.id, created: group.created, assigned: !member };
      });
    },

    async readAccount(input): Promise<AccountSnapshot | undefined> {
      return call(`reading the Okta user of ${input.key}`, async () => {
        let user = input.accountId ? await findUser(okta, input.accountId) : undefined;
        if (!user) {
          for await (const found of await okta.userApi.listUsers({ search: `profile.${CORRELATION_ATTRIBUTE} eq "${input.key.replace(/["\\]/g, '\\$&')}"` })) {
            user = found as OktaUser;
            break;
          }
        }
        if (!user?.id) return undefined;
        return {
          accountId: user.id,
          active: user.status !== 'DEPROVISIONED' && user.status !== 'SUSPENDED',
          profile: fromOktaProfile(user.profile, input.attributes),
          groups: [...(await groupsOf(user.id)).values()].map((group) => group.name),
        };
      });
    },

    /** Okta has groups and partial profile updates, whatever the org. */
    async capabilities() {
      return { groups: true, patch: true };
    },
  };
}
