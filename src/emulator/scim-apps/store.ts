import { randomUUID } from 'node:crypto';
import {
  DirectoryError,
  type GroupInput,
  type GroupMember,
  type ListQuery,
  type ListResult,
  type StoredGroup,
  type StoredUser,
  type UserInput,
} from '../../scim/directory/types.ts';
import { groupResource, userResource } from '../../scim/representation.ts';
import { GROUP_SHAPE, USER_SHAPE, type ResourceShape } from '../../scim/resource-shape.ts';
import type { ScimResources } from '../../server/scim-plugin.ts';
import { checkUser, SCIM_APPS, type ScimAppName } from './apps.ts';
import { compileFilter, type Predicate } from './filter.ts';

/**
 * The emulated applications' users and groups, in memory, behind the same interface as Tenure's
 * own SCIM directory, so that Tenure's SCIM routes (src/server/scim-user-routes.ts and
 * scim-group-routes.ts) serve them unchanged. Each app's resources are apart, as two vendors'
 * are. Every write is handed to `persist` before it is acknowledged.
 */

/** A user as the app keeps it; `revoked` is a Kestra user whose tenant access a DELETE ended. */
export interface AppUser extends StoredUser {
  revoked: boolean;
}

/** A group with its members as user ids; their display is the user's current name. */
export interface AppGroup extends Omit<StoredGroup, 'members'> {
  members: string[];
}

export interface AppResources {
  users: AppUser[];
  groups: AppGroup[];
}

export type ScimAppsSnapshot = Record<ScimAppName, AppResources>;

/** Maps keep insertion order: a list is in creation order, as SCIM paging needs it stable. */
interface AppState {
  users: Map<string, AppUser>;
  groups: Map<string, AppGroup>;
}

const now = () => new Date().toISOString();
const lower = (text: string) => text.toLowerCase();

function page<T>(items: T[], query: ListQuery): ListResult<T> {
  const start = query.startIndex - 1;
  return { totalResults: items.length, resources: items.slice(start, start + query.count) };
}

export class ScimAppsStore implements ScimResources {
  private readonly apps: Record<ScimAppName, AppState> = {
    opshelm: { users: new Map(), groups: new Map() },
    kestra: { users: new Map(), groups: new Map() },
  };

  /** `persist` is told of each change, with a way to read the state then; a write is answered once it resolves. */
  constructor(private readonly persist: (snapshot: () => ScimAppsSnapshot) => Promise<void> = async () => {}) {}

  private state(integration: string): AppState {
    const state = (this.apps as Record<string, AppState | undefined>)[integration];
    if (!state) throw new DirectoryError(404, undefined, `no SCIM app ${integration}`);
    return state;
  }

  private async changed(): Promise<void> {
    await this.persist(() => this.snapshot());
  }

  // Users

  /** Users the app's SCIM endpoint holds (not those whose access was revoked). */
  private visibleUsers(state: AppState): AppUser[] {
    return [...state.users.values()].filter((user) => !user.revoked);
  }

  private visibleUser(state: AppState, id: string): AppUser | undefined {
    const user = state.users.get(id);
    return user && !user.revoked ? user : undefined;
  }

  /** userName is caseExact false (RFC 7643 §4.1.1): unique ignoring case, across all the app's users. */
  private holderOf(state: AppState, userName: string): AppUser | undefined {
    const wanted = lower(userName);
    return [...state.users.values()].find((user) => lower(user.userName) === wanted);
  }

  private static stored({ revoked: _revoked, ...user }: AppUser): StoredUser {
    return structuredClone(user);
  }

  async createUser(integration: string, input: UserInput): Promise<StoredUser> {
    const state = this.state(integration);
    checkUser(SCIM_APPS[integration as ScimAppName], input);
    const holder = this.holderOf(state, input.userName);
    if (holder && !holder.revoked) throw new DirectoryError(409, 'uniqueness', 'userName is already taken');
    const time = now();
    // Kestra's users are global: provisioning one whose access was revoked gives the same user access again.
    const user: AppUser = holder
      ? { ...holder, ...structuredClone(input), revoked: false, lastModified: time, version: holder.version + 1 }
      : { id: randomUUID(), ...structuredClone(input), revoked: false, created: time, lastModified: time, version: 1 };
    state.users.set(user.id, user);
    await this.changed();
    return ScimAppsStore.stored(user);
  }

  async getUser(integration: string, id: string): Promise<StoredUser | undefined> {
    const user = this.visibleUser(this.state(integration), id);
    return user && ScimAppsStore.stored(user);
  }

  async updateUser(integration: string, id: string, change: (current: StoredUser, groups: GroupMember[]) => UserInput): Promise<StoredUser> {
    const state = this.state(integration);
    const current = this.visibleUser(state, id);
    if (!current) throw new DirectoryError(404, undefined, `no user ${id}`);
    // Read, changed and written with no await between, so that no other request interleaves.
    const next = change(ScimAppsStore.stored(current), this.membershipsOf(state, id));
    checkUser(SCIM_APPS[integration as ScimAppName], next);
    const holder = this.holderOf(state, next.userName);
    if (holder && holder.id !== id) throw new DirectoryError(409, 'uniqueness', 'userName is already taken');
    const user: AppUser = { ...current, ...structuredClone(next), lastModified: now(), version: current.version + 1 };
    state.users.set(id, user);
    await this.changed();
    return ScimAppsStore.stored(user);
  }

