import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openPglite, openPostgres, type Db } from './database.ts';
import { acquireLock, type HeldLock } from './lock-file.ts';
import { migrate } from './migrate.ts';
import { sqlDirectory } from './sql-directory.ts';
import type { ScimDirectory } from './types.ts';

export interface DirectoryOptions {
  /** `postgres://…` (TENURE_DATABASE_URL): a PostgreSQL server. Unset: PGlite under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
}

/** Where the embedded directory lives under Tenure's data directory. */
export const embeddedDirectoryPath = (dataDir: string) => path.join(dataDir, 'scim-directory');

/**
 * Opens the SCIM directory and brings its schema up to date. Embedded (PGlite) by default: one
 * process per data directory, enforced by a lock file beside it; commits survive a crash of the
 * process but, as PGlite does not fsync, not necessarily a power loss. A PostgreSQL server when
 * `databaseUrl` is set: any number of Tenure processes may share it.
 */
export async function openScimDirectory(options: DirectoryOptions): Promise<ScimDirectory> {
  let lock: HeldLock | undefined;
  let db: Db;
  if (options.databaseUrl) {
    db = await openPostgres(checkedUrl(options.databaseUrl));
  } else {
    const dir = embeddedDirectoryPath(options.dataDir);
    await mkdir(options.dataDir, { recursive: true });
    lock = await acquireLock(`${dir}.lock`, `the SCIM directory ${dir}`);
    try {
      db = await openPglite(dir);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  try {
    await migrate(db);
    return await sqlDirectory(db, async () => lock?.release());
  } catch (error) {
    await db.close();
    await lock?.release();
    throw error;
  }
}

/** The URL, checked here so that a malformed one is never echoed (with its password) in an error. */
function checkedUrl(url: string): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error('TENURE_DATABASE_URL is not a URL; expected postgres://user:password@host:port/database');
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new Error(`TENURE_DATABASE_URL must be a postgres:// URL, not ${protocol}//…`);
  }
  return url;
}
