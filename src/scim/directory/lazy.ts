import { access } from 'node:fs/promises';
import { embeddedDirectoryPath, openScimDirectory, type DirectoryOptions } from './open.ts';
import type { ScimDirectory } from './types.ts';

/**
 * The SCIM directory, opened when it is first needed rather than when the intake starts. Opening
 * the embedded engine (PGlite: WebAssembly PostgreSQL, its migrations and upkeep) costs most of a
 * second, which an intake nobody provisions into would pay on every start. The first SCIM request
 * or admin call opens it; the lock file is taken then, exactly as an eager open takes it, and held
 * until close.
 */
export interface LazyScimDirectory extends ScimDirectory {
  /** Opens it now (once; later calls wait for the same open). */
  open(): Promise<ScimDirectory>;
}

/** Every method but close, so that a method added to ScimDirectory and not delegated here fails to compile. */
const DELEGATED = {
  createIntegration: true,
  getIntegration: true,
  listIntegrations: true,
  updateIntegration: true,
  removeIntegration: true,
  createUser: true,
  getUser: true,
  updateUser: true,
  deleteUser: true,
  listUsers: true,
  groupsOf: true,
  createGroup: true,
  getGroup: true,
  updateGroup: true,
  deleteGroup: true,
  listGroups: true,
  pendingChanges: true,
  markDelivered: true,
  markUndeliverable: true,
  undeliverableCounts: true,
  retryUndeliverable: true,
} satisfies Record<Exclude<keyof ScimDirectory, 'close'>, true>;

/** `onOpen` runs once the directory is open (the intake starts its outbox relay there). */
export function lazyScimDirectory(options: DirectoryOptions, onOpen: (directory: ScimDirectory) => void = () => {}): LazyScimDirectory {
  let opening: Promise<ScimDirectory> | undefined;
  let closing = false;
  const open = () => {
    // A request that arrives while Tenure stops must not open a second directory nobody closes.
    if (closing) return Promise.reject(new Error('the SCIM directory is closed: Tenure is stopping'));
    opening ??= openScimDirectory(options).then(
      (directory) => {
        // An open that finishes while Tenure stops starts nothing (the relay would outlive the directory).
        if (!closing) onOpen(directory);
        return directory;
      },
      (error: unknown) => {
        // A failed open (the lock held by another process, PostgreSQL down) is tried again by the next request.
        opening = undefined;
        throw error;
      },
    );
    return opening;
  };
  const lazy = {
    open,
    async close() {
      closing = true;
      const pending = opening;
      opening = undefined;
      await (await pending?.catch(() => undefined))?.close();
    },
  } as LazyScimDirectory;
  for (const name of Object.keys(DELEGATED) as (keyof typeof DELEGATED)[]) {
    (lazy as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const directory = await open();
      return (directory[name] as (...inner: unknown[]) => unknown)(...args);
    };
  }
  return lazy;
}

/**
 * Whether the directory may already hold something to serve or deliver: always for a PostgreSQL
 * server (it cannot be known without connecting), and for the embedded engine when its folder exists.
 */
export async function directoryMayHoldData(options: DirectoryOptions): Promise<boolean> {
  if (options.databaseUrl) return true;
  try {
    await access(embeddedDirectoryPath(options.dataDir));
    return true;
  } catch {
    return false;
  }
}
