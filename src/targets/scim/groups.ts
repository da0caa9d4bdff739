import { ApplicationFailure } from '@temporalio/common';
import { PATCH_OP } from '../../scim/protocol.ts';
import { GROUP_SCHEMA } from '../../scim/schema-definitions.ts';
import { isScimAnswer } from './errors.ts';
import { withQuery, type ScimHttpClient, type ScimJson } from './http-client.ts';
import { eqFilter, listResources } from './queries.ts';
import { field } from './user-attributes.ts';

export interface GroupRef {
  id: string;
  name: string;
}

/**
 * A SCIM application's groups, by name (displayName): finding, creating, and changing who is in
 * one, by PATCH when the app supports it (add `members`; remove `members[value eq "id"]`, RFC 7644
 * §3.5.2), else by a PUT of the group as read with its members changed.
 */
export class ScimGroups {
  constructor(
    private readonly client: ScimHttpClient,
    private readonly target: string,
  ) {}

  /**
   * The group of that name: SCIM compares displayName ignoring case (RFC 7643 §4.2 makes it
   * caseExact false), so the one spelled exactly is preferred when several answer.
   */
  async find(name: string): Promise<GroupRef | undefined> {
    const groups = (await listResources(this.client, '/Groups', eqFilter('displayName', name), 'displayName')).map(refOf).filter((group) => group !== undefined);
    return groups.find((group) => group.name === name) ?? groups.find((group) => group.name.toLowerCase() === name.toLowerCase());
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
   * (read-only, RFC 7643 §4.1.2), else by asking which groups list it as a member.
   */
  async ofUser(user: ScimJson): Promise<Map<string, GroupRef>> {
    const groups = new Map<string, GroupRef>();
    const listed = field(user, 'groups');
    const refs = Array.isArray(listed)
      ? await Promise.all(listed.map((entry: ScimJson) => this.named(entry)))
      : (await listResources(this.client, '/Groups', eqFilter('members.value', String(user.id)), 'displayName')).map(refOf);
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

  async addMember(group: GroupRef, userId: string, patch: boolean): Promise<void> {
    try {
      if (patch) await this.client.request('PATCH', groupPath(group), { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] });
      else await this.putMembers(group, (members) => (members.some((member) => field(member, 'value') === userId) ? members : [...members, { value: userId }]));
    } catch (error) {
      if (!isScimAnswer(error, 404)) throw error;
      // Deleted since it was looked up: the next attempt looks it up again, and says if it is gone.
      throw ApplicationFailure.retryable(`group "${group.name}" is no longer at ${group.id} in ${this.target}; it is looked up again`, 'GroupMoved');
    }
  }

  /** A group gone meanwhile holds no one: that is done too. */
  async removeMember(group: GroupRef, userId: string, patch: boolean): Promise<void> {
    try {
      if (patch) await this.client.request('PATCH', groupPath(group), { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[${eqFilter('value', userId)}]` }] });
      else await this.putMembers(group, (members) => (members.some((member) => field(member, 'value') === userId) ? members.filter((member) => field(member, 'value') !== userId) : members));
    } catch (error) {
      if (!isScimAnswer(error, 404)) throw error;
    }
  }

  /** The group as read, its members changed, put back whole; read-only `meta` is left out. */
  private async putMembers(group: GroupRef, change: (members: ScimJson[]) => ScimJson[]): Promise<void> {
    const { meta: _meta, ...current } = await this.client.request('GET', groupPath(group));
    const key = Object.keys(current).find((name) => name.toLowerCase() === 'members') ?? 'members';
    const members: ScimJson[] = Array.isArray(current[key]) ? current[key] : [];
    const changed = change(members);
    if (changed === members) return;
    await this.client.request('PUT', groupPath(group), { ...current, [key]: changed.map((member) => ({ value: field(member, 'value') })) });
  }
}

const groupPath = (group: GroupRef) => `/Groups/${encodeURIComponent(group.id)}`;

function refOf(resource: ScimJson): GroupRef | undefined {
  const id = field(resource, 'id');
  const name = field(resource, 'displayName');
  return typeof id === 'string' && typeof name === 'string' ? { id, name } : undefined;
}
