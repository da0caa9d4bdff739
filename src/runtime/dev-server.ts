import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from '@temporalio/client';
import { DEV_SERVER_PID_FILE, findLeftoverDevServer, leftoverError } from './leftover.ts';
import { assertPortFree } from './ports.ts';
import { connectTemporal, ensureSearchAttributes } from './temporal.ts';

export interface DevServerOptions {
  cliPath: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Tests run without the UI, so several servers can run side by side. */
  headless?: boolean;
  /** Server settings (`--dynamic-config-value`), for tests that need a limit reached sooner. */
  dynamicConfig?: Record<string, string | number>;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  connection: Connection;
  stop(): Promise<void>;
}

/** How much of the server's own output to keep for the error message when it fails to start. */
const OUTPUT_TAIL_CHARS = 4_000;

/** Stops the dev server when Tenure's process ends, however it ends (see the file). */
const SUPERVISOR = fileURLToPath(new URL('./supervise.mjs', import.meta.url));

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  await mkdir(options.dataDir, { recursive: true });
  const leftover = await findLeftoverDevServer(options.dataDir);
  if (leftover) throw leftoverError(leftover);
  // Otherwise Tenure could connect to whatever already listens there and take it for its own server.
  await assertPortFree(options.port, 'Temporal', 'Is Temporal already running? Set TEMPORAL_ADDRESS to use it, or TEMPORAL_PORT to choose another port.');
  if (!options.headless) await assertPortFree(options.uiPort, 'Temporal UI', 'Set TEMPORAL_UI_PORT to choose another port.');
  const dbFile = path.join(options.dataDir, 'temporal.sqlite');
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--db-filename', dbFile,
    '--namespace', options.namespace,
    '--log-level', 'error',
    // SQLite's default journal syncs the disk on every write, which bounds the server at a few dozen
    // workflows a second on this kind of machine; a write-ahead log synced at checkpoints is 3 to 4
    // times faster and still loses nothing when a process is killed (only a power cut may lose the
    // last moments; production runs on PostgreSQL).
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    ...(options.headless ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([name, value]) => ['--dynamic-config-value', `${name}=${JSON.stringify(value)}`]),
  ];
  const pidFileInfo = JSON.stringify({ port: options.port, dbFile });
  const child = spawn(process.execPath, [SUPERVISOR, path.join(options.dataDir, DEV_SERVER_PID_FILE), pidFileInfo, options.cliPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  child.on('exit', () => (exited = true));

  const address = `127.0.0.1:${options.port}`;
  let connection: Connection;
  try {
    connection = await connectTemporal(address, { isAlive: () => !exited, tls: null });
    await ensureSearchAttributes(connection, options.namespace);
  } catch (error) {
    await stopProcess(child);
    throw new Error(`The Temporal dev server did not start: ${(error as Error).message}\n${output.trim()}`);
  }
  return {
    address,
    uiUrl: options.headless ? undefined : `http://localhost:${options.uiPort}`,
    connection,
    async stop() {
      await connection.close();
      await stopProcess(child);
    },
  };
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // Later than the supervisor's own SIGKILL to the server, so that this one is a last resort.
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
