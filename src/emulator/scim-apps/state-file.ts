import { z } from 'zod';
import { readSavedJson, writePrivateFile } from '../../runtime/private-file.ts';
import type { ScimAppsSnapshot } from './store.ts';

/**
 * The emulated apps' users and groups in a JSON file, so that a restarted sandbox finds the
 * accounts Tenure provisioned. The file holds personal data (names, emails), so only its owner
 * may read it, and it is replaced in one step so that a crash mid-write leaves the last save whole.
 */

const timestamps = { created: z.string(), lastModified: z.string(), version: z.number().int().positive() };

const UserSchema = z.object({
  id: z.string().min(1),
  userName: z.string().min(1),
  externalId: z.string().optional(),
  active: z.boolean(),
  resource: z.record(z.string(), z.unknown()),
  revoked: z.boolean(),
  ...timestamps,
});

const GroupSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().min(1),
  externalId: z.string().optional(),
  members: z.array(z.string()),
  ...timestamps,
});

const AppSchema = z.object({ users: z.array(UserSchema), groups: z.array(GroupSchema) });

const FileSchema = z.object({
  version: z.literal(1),
  apps: z.object({ opshelm: AppSchema, kestra: AppSchema }),
});

/** The saved apps, or undefined when there is no file yet. A file that is not ours is refused, naming where it is wrong. */
export async function readStateFile(path: string): Promise<ScimAppsSnapshot | undefined> {
  const saved = await readSavedJson(path, FileSchema, "the SCIM apps' saved state");
  if (saved === undefined) return undefined;
  // JSON drops an externalId that is undefined; the store's records name it either way.
  const app = ({ users, groups }: z.infer<typeof AppSchema>) => ({
    users: users.map((user) => ({ ...user, externalId: user.externalId })),
    groups: groups.map((group) => ({ ...group, externalId: group.externalId })),
  });
  return { opshelm: app(saved.apps.opshelm), kestra: app(saved.apps.kestra) };
}

/**
 * Saves the state after each change, one write at a time. Changes that arrive while a write is
 * under way are saved together by the next one, which reads the state when it starts; each
 * caller's promise resolves once a write that holds its change is on disk. A failed save is a
 * warning, not a failed request: the change is made and the next save carries it.
 */
export function stateFileWriter(path: string): (snapshot: () => ScimAppsSnapshot) => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  let next: Promise<void> | undefined;
  let read: () => ScimAppsSnapshot;
  return (snapshot) => {
    read = snapshot;
    next ??= last = last.then(async () => {
      next = undefined;
      try {
        await writePrivateFile(path, JSON.stringify({ version: 1, apps: read() }));
      } catch (error) {
        process.emitWarning(`could not save the SCIM apps' state to ${path}: ${(error as Error).message}`);
      }
    });
    return next;
  };
}
