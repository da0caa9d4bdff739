import type { OktaClient } from './client.ts';

/** Okta's `q` matches name prefixes; only an exact (case-insensitive) name is the group meant. */
export async function findGroupByName(okta: OktaClient, name: string): Promise<{ id: string } | undefined> {
  for await (const group of await okta.groupApi.listGroups({ q: name })) {
    if (group?.id && group.profile?.name?.toLowerCase() === name.toLowerCase()) return { id: group.id };
  }
  return undefined;
}

/** Creates the groups that are missing; sandbox mode uses it to give the example policy its groups. */
export async function ensureGroups(okta: OktaClient, groups: Array<{ name: string; description?: string }>): Promise<string[]> {
  const created: string[] = [];
  for (const group of groups) {
    if (await findGroupByName(okta, group.name)) continue;
    await okta.groupApi.createGroup({ group: { profile: { name: group.name, description: group.description ?? '' } } });
    created.push(group.name);
  }
  return created;
}