  async deleteUser(integration: string, id: string): Promise<boolean> {
    const state = this.state(integration);
    const user = this.visibleUser(state, id);
    if (!user) return false;
    // Its memberships end with its access, whichever way the app deletes.
    for (const group of state.groups.values()) {
      if (group.members.includes(id)) state.groups.set(group.id, { ...group, members: group.members.filter((member) => member !== id), lastModified: now(), version: group.version + 1 });
    }
    if (SCIM_APPS[integration as ScimAppName].onDelete === 'revokeAccess') state.users.set(id, { ...user, revoked: true, lastModified: now() });
    else state.users.delete(id);
    await this.changed();
    return true;
  }

  async listUsers(integration: string, query: ListQuery): Promise<ListResult<StoredUser>> {
    const state = this.state(integration);
    const matches = this.matcher(USER_SHAPE, query);
    const users = this.visibleUsers(state).filter((user) => matches(userResource(user, this.membershipsOf(state, user.id), '')));
    return page(users.map(ScimAppsStore.stored), query);
  }

  private membershipsOf(state: AppState, userId: string): GroupMember[] {
    return [...state.groups.values()].filter((group) => group.members.includes(userId)).map((group) => ({ value: group.id, display: group.displayName }));
  }

  async groupsOf(integration: string, userId: string): Promise<GroupMember[]> {
    return this.membershipsOf(this.state(integration), userId);
  }

  // Groups

  private groupState(integration: string): AppState {
    if (!SCIM_APPS[integration as ScimAppName]?.groups) throw new DirectoryError(404, undefined, `${integration} has no groups`);
    return this.state(integration);
  }

  /** The member ids, once each; an id the app does not hold is the client's mistake. */
  private members(state: AppState, ids: readonly string[]): string[] {
    const unique = [...new Set(ids)];
    const missing = unique.filter((id) => !this.visibleUser(state, id));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
      throw new DirectoryError(400, 'invalidValue', `members are not users of this app: ${shown}`);
    }
    return unique;
  }

  private uniqueDisplayName(state: AppState, displayName: string, except?: string): void {
    const wanted = lower(displayName);
    if ([...state.groups.values()].some((group) => group.id !== except && lower(group.displayName) === wanted)) {
      throw new DirectoryError(409, 'uniqueness', 'displayName is already taken');
    }
  }

  private stored(state: AppState, group: AppGroup, withMembers = true): StoredGroup {
    const members = withMembers
      ? group.members.map((id) => {
          const user = state.users.get(id);
          const display = user && typeof user.resource.displayName === 'string' ? user.resource.displayName : user?.userName;
          return { value: id, display };
        })
      : [];
    return { ...structuredClone(group), members };
  }

  async createGroup(integration: string, input: GroupInput): Promise<StoredGroup> {
    const state = this.groupState(integration);
    this.uniqueDisplayName(state, input.displayName);
    const time = now();
    const group: AppGroup = { id: randomUUID(), displayName: input.displayName, externalId: input.externalId, members: this.members(state, input.members), created: time, lastModified: time, version: 1 };
    state.groups.set(group.id, group);
    await this.changed();
    return this.stored(state, group);
  }

  async getGroup(integration: string, id: string): Promise<StoredGroup | undefined> {
    const state = this.groupState(integration);
    const group = state.groups.get(id);
    return group && this.stored(state, group);
  }

  async updateGroup(integration: string, id: string, change: (current: StoredGroup) => GroupInput): Promise<StoredGroup> {
    const state = this.groupState(integration);
    const current = state.groups.get(id);
    if (!current) throw new DirectoryError(404, undefined, `no group ${id}`);
    const next = change(this.stored(state, current));
    this.uniqueDisplayName(state, next.displayName, id);
    const group: AppGroup = { ...current, displayName: next.displayName, externalId: next.externalId, members: this.members(state, next.members), lastModified: now(), version: current.version + 1 };
    state.groups.set(id, group);
    await this.changed();
    return this.stored(state, group);
  }

  async deleteGroup(integration: string, id: string): Promise<boolean> {
    const state = this.groupState(integration);
    if (!state.groups.delete(id)) return false;
    await this.changed();
    return true;
  }

  async listGroups(integration: string, query: ListQuery & { excludeMembers?: boolean }): Promise<ListResult<StoredGroup>> {
    const state = this.groupState(integration);
    const matches = this.matcher(GROUP_SHAPE, query);
    const groups = [...state.groups.values()].map((group) => this.stored(state, group)).filter((group) => matches(groupResource(group, '')));
    const result = page(groups, query);
    return query.excludeMembers ? { ...result, resources: result.resources.map((group) => ({ ...group, members: [] })) } : result;
  }

  private matcher(shape: ResourceShape, query: ListQuery): Predicate {
    return query.filter ? compileFilter(shape, query.filter) : () => true;
  }

  // The admin API and the state file

  /** Every user the app holds, revoked ones included, with the groups each is in. */
  allUsers(app: ScimAppName): Array<{ user: AppUser; groups: GroupMember[] }> {
    const state = this.state(app);
    return [...state.users.values()].map((user) => ({ user: structuredClone(user), groups: this.membershipsOf(state, user.id) }));
  }

  allGroups(app: ScimAppName): StoredGroup[] {
    const state = this.state(app);
    return [...state.groups.values()].map((group) => this.stored(state, group));
  }

  /** The records themselves, not copies: to be serialised at once. */
  snapshot(): ScimAppsSnapshot {
    const of = (state: AppState): AppResources => ({ users: [...state.users.values()], groups: [...state.groups.values()] });
    return { opshelm: of(this.apps.opshelm), kestra: of(this.apps.kestra) };
  }

  restore(snapshot: ScimAppsSnapshot): void {
    for (const app of Object.keys(this.apps) as ScimAppName[]) {
      const { users, groups } = structuredClone(snapshot[app]);
      this.apps[app] = { users: new Map(users.map((user) => [user.id, user])), groups: new Map(groups.map((group) => [group.id, group])) };
    }
  }
}
