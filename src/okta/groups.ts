import type { OktaClient } from './client.ts';
import { hasErrorCode } from './errors.ts';

export interface OktaGroupRef {
  id: string;
  name: string;
}

/** Okta's `q` matches name prefixes; only an exact (case-insensitive) name is the group meant. */
async function lookUp(okta: OktaClient, name: string): Promise<OktaGroupRef | undefined> {
  for await (const group of await okta.groupApi.listGroups({ q: name })) {
    if (group?.id && group.profile?.name?.toLowerCase() === name.toLowerCase()) return { id: group.id, name: group.profile.name };
  }
  return undefined;
}

/** How long a group's id is trusted without asking Okta again. */
const GROUP_ID_TTL_MS = 5 * 60_000;

/**
 * Group ids by name. Every joiner names the same few groups, and each lookup spends the groups
 * family's rate limit, which is the tightest a bulk run meets; so a found id is remembered for a
 * while. A group deleted meanwhile answers 404 to its old id, and `forget` drops it.
 */
export class GroupDirectory {
  private readonly known = new Map<string, { group: OktaGroupRef; until: number }>();

  constructor(
    private readonly okta: OktaClient,
    private readonly now: () => number = Date.now,
  ) {}

  async find(name: string): Promise<OktaGroupRef | undefined> {
    const key = name.toLowerCase();
    const cached = this.known.get(key);
    if (cached && cached.until > this.now()) return cached.group;
    const group = await lookUp(this.okta, name);
    if (group) this.known.set(key, { group, until: this.now() + GROUP_ID_TTL_MS });
    else this.known.delete(key);
    return group;
  }

  forget(name: string): void {
    this.known.delete(name.toLowerCase());
  }

  /**
   * The OKTA_GROUP with this exact name, created when there is none. Okta refuses a second group
   * of the same name (E0000001), so when two workers race, the loser finds the winner's group.
   */
  async ensure(name: string, description: string | undefined): Promise<OktaGroupRef & { created: boolean }> {
    const existing = await this.find(name);
    if (existing) return { ...existing, created: false };
    try {
      const group = await this.okta.groupApi.createGroup({ group: { profile: { name, description: description ?? '' } } });
      return { id: group.id!, name, created: true };
    } catch (error) {
      if (!hasErrorCode(error, 'E0000001')) throw error;
      const winner = await this.find(name);
      if (!winner) throw error;
      return { ...winner, created: false };
    }
  }
}

/** Creates the groups that are missing; sandbox mode uses it to give the example policy its groups. */
export async function ensureGroups(okta: OktaClient, groups: Array<{ name: string; description?: string }>): Promise<string[]> {
  const directory = new GroupDirectory(okta);
  const created: string[] = [];
  for (const group of groups) {
    if ((await directory.ensure(group.name, group.description)).created) created.push(group.name);
  }
  return created;
}
