import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/runtime/config.ts';

const run = promisify(execFile);
const scripts = path.join(projectRoot, 'scripts/production');

/** The Temporal cluster scripts/production/up.sh brings up in `dataDir`: PostgreSQL and four services. */
export interface ProductionTemporal {
  /** The frontend, host:port: TEMPORAL_ADDRESS for Tenure. */
  address: string;
  /** PostgreSQL's port and the temporal role's password, to look at what Temporal stored. */
  postgres: { port: number; password: string };
  down(): Promise<void>;
}

/** Runs up.sh as an operator would; its last line of output is the frontend's address. */
export async function upProductionTemporal(dataDir: string): Promise<ProductionTemporal> {
  const down = async () => {
    await run(path.join(scripts, 'down.sh'), [dataDir], { timeout: 120_000 });
  };
  try {
    const { stdout } = await run(path.join(scripts, 'up.sh'), [dataDir], { timeout: 300_000 });
    const address = stdout.trim().split('\n').at(-1)!;
    const ports = await readFile(path.join(dataDir, 'ports.env'), 'utf8');
    const port = Number(/^PG_PORT=(\d+)$/m.exec(ports)?.[1]);
    const password = (await readFile(path.join(dataDir, 'pg-password'), 'utf8')).trim();
    return { address, postgres: { port, password }, down };
  } catch (error) {
    // Whatever up.sh started before it failed is stopped, and its output kept in the error.
    await down().catch(() => {});
    throw error;
  }
}

/** A `tenure start --role <role>` process, configured by its environment as an operator would. */
export interface TenureProcess {
  child: ChildProcess;
  /** The lines it printed under "Tenure is running", such as `HR intake  http://…/hooks/hr`. */
  banner: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startTenureProcess(role: 'worker' | 'intake', env: NodeJS.ProcessEnv): Promise<TenureProcess> {
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
  // Keep reading its output, or a full pipe would stall it.
  child.stdout!.resume();
  return { child, banner, kill };
}
