import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { PATCH_OP } from '../../scim/protocol.ts';
import { GROUP_SCHEMA } from '../../scim/schema-definitions.ts';
import { isScimAnswer } from './errors.ts';
import { withQuery, type ScimHttpClient, type ScimJson } from './http-client.ts';
import { eqFilter, holds, resourcesWhere } from './queries.ts';
import { field } from './user-attributes.ts';

export interface GroupRef {
  id: string;
  name: string;
}

/** How a membership is changed: by PATCH, else by PUT of the group, conditional on its version when the app has ETags. */
export interface MembershipWrites {
  patch: boolean;
  etag: boolean;
}

/**
 * A SCIM application's groups, by name (displayName): finding, creating, and changing who is in
 * one, by PATCH when the app supports it (add `members`; remove `members[value eq "id"]`, RFC 7644
 * §3.5.2), else by a PUT of the group as read with its members changed.
 */
export class ScimGroups {
  /** Per group id, the end of the last read-modify-write of its members started in this process. */
  private readonly memberWrites = new Map<string, Promise<void>>();

  constructor(
    private readonly client: ScimHttpClient,
    private readonly target: string,
  ) {}

  /**
   * The group of that name: SCIM compares displayName ignoring case (RFC 7643 §4.2 makes it
   * caseExact false), so the one spelled exactly is preferred when several answer.
   */
  async find(name: string): Promise<GroupRef | undefined> {
    const found = await resourcesWhere(this.client, '/Groups', { attribute: 'displayName', value: name, caseExact: false }, ['displayName']);
    const groups = found.map(refOf).filter((group) => group !== undefined);
    return groups.find((group) => group.name === name) ?? groups[0];
  }

