import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../src/runtime/config.ts';
import { freePort } from '../../src/runtime/ports.ts';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../../src/scim/schema-definitions.ts';

/**
 * A real third-party SCIM 2.0 service provider for the SCIM target's tests: PyPI's scim2-server
 * (in memory, RFC 7643 schemas, Users and Groups, every feature unless told otherwise), on a free
 * loopback port with a bearer token of its own. It never skips: a suite that asks for it and
 * cannot have it fails, saying how to install it.
 */
export interface Scim2Server {
  /** The SCIM base URL (the server serves at its root). */
  url: string;
  token: string;
  stop(): Promise<void>;
}

export interface Scim2ServerOptions {
  /** Announced as its /ServiceProviderConfig instead of "every feature" (and a PATCH is refused with 501 when it says so). */
  serviceProviderConfig?: Record<string, unknown>;
  /** false: its /ResourceTypes lists the User type alone, as an application without groups answers. */
  groups?: boolean;
}

const USER_RESOURCE_TYPE = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
};

export const SCIM2_SERVER_VERSION = '0.8.3';
const VENV = path.join(projectRoot, '.tools/scim-venv');
const INSTALL_HINT =
  `install it with \`python3 -m venv .tools/scim-venv && .tools/scim-venv/bin/pip install scim2-server==${SCIM2_SERVER_VERSION}\` ` +
  '(.ci/run does this), or set SCIM2_SERVER_BIN to a scim2-server executable';

function serverBin(): string {
  const fromEnv = process.env.SCIM2_SERVER_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`SCIM2_SERVER_BIN names ${fromEnv}, which does not exist: ${INSTALL_HINT}`);
    return fromEnv;
  }
  const inVenv = path.join(VENV, 'bin/scim2-server');
  if (existsSync(inVenv)) return inVenv;
  throw new Error(`scim2-server was not found (neither SCIM2_SERVER_BIN nor ${inVenv}): ${INSTALL_HINT}`);
}

const STARTUP_TIMEOUT_MS = 30_000;

export async function startScim2Server(options: Scim2ServerOptions = {}): Promise<Scim2Server> {
  const bin = serverBin();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenure-scim2-server-'));
  const port = await freePort();
  const token = randomBytes(24).toString('base64url');
  // In one argument: a token starting with "-" would otherwise be read by argparse as an option.
  const args = ['--hostname', '127.0.0.1', '--port', String(port), `--bearer-token=${token}`];
  if (options.serviceProviderConfig) {
    const file = path.join(dir, 'service-provider-config.json');
    await writeFile(file, JSON.stringify(options.serviceProviderConfig));
    args.push('--service-provider-config', file);
  }
  if (options.groups === false) {
    const file = path.join(dir, 'resource-types.json');
    await writeFile(file, JSON.stringify([USER_RESOURCE_TYPE]));
    args.push('--resource-type', file);
  }
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Its request log would name the paths only; the token is never printed by it nor by us.
  child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exit ${code ?? signal}`;
      resolve();
    }),
  );
  child.once('error', (error) => (exited = error.message));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      await exit;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`scim2-server stopped while starting (${exited}):\n${output.replaceAll(token, '<token>')}`);
    }
    const answer = await fetch(`${url}/ServiceProviderConfig`, { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
    if (answer?.ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`scim2-server did not answer on ${url} within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output.replaceAll(token, '<token>')}`);
    }
    await sleep(100);
  }
  return { url, token, stop };
}
