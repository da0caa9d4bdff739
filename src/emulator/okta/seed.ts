import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { USER_STATUSES, type UserStatus } from './lifecycle.ts';
import type { OktaStore } from './store.ts';
import { uniqueKey } from './unique-key.ts';
import { profileProblems } from './user-profile.ts';

/**
 * A seed: the users and groups a sandbox org starts with. It reaches what the API cannot: APP_GROUP
 * groups, and users in any status (LOCKED_OUT, say) with or without a password.
 */
const SeedSchema = z.strictObject({
  /** Custom attributes of the user profile schema, as the schema API takes them, for the users below to hold. */
  customAttributes: z
    .record(z.string(), z.looseObject({ title: z.string().trim().min(1), type: z.enum(['string', 'boolean', 'integer', 'number', 'array']) }))
    .default({}),
  groups: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1),
        description: z.string().optional(),
        type: z.enum(['OKTA_GROUP', 'APP_GROUP']).default('OKTA_GROUP'),
      }),
    )
    .default([]),
  users: z
    .array(
      z.strictObject({
        profile: z.record(z.string(), z.unknown()),
        status: z.enum(USER_STATUSES).default('ACTIVE'),
        /** Defaults to whether a user in that status has signed up with a password. */
        password: z.boolean().optional(),
        /** Group names: groups of this seed or already in the org. */
        groups: z.array(z.string()).default([]),
      }),
    )
    .default([]),
});

type Seed = z.infer<typeof SeedSchema>;

/** A path as a reader of the seed file would write it: users[2].profile.login. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`)).join('');
}

function malformed(path: readonly PropertyKey[], message: string): Error {
  return new Error(`malformed seed at ${formatPath(path) || 'the top level'}: ${message}`);
}

const signedUp = (status: UserStatus): boolean => status !== 'STAGED' && status !== 'PROVISIONED';

/**
 * Refuses, before anything is added, what the org would refuse: blank or taken names and logins,
 * invalid profiles, and memberships of groups that do not exist.
 */
function checkAgainstOrg(store: OktaStore, seed: Seed): void {
  const groupNames = new Set<string>();
  seed.groups.forEach((group, index) => {
    const key = uniqueKey(group.name);
    if (groupNames.has(key) || store.findGroupByName(group.name)) {
      throw malformed(['groups', index, 'name'], `a group named "${group.name}" already exists`);
    }
    groupNames.add(key);
  });
  const logins = new Set<string>();
  seed.users.forEach((user, index) => {
    const [problem] = profileProblems(user.profile);
    if (problem) throw malformed(['users', index, 'profile', problem.field], problem.cause);
    const [notDefined] = store.undefinedAttributes(user.profile).filter((name) => !Object.hasOwn(seed.customAttributes, name));
    if (notDefined !== undefined) {
      throw malformed(['users', index, 'profile', notDefined], 'the user profile schema does not define it: add it to customAttributes');
    }
    // A valid login holds an @, so it cannot be taken for an id or a short name.
    const key = uniqueKey(user.profile.login);
    if (logins.has(key) || store.findUser(String(user.profile.login))) {
      throw malformed(['users', index, 'profile', 'login'], `a user with login "${user.profile.login}" already exists`);
    }
    logins.add(key);
    user.groups.forEach((name, groupIndex) => {
      if (!groupNames.has(uniqueKey(name)) && !store.findGroupByName(name)) {
        throw malformed(['users', index, 'groups', groupIndex], `no group is named "${name}"`);
      }
    });
  });
}

/** Adds a seed's groups and users to the org; throws an Error naming the first bad path, having added nothing. */
export function applySeed(store: OktaStore, data: unknown): { users: number; groups: number } {
  const parsed = SeedSchema.safeParse(data);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw malformed(issue!.path, issue!.message);
  }
  const seed = parsed.data;
  checkAgainstOrg(store, seed);
  if (Object.keys(seed.customAttributes).length > 0) store.updateCustomAttributes(seed.customAttributes);
  for (const group of seed.groups) {
    store.seedGroup(group.type, { name: group.name, ...(group.description === undefined ? {} : { description: group.description }) });
  }
  for (const user of seed.users) {
    store.seedUser({
      profile: user.profile,
      status: user.status,
      hasPassword: user.password ?? signedUp(user.status),
      groupIds: user.groups.map((name) => store.findGroupByName(name)!.id),
    });
  }
  return { users: seed.users.length, groups: seed.groups.length };
}

/** Reads a seed file (JSON); `applySeed` validates what it holds. */
export async function readSeedFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`seed file ${path} is not JSON: ${(error as Error).message}`);
  }
}
