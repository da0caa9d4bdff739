import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { isProcessAlive } from './process-alive.ts';

/** Written by the dev server's supervisor (supervise.mjs) while the server runs. */
export const DEV_SERVER_PID_FILE = 'temporal-dev-server.json';

export interface LeftoverDevServer {
  pid: number;
  port: number;
  dbFile: string;
  pidFile: string;
}


/** Where the kernel tells, whether `pid` is still a Temporal CLI and not a process that reused its number. */
/**
 * Whether `pid` is still the dev server on this data folder's database, not a process that reused
 * its number (after a reboot) nor another checkout's server. Where /proc cannot tell, it is not
 * taken for one: stopping a stranger's process group is worse than a leftover left running.
 */
async function isOurDevServer(pid: number, dbFile: string): Promise<boolean> {
  try {
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return commandLine.includes('temporal') && commandLine.includes(dbFile);
  } catch {
    return false;
  }
}

/** A dev server an earlier Tenure run started on `dataDir` and that still runs; a stale pid file is removed. */
export async function findLeftoverDevServer(dataDir: string): Promise<LeftoverDevServer | undefined> {
  const pidFile = path.join(dataDir, DEV_SERVER_PID_FILE);
  let recorded: { pid?: unknown; port?: unknown; dbFile?: unknown };
  try {
    recorded = JSON.parse(await readFile(pidFile, 'utf8'));
  } catch {
    return undefined;
  }
  const { pid, port, dbFile } = recorded;
  if (typeof pid === 'number' && typeof dbFile === 'string' && isProcessAlive(pid) && (await isOurDevServer(pid, dbFile))) {
    return { pid, port: Number(port), dbFile: String(dbFile), pidFile };
  }
  await unlink(pidFile).catch(() => undefined);
  return undefined;
}

export function describeLeftover(leftover: LeftoverDevServer): string {
  return `a Temporal dev server from an earlier Tenure run (pid ${leftover.pid}) still holds ${leftover.dbFile} and port ${leftover.port}`;
}

/** The refusal to start beside a leftover, with the two ways out. */
export function leftoverError(leftover: LeftoverDevServer): Error {
  return new Error(`${describeLeftover(leftover)}: stop it with \`kill ${leftover.pid}\`, or run \`tenure start --stop-leftover\``);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForExit(pid: number, withinMs: number): Promise<boolean> {
  for (let waited = 0; waited < withinMs; waited += 100) {
    if (!isProcessAlive(pid)) return true;
    await sleep(100);
  }
  return !isProcessAlive(pid);
}

function signal(pid: number, name: NodeJS.Signals): void {
  // The supervisor made the server a process group leader: the group takes what it started too.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, name);
      return;
    } catch {
      // Not a group leader (an older run's server), or gone already.
    }
  }
}

export async function stopLeftoverDevServer(leftover: LeftoverDevServer): Promise<void> {
  signal(leftover.pid, 'SIGTERM');
  if (!(await waitForExit(leftover.pid, 10_000))) {
    signal(leftover.pid, 'SIGKILL');
    if (!(await waitForExit(leftover.pid, 5_000))) throw new Error(`${describeLeftover(leftover)} and did not stop; stop it with \`kill -9 ${leftover.pid}\``);
  }
  await unlink(leftover.pidFile).catch(() => undefined);
}

/**
 * Says what an earlier run left behind and stops it when the operator agrees: asked y/N on a
 * terminal, or told by `--stop-leftover`. Otherwise the start is refused with what to do.
 */
export async function resolveLeftoverDevServer(dataDir: string, stopLeftover: boolean, log: (line: string) => void): Promise<void> {
  const leftover = await findLeftoverDevServer(dataDir);
  if (!leftover) return;
  let stop = stopLeftover;
  if (!stop && process.stdin.isTTY && process.stdout.isTTY) {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    try {
      stop = /^y(es)?$/i.test((await prompt.question(`${describeLeftover(leftover)}. Stop it? [y/N] `)).trim());
    } finally {
      prompt.close();
    }
  }
  if (!stop) throw leftoverError(leftover);
  log(`Stopping ${describeLeftover(leftover)}…`);
  await stopLeftoverDevServer(leftover);
}
