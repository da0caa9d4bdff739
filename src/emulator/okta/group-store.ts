import { IdOrderedMap } from './id-ordered-map.ts';
import { uniqueKey } from './unique-key.ts';
import type { Profile } from './user-store.ts';

/**
 * OKTA_GROUP groups are managed through the API; APP_GROUP groups are imported from an app (here,
 * only by seeding); the one BUILT_IN group, Everyone, holds every user.
 */
export type GroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

export interface GroupRecord {
  readonly id: string;
  readonly type: GroupType;
  readonly created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  profile: Profile;
}

/** The org's groups, found by id or name, listed in id order, and their stored memberships. */
export class GroupStore {
  private readonly records = new IdOrderedMap<GroupRecord>();
  private readonly byName = new Map<string, GroupRecord>();
  private readonly membersByGroup = new Map<string, Set<string>>();
  private readonly groupsByUser = new Map<string, Set<string>>();

  add(group: GroupRecord): void {
    this.records.add(group);
    this.byName.set(uniqueKey(group.profile.name), group);
    this.membersByGroup.set(group.id, new Set());
  }

  /** Removes the group with its memberships. */
  remove(group: GroupRecord): void {
    for (const userId of this.membersByGroup.get(group.id) ?? []) this.groupsByUser.get(userId)?.delete(group.id);
    this.membersByGroup.delete(group.id);
    this.records.delete(group.id);
    this.byName.delete(uniqueKey(group.profile.name));
  }

  clear(): void {
    this.records.clear();
    this.byName.clear();
    this.membersByGroup.clear();
    this.groupsByUser.clear();
  }

  setProfile(group: GroupRecord, profile: Profile): void {
    this.byName.delete(uniqueKey(group.profile.name));
    group.profile = profile;
    this.byName.set(uniqueKey(profile.name), group);
  }

  get(id: string): GroupRecord | undefined {
    return this.records.get(id);
  }

  /** The group of that name, whatever its case and diacritical marks. */
  named(name: unknown): GroupRecord | undefined {
    return this.byName.get(uniqueKey(name));
  }

  /** The groups whose ids sort after `cursor` (all of them without one), in id order. */
  after(cursor?: string): Iterable<GroupRecord> {
    return this.records.after(cursor);
  }

  /** Returns false if the user was a member already. */
  addMember(groupId: string, userId: string): boolean {
    const members = this.membersByGroup.get(groupId)!;
    if (members.has(userId)) return false;
    members.add(userId);
    let groups = this.groupsByUser.get(userId);
    if (!groups) this.groupsByUser.set(userId, (groups = new Set()));
    groups.add(groupId);
    return true;
  }

  /** Returns false if the user was not a member. */
  removeMember(groupId: string, userId: string): boolean {
    if (!this.membersByGroup.get(groupId)?.delete(userId)) return false;
    this.groupsByUser.get(userId)?.delete(groupId);
    return true;
  }

  /** Drops a user removed from the org from every group. */
  removeUser(userId: string): void {
    for (const groupId of this.groupsByUser.get(userId) ?? []) this.membersByGroup.get(groupId)?.delete(userId);
    this.groupsByUser.delete(userId);
  }

  /** The ids of a group's stored members, in id order. */
  memberIds(groupId: string): string[] {
    return [...(this.membersByGroup.get(groupId) ?? [])].sort();
  }

  /** The groups a user is a stored member of, in id order. */
  groupsOf(userId: string): GroupRecord[] {
    return [...(this.groupsByUser.get(userId) ?? [])].sort().map((id) => this.records.get(id)!);
  }

  /** Every stored membership as [groupId, userId]. */
  memberships(): Array<[string, string]> {
    return [...this.membersByGroup].flatMap(([groupId, members]) => [...members].map((userId): [string, string] => [groupId, userId]));
  }
}
