import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { projectRoot } from '../../src/runtime/config.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/tenure.mjs …` as a person at a terminal would, and returns what they would see. */
export function tenure(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/tenure.mjs', ...args], { cwd: projectRoot, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nothing listens on: taken from the system, then given back. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
