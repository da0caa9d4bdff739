import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseEnv, promisify } from 'node:util';
import { projectRoot } from '../../src/runtime/config.ts';

const run = promisify(execFile);
const scripts = path.join(projectRoot, 'scripts/production');

export type TemporalService = 'frontend' | 'history' | 'matching' | 'worker';

/** The Temporal cluster scripts/production/up.sh brings up in `dataDir`: PostgreSQL and four services. */
export interface ProductionTemporal {
  dataDir: string;
  /** The frontend, host:port: TEMPORAL_ADDRESS for Tenure. */
  address: string;
  /**
   * What up.sh wrote to secrets/tenure.env for Tenure's processes: TEMPORAL_ADDRESS, TEMPORAL_TLS_*,
   * TENURE_ENCRYPTION_KEYS, TENURE_CODEC_TOKEN.
   */
  tenureEnv: Record<string, string>;
  /** PostgreSQL's port and the temporal role's password, to look at what Temporal stored. */
  postgres: { port: number; password: string };
  /** Stops one service with down.sh and starts it again with up.sh, as an operator would. */
  restart(service: TemporalService): Promise<void>;
  down(): Promise<void>;
}

/** Runs up.sh as an operator would; its last line of output is the frontend's address. */
export async function upProductionTemporal(dataDir: string): Promise<ProductionTemporal> {
  const down = async () => {
    await run(path.join(scripts, 'down.sh'), [dataDir], { timeout: 120_000 });
  };
  const up = async () => (await run(path.join(scripts, 'up.sh'), [dataDir], { timeout: 300_000 })).stdout.trim().split('\n').at(-1)!;
  try {
    const address = await up();
    const ports = parseEnv(await readFile(path.join(dataDir, 'ports.env'), 'utf8'));
    const password = (await readFile(path.join(dataDir, 'pg-password'), 'utf8')).trim();
    const tenureEnv = parseEnv(await readFile(path.join(dataDir, 'secrets', 'tenure.env'), 'utf8')) as Record<string, string>;
    const restart = async (service: TemporalService) => {
      await run(path.join(scripts, 'down.sh'), [dataDir, service], { timeout: 120_000 });
      await up();
    };
    return { dataDir, address, tenureEnv, postgres: { port: Number(ports.PG_PORT), password }, restart, down };
  } catch (error) {
    // Whatever up.sh started before it failed is stopped, and its output kept in the error.
    await down().catch(() => {});
    throw error;
  }
}

/** `tenure okta-emulator` as a process of its own, as the org Tenure's workers call over HTTP. */
export async function startOktaEmulatorProcess(token: string, env: NodeJS.ProcessEnv = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['bin/tenure.mjs', 'okta-emulator', '--port', '0', '--token', token], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const url = /^Okta emulator listening on (\S+) /.exec(line)?.[1];
    if (url) {
      child.stdout!.resume();
      return { url, stop };
    }
  }
  throw new Error(`tenure okta-emulator ended (${child.exitCode ?? child.signalCode}) before it listened`);
}
