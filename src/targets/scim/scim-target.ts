import { ApplicationFailure } from '@temporalio/common';
import { syncedOnExistingUser } from '../../okta/profile.ts';
import { PATCH_OP } from '../../scim/protocol.ts';
import { USER_SCHEMA } from '../../scim/schema-definitions.ts';
import type {
  AccountOf,
  AccountSnapshot,
  CreateEntitlementInput,
  DeleteIdentityInput,
  DeprovisionIdentityInput,
  ManageRelationshipsInput,
  SyncIdentityInput,
  SyncIdentityResult,
  Target,
  TargetCapabilities,
} from '../target.ts';
import { capabilitiesReader, type ScimCapabilities } from './capabilities.ts';
import type { ScimConnection } from './connection.ts';
import { failureReason, isScimAnswer, toTargetError, ScimAnswerError } from './errors.ts';
import { ScimGroups, type GroupRef } from './groups.ts';
import { ScimHttpClient, type ScimClientOptions, type ScimJson } from './http-client.ts';
import { resourcesWhere } from './queries.ts';
import { field, pathOf, patchOperation, readAttribute, readAttributes, writeAttribute, type PatchOperation } from './user-attributes.ts';

/** A SCIM user's status in the words of SyncIdentityResult and AccountSnapshot. */
const statusOf = (user: ScimJson): string => (field(user, 'active') === false ? 'inactive' : 'active');

/** A change to a user: attribute values by policy name, and the fields Tenure itself keeps (externalId, active). */
interface UserChange {
  attributes: Record<string, string>;
  externalId?: string;
  active?: boolean;
}

/** An account with no externalId: made by hand or before Tenure, claimed by no identity. */
const isUnclaimed = (user: ScimJson): boolean => {
  const externalId = field(user, 'externalId');
  return externalId === undefined || externalId === null || externalId === '';
};

const HELD_UNCLAIMED = 'held by an account no identity claims (it has no externalId)';
const ADOPT_HINT = 'adoptUnclaimed: true on the target would link such an account instead';

const isEmpty = (change: UserChange) => Object.keys(change.attributes).length === 0 && change.externalId === undefined && change.active === undefined;

/** The target's names of what a change writes, for SyncIdentityResult.changed. */
const writtenNames = (change: UserChange) => [
  ...Object.keys(change.attributes).map((name) => pathOf(name).text),
  ...(change.externalId !== undefined ? ['externalId'] : []),
  ...(change.active !== undefined ? ['active'] : []),
];

/**
 * A SCIM 2.0 application as a target (RFC 7643, 7644). The identity's key is the user's
 * externalId, which is how a retried create, or a run that lost an answer, recognises the account
 * it made. Every operation reads first and writes only the difference, so running it again
 * changes nothing. Writes go by PATCH when /ServiceProviderConfig says it is supported, else by
 * PUT of the whole resource as read with the changes.
 */
