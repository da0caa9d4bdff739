import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { projectRoot } from '../../src/runtime/config.ts';

/** A `tenure start --role <role>` process, configured by its environment as an operator would. */
export interface TenureProcess {
  child: ChildProcess;
  /** The lines it printed under "Tenure is running", such as `HR intake  http://…/hooks/hr`. */
  banner: string[];
  /** Sends `signal` (SIGTERM unless told) and waits until the process has exited; nothing when it already has. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `tenure start --role <role>` with `env` (and PATH) as its whole environment, so that
 * nothing of the test's own leaks in, and resolves once it says it is running. Its stderr is the
 * test's; its stdout is read to the end, or a full pipe would stall it.
 */
export async function startTenureProcess(role: 'worker' | 'intake' | 'all', env: NodeJS.ProcessEnv): Promise<TenureProcess> {
  const child = spawn(process.execPath, ['bin/tenure.mjs', 'start', '--role', role], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  const banner: string[] = [];
  let running = false;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('Tenure is running')) running = true;
    else if (running && line.trim() === '') break;
    else if (running) banner.push(line.trim());
  }
  if (!running || child.exitCode !== null) {
    await kill('SIGKILL');
    throw new Error(`tenure start --role ${role} ended (${child.exitCode ?? child.signalCode}) before it was running`);
  }
  child.stdout!.resume();
  return { child, banner, kill };
}
