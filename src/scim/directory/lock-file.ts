import { randomUUID } from 'node:crypto';
import { open, readFile, unlink } from 'node:fs/promises';
import { isProcessAlive } from '../../runtime/process-alive.ts';

/**
 * An exclusive lock on an embedded database directory. PGlite takes no lock of its own, and two
 * processes writing one data directory corrupt it (measured: both wrote), so only the process that
 * holds this file may open the directory.
 *
 * The file holds the owner's pid and a nonce. A lock left by a process that no longer runs (a crash,
 * a kill -9) is taken over. In a container the restarted process may get the crashed one's pid
 * (often 1), so a lock naming our own pid that this process did not take is stale too.
 */

export class DirectoryLockedError extends Error {
  override name = 'DirectoryLockedError';
}

export interface HeldLock {
  release(): Promise<void>;
}

/** Lock files this process holds, by path, with their nonce. */
const held = new Map<string, string>();


async function owner(file: string): Promise<{ pid: number; nonce: string } | undefined> {
  try {
    const [pid, nonce] = (await readFile(file, 'utf8')).split('\n');
    return { pid: Number(pid), nonce: nonce ?? '' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isStale(lock: { pid: number; nonce: string }): boolean {
  if (!Number.isInteger(lock.pid) || lock.pid <= 0) return true;
  if (lock.pid === process.pid) return ![...held.values()].includes(lock.nonce);
  return !isProcessAlive(lock.pid);
}

export async function acquireLock(file: string, what: string): Promise<HeldLock> {
  const nonce = randomUUID();
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n${nonce}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = await owner(file);
      if (current && !isStale(current)) {
        const by = current.pid === process.pid ? 'this process already' : `process ${current.pid}`;
        throw new DirectoryLockedError(
          `${what} is in use: ${by} has it open (lock file ${file}). The embedded database allows one process per directory; stop the other Tenure, or set TENURE_DATABASE_URL to share a PostgreSQL server`,
        );
      }
      if (attempt > 0) throw new DirectoryLockedError(`${what}: could not take over the stale lock file ${file}`);
      await unlink(file).catch((unlinkError: NodeJS.ErrnoException) => {
        if (unlinkError.code !== 'ENOENT') throw unlinkError;
      });
    }
  }
  held.set(file, nonce);
  return {
    async release() {
      if (held.get(file) !== nonce) return;
      held.delete(file);
      // Remove only our own lock, never one another process took over after we were presumed dead.
      if ((await owner(file))?.nonce === nonce) await unlink(file);
    },
  };
}
