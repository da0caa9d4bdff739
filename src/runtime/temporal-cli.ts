import { spawn } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** The newest tag `go install` accepts: later ones carry replace directives in their go.mod. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then PATH, then the project's tools folder,
 * building it there with Go when it is nowhere to be found.
 */
export async function locateTemporalCli(
  toolsDir: string,
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => console.error(line),
): Promise<string> {
  const configured = env.TEMPORAL_CLI_PATH;
  if (configured) {
    if (await isExecutable(configured)) return configured;
    throw new Error(`TEMPORAL_CLI_PATH is set to ${configured}, but no executable is there`);
  }
  const onPath = await findOnPath('temporal', env);
  if (onPath) return onPath;

  const binDir = path.join(toolsDir, 'bin');
  const local = path.join(binDir, 'temporal');
  if (await isExecutable(local)) return local;

  const go = await findOnPath('go', env);
  if (!go) {
    throw new Error(
      'The Temporal CLI was not found and Go is not installed to build it.\n' +
        'Install one of them:\n' +
        '  - the Temporal CLI: https://docs.temporal.io/cli#install, then put `temporal` on PATH or set TEMPORAL_CLI_PATH;\n' +
        `  - Go 1.23 or newer (https://go.dev/dl/); Tenure then runs \`go install ${TEMPORAL_CLI_MODULE}\` itself.`,
    );
  }
  await mkdir(binDir, { recursive: true });
  log(`Building the Temporal CLI with Go into ${binDir}. The first build takes several minutes; later starts reuse it.`);
  await run(go, ['install', TEMPORAL_CLI_MODULE], { ...env, GOBIN: binDir });
  if (!(await isExecutable(local))) throw new Error(`go install finished, but ${local} is missing`);
  log('The Temporal CLI is built.');
  return local;
}
