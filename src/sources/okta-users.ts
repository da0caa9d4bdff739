import type { OktaClient } from '../okta/client.ts';
import { isOktaApiError } from '../okta/errors.ts';
import { GroupDirectory, type OktaGroupRef } from '../okta/groups.ts';
import type { PolicySet } from '../policy/loader.ts';
import type { AttributeValue, IdentityRecord } from '../policy/schema.ts';
import { OKTA_SOURCE } from './okta-events.ts';

/** An Okta user as the SDK lists it: `statusChanged` parsed into a Date, null while STAGED. */
export interface ListedOktaUser {
  id?: string;
  status?: string;
  statusChanged?: Date | string | null;
  profile?: object;
}

/** Whether a loaded policy takes Okta as its source: without one, Okta's users are nobody's identities. */
export function oktaIsASource(policySet: PolicySet): boolean {
  return policySet.policies.some(({ policy }) => policy.source === OKTA_SOURCE);
}

/** The users reconciliation covers: the whole org, or the members of one group. */
export interface OktaScope {
  group: OktaGroupRef | undefined;
}

/**
 * The configured scope group does not exist. Reconciling against an empty scope would make every
 * known user a leaver, so this stops the pass instead.
 */
export class ScopeGroupNotFound extends Error {
  constructor(readonly configured: string) {
    super(`the Okta scope group "${configured}" (TENURE_OKTA_SCOPE_GROUP) does not exist: no user is reconciled until it is created or the setting corrected`);
    this.name = 'ScopeGroupNotFound';
  }
}

/** Okta's page size for user lists; group member lists take the same, as Okta recommends. */
const PAGE_SIZE = 200;

/** An Okta group id: "00g" and 17 letters or digits. */
const GROUP_ID = /^00g[0-9A-Za-z]{17}$/;

/** A profile value as a record attribute; undefined when it is empty (null, "", an empty list). */
function attributeValue(value: unknown): AttributeValue | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    const items = value.filter((item) => item !== null && item !== undefined && item !== '').map(String);
    return items.length === 0 ? undefined : items.join(', ');
  }
  // Okta's profile schema has no object attributes; anything else is not a value to compare.
  return undefined;
}

/**
 * The identity record of an Okta user: its id, status and when the status last changed, and every
 * non-empty profile value (as Teleport turns them into traits). A profile attribute cannot
 * override the user's own id or status, by which policies key and classify it.
 */
export function identityRecordOf(user: ListedOktaUser): IdentityRecord {
  if (!user.id || !user.status) throw new Error('Okta listed a user without an id or status');
  const record: IdentityRecord = { id: user.id, status: user.status };
  const changed = user.statusChanged instanceof Date ? user.statusChanged.toISOString() : user.statusChanged;
  if (changed) record.statusChanged = changed;
  for (const [name, raw] of Object.entries(user.profile ?? {})) {
    const value = attributeValue(raw);
    if (value !== undefined && !(name in record)) record[name] = value;
  }
  return record;
}

async function groupById(okta: OktaClient, groupId: string): Promise<OktaGroupRef | undefined> {
  try {
    const group = await okta.groupApi.getGroup({ groupId });
    return { id: group.id!, name: group.profile?.name ?? groupId };
  } catch (error) {
    if (isOktaApiError(error) && error.status === 404) return undefined;
    throw error;
  }
}

/** The scope a configured group (an id, or an exact name) gives; a group Okta does not have is an error. */
export async function resolveScope(okta: OktaClient, configured: string | undefined): Promise<OktaScope> {
  if (configured === undefined) return { group: undefined };
  // Looked up afresh each pass: a group deleted and made again under its name has a new id.
  const group = GROUP_ID.test(configured) ? await groupById(okta, configured) : await new GroupDirectory(okta).find(configured);
  if (!group) throw new ScopeGroupNotFound(configured);
  return { group };
}

/**
 * Every user in scope. A group's member list holds its members in any status. The org-wide list
 * leaves out deactivated (DEPROVISIONED) users, which only a search returns. The search goes
 * first: a user reactivated between the two lists is then seen active in the second, where the
 * other order would miss it in both and take it for deleted; a user deactivated in between is
 * missed by both, and becomes the leaver it is.
 */
async function* usersInScope(okta: OktaClient, scope: OktaScope): AsyncGenerator<ListedOktaUser> {
  const lists = scope.group
    ? [() => okta.groupApi.listGroupUsers({ groupId: scope.group!.id, limit: PAGE_SIZE })]
    : [() => okta.userApi.listUsers({ search: 'status eq "DEPROVISIONED"', limit: PAGE_SIZE }), () => okta.userApi.listUsers({ limit: PAGE_SIZE })];
  for (const list of lists) {
    for await (const user of await list()) if (user) yield user;
  }
}

/**
 * The identity records of every user in scope, following each list's `next` links. A user met in
 * both lists counts as the later one saw it. `onUser` is called after each user, for the caller to
 * show it is alive.
 */
export async function oktaIdentityRecords(okta: OktaClient, scope: OktaScope, onUser: (count: number) => void = () => {}): Promise<IdentityRecord[]> {
  const records = new Map<string, IdentityRecord>();
  let count = 0;
  for await (const user of usersInScope(okta, scope)) {
    const record = identityRecordOf(user);
    records.set(record.id as string, record);
    onUser(++count);
  }
  return [...records.values()];
}