export function scimTarget(name: string, connection: ScimConnection, options: ScimClientOptions = {}): Target {
  const client = new ScimHttpClient(connection, options);
  const groups = new ScimGroups(client, name);
  const capabilities = capabilitiesReader(client);

  /** Every operation goes through here, so each failure is classified in one place. */
  async function run<T>(doing: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toTargetError(error, doing, name);
    }
  }

  async function requireGroups(): Promise<ScimCapabilities> {
    const can = await capabilities();
    if (!can.groups) throw ApplicationFailure.nonRetryable(`${name} has no groups: its /ResourceTypes serves no Group`, 'NoGroups');
    return can;
  }

  const userPath = (id: string) => `/Users/${encodeURIComponent(id)}`;

  async function getUser(id: string): Promise<ScimJson | undefined> {
    try {
      return await client.request('GET', userPath(id));
    } catch (error) {
      if (isScimAnswer(error, 404)) return undefined;
      throw error;
    }
  }

  /** The user whose externalId (compared exactly) or userName (ignoring case, RFC 7643 §4.1.1) is `value`. */
  async function findUser(attribute: 'externalId' | 'userName', value: string): Promise<ScimJson | undefined> {
    return (await resourcesWhere(client, '/Users', { attribute, value, caseExact: attribute === 'externalId' }))[0];
  }

  /** The account by its id, else by the identity's key (the id may be one Tenure never learned). */
  async function locate(key: string, accountId: string | undefined): Promise<ScimJson | undefined> {
    return (accountId ? await getUser(accountId) : undefined) ?? (await findUser('externalId', key));
  }

  /**
   * The account an operation acts on: by the id the workflow holds, and only by it (gone is gone);
   * else, the id never learned (an account made in an earlier run), the one carrying the key.
   */
  async function accountOf(input: AccountOf): Promise<ScimJson | undefined> {
    return input.accountId ? getUser(input.accountId) : findUser('externalId', input.key);
  }

  const noAccountWithKey = () => ApplicationFailure.nonRetryable(`no account in ${name} carries this identity's key`, 'NoAccount');

  /** The account an operation must have: none is a final error, saying whether the id or the key found nothing. */
  async function existingAccount(input: AccountOf): Promise<ScimJson> {
    const user = await accountOf(input);
    if (user) return user;
    if (input.accountId) throw ApplicationFailure.nonRetryable(`account ${input.accountId} does not exist in ${name}`, 'NoAccount');
    throw noAccountWithKey();
  }

  /** What an operation on an account names in its failures: the account id, else the identity's key. */
  const subject = (input: AccountOf) => input.accountId ?? input.key;

  /** Applies a change by PATCH or by PUT, and answers the user as the app holds it afterwards. */
  async function update(user: ScimJson, change: UserChange): Promise<ScimJson> {
    const id = String(user.id);
    if ((await capabilities()).patch) {
      const operations: Array<PatchOperation | { op: 'replace'; path: string; value: unknown }> = [
        ...Object.entries(change.attributes).map(([attribute, value]) => patchOperation(user, attribute, value)),
        ...(change.externalId !== undefined ? [{ op: 'replace' as const, path: 'externalId', value: change.externalId }] : []),
        ...(change.active !== undefined ? [{ op: 'replace' as const, path: 'active', value: change.active }] : []),
      ];
      const answer = await client.request('PATCH', userPath(id), { schemas: [PATCH_OP], Operations: operations });
      // RFC 7644 §3.5.2 lets the app answer 204 without the resource.
      return field(answer, 'id') === undefined ? ((await getUser(id)) ?? user) : answer;
    }
    // PUT replaces the whole resource: the one read, with the changes; read-only parts are left out.
    const { meta: _meta, groups: _groups, ...whole } = structuredClone(user);
    for (const [attribute, value] of Object.entries(change.attributes)) writeAttribute(whole, attribute, value);
    if (change.externalId !== undefined) whole.externalId = change.externalId;
    if (change.active !== undefined) whole.active = change.active;
    return client.request('PUT', userPath(id), whole);
  }

  /**
   * The account the identity's login names, when it is ours: one carrying our key, or one no
   * identity claims (no externalId) when the target opts in with adoptUnclaimed. Otherwise the
   * login is taken: a create tries its fallbacks, and without any it is a final error, saying
   * whether another identity holds the account or none does.
   */
  async function adoptable(input: SyncIdentityInput): Promise<ScimJson | undefined> {
    const login = input.attributes.login;
    if (login === undefined) return undefined;
    const holder = await findUser('userName', login);
    if (!holder) return undefined;
    // A hand-made account is not taken over by default: a namesake joiner would get someone else's account.
    if (field(holder, 'externalId') === input.key || (isUnclaimed(holder) && connection.adoptUnclaimed)) return holder;
    if (input.create && (input.fallbacks.login?.length ?? 0) > 0) return undefined;
    // The login is not quoted: it is personal, and the key says whose sync this is.
    if (isUnclaimed(holder)) throw ApplicationFailure.nonRetryable(`SYNC_IDENTITIES ${input.key}: the login is ${HELD_UNCLAIMED} in ${name}; ${ADOPT_HINT}`, 'LoginTaken');
    throw ApplicationFailure.nonRetryable(`${name} has an account with this identity's login, but it belongs to another identity (its externalId is not ${input.key})`, 'AccountOfAnother');
  }

  /**
   * Creates the user with the first free value. Candidate n of every attribute with fallbacks
   * goes together, as for Okta; the app settles uniqueness and answers 409 uniqueness (RFC 7644
   * §3.3) for a value taken, or no scimType at all, as some apps do. A value held by the account an
   * earlier attempt of this very operation created, before its answer was lost, is that account:
   * it is answered as `adopted`, to be brought up to date as any account found.
   */
  async function createUser(input: SyncIdentityInput): Promise<{ created: ScimJson } | { adopted: ScimJson }> {
    const attempts = 1 + Math.max(0, ...Object.values(input.fallbacks).map((values) => values.length));
    let loginUnclaimed = false;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const attributes = { ...input.attributes };
      for (const [attribute, values] of Object.entries(input.fallbacks)) {
        if (attempt > 0) attributes[attribute] = values[Math.min(attempt, values.length) - 1]!;
      }
      const body: Record<string, ScimJson> = { schemas: [USER_SCHEMA], externalId: input.key, active: true };
      for (const [attribute, value] of Object.entries(attributes)) writeAttribute(body, attribute, value);
      try {
        return { created: await client.request('POST', '/Users', body) };
      } catch (error) {
        if (!(error instanceof ScimAnswerError && error.status === 409 && (error.scimType ?? 'uniqueness') === 'uniqueness')) throw error;
        const ours = await findUser('externalId', input.key);
        if (ours) return { adopted: ours };
        const holder = attributes.login !== undefined ? await findUser('userName', attributes.login) : undefined;
        if (holder && field(holder, 'externalId') === input.key) return { adopted: holder };
        // The identity's own login, left to an account no one claims: the final error says so.
        if (attempt === 0 && holder && isUnclaimed(holder) && !connection.adoptUnclaimed) loginUnclaimed = true;
      }
    }
    const taken = `SYNC_IDENTITIES ${input.key}: the login ${attempts > 1 ? `and its ${attempts - 1} fallbacks are` : 'is'} already taken in ${name}`;
    throw ApplicationFailure.nonRetryable(loginUnclaimed ? `${taken}; the login is ${HELD_UNCLAIMED}, and ${ADOPT_HINT}` : taken, 'LoginTaken');
  }

  /**
   * An existing account brought to what the sync asks: the attributes that differ (never the
   * login nor a createOnly one), our key as externalId, and `active: true` when `activate`; a
   * rehire's groups given back.
   */
  async function bringUpToDate(existing: ScimJson, input: SyncIdentityInput, activate: boolean): Promise<SyncIdentityResult> {
    const names = Object.keys(input.attributes);
    const change: UserChange = {
      attributes: Object.fromEntries(
        Object.entries(input.attributes).filter(([attribute, value]) => syncedOnExistingUser(attribute, input.createOnly) && readAttribute(existing, attribute) !== value),
      ),
      ...(field(existing, 'externalId') !== input.key ? { externalId: input.key } : {}),
      ...(activate && field(existing, 'active') !== true ? { active: true } : {}),
    };
    const user = isEmpty(change) ? existing : await update(existing, change);
    const restored = input.reactivate ? await restore(user, input.restoreGroups) : [];
    return { accountId: String(user.id), created: false, changed: writtenNames(change), profile: readAttributes(user, names), status: statusOf(user), restored };
  }

  /** Gives back the groups a deprovisioning took; a group deleted since is passed over. */
  async function restore(user: ScimJson, names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const can = await capabilities();
    if (!can.groups) return [];
    const current = await groups.ofUser(user);
    const restored: string[] = [];
    for (const groupName of names) {
      if (current.has(groupName.toLowerCase())) continue;
      const group = await groups.find(groupName);
      if (!group) continue;
      await groups.addMember(group, String(user.id), can);
      restored.push(group.name);
    }
    return restored;
  }

  const noSuchGroup = (groupName: string) => ApplicationFailure.nonRetryable(`group "${groupName}" does not exist in ${name}`, 'NoSuchGroup');

  return {
    name,
    kind: 'scim',

    async syncIdentity(input: SyncIdentityInput): Promise<SyncIdentityResult> {
      return run(`SYNC_IDENTITIES ${input.key}`, async () => {
        const names = Object.keys(input.attributes);
        names.forEach(pathOf);
        const existing = (await locate(input.key, input.accountId)) ?? (await adoptable(input));
        if (existing) return bringUpToDate(existing, input, input.reactivate);
        if (!input.create) {
          throw ApplicationFailure.nonRetryable(`identity ${input.key} has no account in ${name}, and this SYNC_IDENTITIES may not create one`, 'NoAccount');
        }
        const made = await createUser(input);
        // Made by an earlier attempt whose answer was lost, perhaps deactivated or changed since: it
        // gets what this sync asks, as an account found would.
        if ('adopted' in made) return bringUpToDate(made.adopted, input, true);
        const user = made.created;
        return {
          accountId: String(user.id),
          created: true,
          changed: names.map((attribute) => pathOf(attribute).text),
          profile: readAttributes(user, names),
          status: statusOf(user),
          restored: [],
        };
      });
    },

    async manageRelationships(input: ManageRelationshipsInput): Promise<{ added: string[]; removed: string[] }> {
      return run(`MANAGE_RELATIONSHIPS ${subject(input)}`, async () => {
        const can = await requireGroups();
        const user = await existingAccount(input);
        const userId = String(user.id);
        const current = await groups.ofUser(user);
        const has = (groupName: string) => current.has(groupName.toLowerCase());
        const prefix = input.sync?.prefix.toLowerCase();
        const wanted = new Set([...input.add, ...(input.sync?.groups ?? [])].map((groupName) => groupName.toLowerCase()));
        const strays = prefix === undefined ? [] : [...current.values()].filter((group) => group.name.toLowerCase().startsWith(prefix) && !wanted.has(group.name.toLowerCase()));
        const added: string[] = [];
        const removed: string[] = [];
        for (const groupName of [...input.add, ...(input.sync?.groups ?? [])]) {
          if (has(groupName) || added.includes(groupName)) continue;
          const group = await groups.find(groupName);
          if (!group) throw noSuchGroup(groupName);
          await groups.addMember(group, userId, can);
          added.push(groupName);
        }
        for (const group of [...input.remove.filter(has).map((groupName) => current.get(groupName.toLowerCase())!), ...strays]) {
          await groups.removeMember(group, userId, can);
          removed.push(group.name);
        }
        return { added, removed };
      });
    },

    async groupsToRemove(input: AccountOf): Promise<string[]> {
      return run(`DEPROVISION_IDENTITY ${subject(input)}`, async () => {
        // An app without groups holds no memberships to record.
        if (!(await capabilities()).groups) return [];
        const user = await accountOf(input);
        return user ? [...(await groups.ofUser(user)).values()].map((group) => group.name) : [];
      });
    },

    /**
     * Ends access: leaves the groups (with removeGroups), then sets `active: false`, which is all
     * SCIM has for both modes: `suspend` is the same here. Sessions and attribute clearing are
     * Okta's: SCIM has no sessions to revoke, and the attributes are the app's record of the
     * person, so revokeSessions and keepAttributes do not apply. An account gone is done; but with
     * no id, no account carrying the key is a final error: a deprovisioning that finds nothing
     * to end may have missed the account, and that must be seen.
     */
    async deprovisionIdentity(input: DeprovisionIdentityInput): Promise<{ status: string; removedGroups: string[] }> {
      return run(`DEPROVISION_IDENTITY ${subject(input)}`, async () => {
        const user = await accountOf(input);
        if (!user) {
          if (input.accountId) return { status: 'GONE', removedGroups: [] };
          throw noAccountWithKey();
        }
        if (input.onlyIfStatus !== undefined && statusOf(user) !== input.onlyIfStatus) return { status: statusOf(user), removedGroups: [] };
        const removedGroups: string[] = [];
        const can = await capabilities();
        if (input.removeGroups && can.groups) {
          for (const group of (await groups.ofUser(user)).values()) {
            await groups.removeMember(group, String(user.id), can);
            removedGroups.push(group.name);
          }
        }
        try {
          if (field(user, 'active') !== false) await update(user, { attributes: {}, active: false });
        } catch (error) {
          // Deleted meanwhile: access has ended all the same.
          if (isScimAnswer(error, 404)) return { status: 'GONE', removedGroups };
          throw error;
        }
        return { status: 'inactive', removedGroups };
      });
    },

    /** Deletes the account; one already gone, or with no id none carrying the key, leaves nothing of ours to delete. */
    async deleteIdentity(input: DeleteIdentityInput): Promise<{ deleted: boolean }> {
      return run(`DELETE_IDENTITY ${subject(input)}`, async () => {
        let accountId = input.accountId;
        if (input.onlyIfStatus !== undefined || !accountId) {
          const user = await accountOf(input);
          if (!user || (input.onlyIfStatus !== undefined && statusOf(user) !== input.onlyIfStatus)) return { deleted: false };
          accountId = String(user.id);
        }
        try {
          await client.request('DELETE', userPath(accountId));
          return { deleted: true };
        } catch (error) {
          // Gone already, by an earlier attempt whose answer was lost or by someone else.
          if (isScimAnswer(error, 404)) return { deleted: false };
          throw error;
        }
      });
    },

    async createEntitlement(input: CreateEntitlementInput): Promise<{ groupId: string; created: boolean; assigned: boolean }> {
      return run(`CREATE_ENTITLEMENT ${input.name}`, async () => {
        const can = await requireGroups();
        const group: GroupRef & { created: boolean } = await groups.ensure(input.name);
        if (!input.assign) return { groupId: group.id, created: group.created, assigned: false };
        const user = await existingAccount(input);
        const member = [...(await groups.ofUser(user)).values()].some((held) => held.id === group.id);
        if (!member) await groups.addMember(group, String(user.id), can);
        return { groupId: group.id, created: group.created, assigned: !member };
      });
    },

    async readAccount(input: { key: string; accountId: string | undefined; attributes: string[] }): Promise<AccountSnapshot | undefined> {
      return run(`reading the account of ${input.key}`, async () => {
        const user = await locate(input.key, input.accountId);
        if (!user) return undefined;
        const held = (await capabilities()).groups ? [...(await groups.ofUser(user)).values()].map((group) => group.name) : [];
        return { accountId: String(user.id), active: field(user, 'active') !== false, profile: readAttributes(user, input.attributes), groups: held };
      });
    },

    /**
     * Asked outside any activity, by the worker's start and `tenure validate`, which name the
     * target and say it was not reached (`target kestra could not be reached (ECONNREFUSED)`):
     * a failure is the reason alone, so that the line says each thing once.
     */
    async capabilities(): Promise<TargetCapabilities> {
      try {
        const { patch, groups: hasGroups } = await capabilities();
        return { patch, groups: hasGroups };
      } catch (error) {
        throw new Error(failureReason(error), { cause: error });
      }
    },
  };
}