  /** Makes sure a group of that name exists. A core SCIM group has no description: it is not sent. */
  async ensure(name: string): Promise<GroupRef & { created: boolean }> {
    const existing = await this.find(name);
    if (existing) return { ...existing, created: false };
    try {
      const created = refOf(await this.client.request('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: name }));
      if (created) return { ...created, created: true };
    } catch (error) {
      // Created meanwhile (by an earlier attempt whose answer was lost): found below.
      if (!isScimAnswer(error, 409)) throw error;
    }
    const found = await this.find(name);
    if (!found) throw ApplicationFailure.retryable(`group "${name}" was created in ${this.target} but is not found yet`, 'GroupNotFoundYet');
    return { ...found, created: false };
  }

  /**
   * The user's groups by lower-case name: from its `groups` attribute when the app gives it
   * (read-only, RFC 7643 §4.1.2), else the groups that list it among their members.
   */
  async ofUser(user: ScimJson): Promise<Map<string, GroupRef>> {
    const groups = new Map<string, GroupRef>();
    const listed = field(user, 'groups');
    const refs = Array.isArray(listed)
      ? await Promise.all(listed.map((entry: ScimJson) => this.named(entry)))
      : (await resourcesWhere(this.client, '/Groups', { attribute: 'members.value', value: String(user.id), caseExact: true }, ['displayName'])).map(refOf);
    for (const group of refs) if (group) groups.set(group.name.toLowerCase(), group);
    return groups;
  }

  /** A `groups` entry names its group by `display`, which is optional: without it the group is read. */
  private async named(entry: ScimJson): Promise<GroupRef | undefined> {
    const id = field(entry, 'value');
    if (typeof id !== 'string') return undefined;
    const display = field(entry, 'display');
    if (typeof display === 'string') return { id, name: display };
    try {
      return refOf(await this.client.request('GET', withQuery(`/Groups/${encodeURIComponent(id)}`, { attributes: 'displayName' })));
    } catch (error) {
      if (isScimAnswer(error, 404)) return undefined;
      throw error;
    }
  }

  async addMember(group: GroupRef, userId: string, writes: MembershipWrites): Promise<void> {
    try {
      if (writes.patch) await this.client.request('PATCH', groupPath(group), { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] });
      else await this.putMembers(group, userId, true, writes.etag);
    } catch (error) {
      if (!isScimAnswer(error, 404)) throw error;
      // Deleted since it was looked up: the next attempt looks it up again, and says if it is gone.
      throw ApplicationFailure.retryable(`group "${group.name}" is no longer at ${group.id} in ${this.target}; it is looked up again`, 'GroupMoved');
    }
  }

  /** A group gone meanwhile holds no one: that is done too. */
  async removeMember(group: GroupRef, userId: string, writes: MembershipWrites): Promise<void> {
    try {
      if (writes.patch) await this.client.request('PATCH', groupPath(group), { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[${eqFilter('value', userId)}]` }] });
      else await this.putMembers(group, userId, false, writes.etag);
    } catch (error) {
      if (!isScimAnswer(error, 404)) throw error;
    }
  }

  /**
   * Without PATCH, a membership is changed by reading the group and putting it back whole, and two
   * writers doing so at once each drop the other's change. Within this process the writes to one
   * group go one after the other; between processes, a PUT conditional on the version read
   * (If-Match, when the app has ETags) is refused with 412 when another came first, and is read
   * and written once more. Whatever the app did, the membership is read back: when it does not
   * hold, the failure is retryable, and the next attempt makes it again.
   */
  private async putMembers(group: GroupRef, userId: string, member: boolean, etag: boolean): Promise<void> {
    await this.oneAtATime(group, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          if (!(await this.putMembersOnce(group, userId, member, etag))) return;
          break;
        } catch (error) {
          if (!isScimAnswer(error, 412)) throw error;
          if (attempt === 2) throw this.notHeld(group);
        }
      }
      const after = await this.client.request('GET', withQuery(groupPath(group), { attributes: 'members' }));
      if (holds(after, 'members.value', userId, true) !== member) throw this.notHeld(group);
    });
  }

  /** The group as read, its members changed, put back whole (read-only `meta` left out); false when nothing was to change. */
  private async putMembersOnce(group: GroupRef, userId: string, member: boolean, etag: boolean): Promise<boolean> {
    const { meta, ...current } = await this.client.request('GET', groupPath(group));
    if (holds(current, 'members.value', userId, true) === member) return false;
    const key = Object.keys(current).find((name) => name.toLowerCase() === 'members') ?? 'members';
    const members: ScimJson[] = Array.isArray(current[key]) ? current[key] : [];
    const changed = member ? [...members, { value: userId }] : members.filter((entry) => field(entry, 'value') !== userId);
    const version = etag ? field(meta, 'version') : undefined;
    const body = { ...current, [key]: changed.map((entry) => ({ value: field(entry, 'value') })) };
    await this.client.request('PUT', groupPath(group), body, typeof version === 'string' ? { ifMatch: version } : {});
    return true;
  }

  /** Runs `write` once every earlier member write to this group in this process has ended, however it ended. */
  private oneAtATime(group: GroupRef, write: () => Promise<void>): Promise<void> {
    const mine = (this.memberWrites.get(group.id) ?? Promise.resolve()).then(write);
    const settled = mine.catch(() => undefined);
    this.memberWrites.set(group.id, settled);
    // Forgotten once the last is done, so that the map holds only the groups being written.
    void settled.then(() => this.memberWrites.get(group.id) === settled && this.memberWrites.delete(group.id));
    return mine;
  }

  private notHeld(group: GroupRef): ApplicationFailure {
    return ApplicationFailure.create({
      message: `group "${group.name}" in ${this.target} did not keep the membership change (another writer may have put the group at the same time); it is made again`,
      type: 'MembershipConflict',
      category: ApplicationFailureCategory.BENIGN,
    });
  }
}

const groupPath = (group: GroupRef) => `/Groups/${encodeURIComponent(group.id)}`;

function refOf(resource: ScimJson): GroupRef | undefined {
  const id = field(resource, 'id');
  const name = field(resource, 'displayName');
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : undefined;
}
