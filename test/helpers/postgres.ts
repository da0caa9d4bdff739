import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL server for tests: initdb into a temporary directory, started on a free
 * loopback port, stopped and removed afterwards. It uses Debian's packaged server (`.ci/run`
 * installs it). It never skips: a suite that asks for PostgreSQL and cannot have it fails, saying
 * how to install it.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
 * `postgres` user the Debian package creates.
 */

export interface ThrowawayPostgres {
  /** A URL to a new, empty database on this server. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'install the PostgreSQL server with `apt-get install -y postgresql` (.ci/run does this)';

/** initdb and pg_ctl: on PATH, or where Debian puts them (/usr/lib/postgresql/<version>/bin), newest first. */
function serverBin(): string {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).find((dir) => dir && existsSync(path.join(dir, 'pg_ctl')) && existsSync(path.join(dir, 'initdb')));
  if (onPath) return onPath;
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(debian, v, 'bin')).find((dir) => existsSync(path.join(dir, 'pg_ctl')));
  if (!found) throw new Error(`PostgreSQL's initdb and pg_ctl were not found on PATH or under ${debian}: ${INSTALL_HINT}`);
  return found;
}

/** The uid and gid to run the server as: ours, or the `postgres` user's when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(`running as root, and there is no \`postgres\` user to run PostgreSQL as (it refuses root): ${INSTALL_HINT}`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...user, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${path.basename(bin)} ${args[0]} failed (exit ${code}):\n${output}`))));
  });
}

export async function startPostgres(): Promise<ThrowawayPostgres> {
  const bin = serverBin();
  const user = serverUser();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenure-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = path.join(dir, 'data');
  const port = await freePort();
  // Trust on loopback only, and no fsync: a throwaway server for tests, never a real one.
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'tenure', '--auth=trust', '-E', 'UTF8', '--no-sync'], user);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=100`;
  await run(path.join(bin, 'pg_ctl'), ['start', '-w', '-D', data, '-l', path.join(dir, 'server.log'), '-o', options], user);
  const stopSync = () => {
    try {
      execFileSync(path.join(bin, 'pg_ctl'), ['stop', '-m', 'immediate', '-D', data], { ...user, stdio: 'ignore' });
    } catch {
      // Already stopped.
    }
  };
  // A test process that dies without its afterAll must not leave a server behind.
  process.once('exit', stopSync);
  const admin = `postgres://tenure@127.0.0.1:${port}/postgres`;
  return {
    async createDatabase() {
      const name = `t_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client(admin);
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://tenure@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      process.removeListener('exit', stopSync);
      await run(path.join(bin, 'pg_ctl'), ['stop', '-m', 'fast', '-D', data], user).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
