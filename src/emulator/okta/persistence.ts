import { z } from 'zod';
import { readSavedJson, writePrivateFile } from '../../runtime/private-file.ts';
import { AppsSnapshotSchema } from './app-records.ts';
import { USER_STATUSES } from './lifecycle.ts';
import type { OktaStore, OrgSnapshot } from './store.ts';

/**
 * Saves the org (users, groups, memberships, the ids' order, apps with their provisioning
 * connections, assignments and unsent pushes) to a JSON file as it changes, and restores it from
 * there, so that a sandbox survives restarts and sends what it had not pushed. The System Log and
 * the push log are not kept.
 */

const nullableTimestamp = z.string().nullable();
const profile = z.record(z.string(), z.unknown());

const SnapshotSchema: z.ZodType<OrgSnapshot> = z.object({
  version: z.literal(1),
  defaultUserTypeId: z.string(),
  users: z.array(
    z.object({
      id: z.string(),
      status: z.enum(USER_STATUSES),
      created: z.string(),
      activated: nullableTimestamp,
      statusChanged: nullableTimestamp,
      lastLogin: nullableTimestamp,
      lastUpdated: z.string(),
      passwordChanged: nullableTimestamp,
      typeId: z.string(),
      profile,
      hasPassword: z.boolean(),
      // Orgs saved before the emulator kept password hashes and factors have neither.
      passwordHash: z.string().nullable().default(null),
      recoveryQuestion: z.string().nullable(),
      factors: z
        .array(
          z.object({
            id: z.string(),
            factorType: z.string(),
            provider: z.string(),
            vendorName: z.string(),
            status: z.enum(['ACTIVE', 'PENDING_ACTIVATION']),
            created: z.string(),
            lastUpdated: z.string(),
            profile,
          }),
        )
        .default([]),
    }),
  ),
  groups: z.array(
    z.object({
      id: z.string(),
      type: z.enum(['OKTA_GROUP', 'APP_GROUP', 'BUILT_IN']),
      created: z.string(),
      lastUpdated: z.string(),
      lastMembershipUpdated: z.string(),
      profile,
    }),
  ),
  memberships: z.array(z.tuple([z.string(), z.string()])),
  customAttributes: z.record(z.string(), z.looseObject({ title: z.string(), type: z.enum(['string', 'boolean', 'integer', 'number', 'array']) })).default({}),
  // Orgs saved before the emulator had apps have none.
  apps: AppsSnapshotSchema.default({ apps: [] }),
});

/** Restores the org saved at `path`; answers false, changing nothing, if there is no such file. */
export async function loadState(store: OktaStore, path: string): Promise<boolean> {
  const saved = await readSavedJson(path, SnapshotSchema, 'saved org');
  if (saved === undefined) return false;
  store.restore(saved);
  return true;
}

export interface Persistence {
  /** Resolves once every change so far is on disk; rejects if the last save failed. */
  flush(): Promise<void>;
  /** Stops saving, after a last flush. */
  stop(): Promise<void>;
}

/**
 * Saves the org to `path` now and after each change. Changes that come together (a seed, a burst
 * of requests) are saved once, after the last of them.
 */
export function persistState(store: OktaStore, path: string): Persistence {
  let dirty = false;
  let saving: Promise<void> | undefined;
  let failure: unknown;

  const drain = async (): Promise<void> => {
    while (dirty) {
      // Let the changes of the current burst land first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      dirty = false;
      try {
        // Only its owner may read the file: it holds the provisioning connections' bearer tokens, as Okta keeps them.
        await writePrivateFile(path, JSON.stringify(store.snapshot()));
        failure = undefined;
      } catch (error) {
        failure = error;
        process.emitWarning(`could not save the Okta emulator's org to ${path}: ${(error as Error).message}`);
      }
    }
    saving = undefined;
  };

  const schedule = (): void => {
    dirty = true;
    saving ??= drain();
  };

  const unsubscribe = store.onChange(schedule);
  schedule();

  const flush = async (): Promise<void> => {
    while (saving) await saving;
    if (failure !== undefined) throw failure;
  };

  return {
    flush,
    stop: async () => {
      unsubscribe();
      await flush();
    },
  };
}
