import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScimFilter } from '../../src/scim/directory/filter-sql.ts';
import { openPglite } from '../../src/scim/directory/database.ts';
import { migrate } from '../../src/scim/directory/migrate.ts';
import { embeddedDirectoryPath, openScimDirectory } from '../../src/scim/directory/open.ts';
import { sqlDirectory } from '../../src/scim/directory/sql-directory.ts';

/** What only the embedded engine has to prove: it keeps what it acknowledged, and one process owns it. */

const CHILD = fileURLToPath(new URL('./open-directory-child.ts', import.meta.url));
const dirs: string[] = [];
const newDataDir = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenure-scim-embedded-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Starts the child process on `dataDir`; `firstLine` is what it printed first, `exited` its exit code. */
function child(dataDir: string, mode: 'open' | 'create-and-hang') {
  const process_ = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: process_.stdout });
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    process_.once('exit', (code) => reject(new Error(`the child exited (${code}) without a word`)));
  });
  const exited = new Promise<number | null>((resolve) => process_.once('exit', (code, signal) => resolve(signal ? -1 : code)));
  return { process: process_, firstLine, exited };
}

describe('the embedded SCIM directory (PGlite)', () => {
  it('keeps everything it acknowledged across a close and a reopen', async () => {
    const dataDir = await newDataDir();
    const first = await openScimDirectory({ dataDir });
    await first.createIntegration('okta', 'hash-1');
    const kept = await first.createUser('okta', { userName: 'kept@example.com', externalId: 'x1', active: true, resource: { title: 'Engineer' } });
    const changed = await first.updateUser('okta', kept.id, (current) => ({ ...current, active: false }));
    const gone = await first.createUser('okta', { userName: 'gone@example.com', externalId: undefined, active: true, resource: {} });
    await first.deleteUser('okta', gone.id);
    const group = await first.createGroup('okta', { displayName: 'Staff', externalId: undefined, members: [kept.id] });
    const pending = await first.pendingChanges(100);
    await first.close();

    const second = await openScimDirectory({ dataDir });
    try {
      expect(await second.getIntegration('okta')).toMatchObject({ tokenHash: 'hash-1', enabled: true });
      expect(await second.getUser('okta', kept.id)).toEqual(changed);
      expect(await second.getUser('okta', gone.id)).toBeUndefined();
      expect(await second.getGroup('okta', group.id)).toEqual(group);
      expect(await second.pendingChanges(100)).toEqual(pending);
      expect(pending).toHaveLength(5);
      // New users still come after the old ones: the order Okta's import pages in survives the restart.
      await second.createUser('okta', { userName: 'after@example.com', externalId: undefined, active: true, resource: {} });
      expect((await second.listUsers('okta', { startIndex: 1, count: 10 })).resources.map((user) => user.userName)).toEqual([
        'kept@example.com',
        'after@example.com',
      ]);
    } finally {
      await second.close();
    }
  });

  it('refuses a second process while one has it open, and lets it in once closed', async () => {
    const dataDir = await newDataDir();
    const owner = await openScimDirectory({ dataDir });
    const refused = child(dataDir, 'open');
    const message = await refused.firstLine;
    expect(message).toMatch(/^refused: the SCIM directory .* is in use: process \d+ has it open/);
    expect(message).toContain(String(process.pid));
    expect(message).toContain('TENURE_DATABASE_URL');
    expect(await refused.exited).toBe(3);
    // The owner was not disturbed.
    await owner.createIntegration('still-mine', 'h');
    await owner.close();

    const admitted = child(dataDir, 'open');
    expect(await admitted.firstLine).toBe('opened');
    expect(await admitted.exited).toBe(0);
  });

  it('refuses a second open within the same process', async () => {
    const dataDir = await newDataDir();
    const owner = await openScimDirectory({ dataDir });
    try {
      await expect(openScimDirectory({ dataDir })).rejects.toThrow(/is in use: this process already has it open/);
    } finally {
      await owner.close();
    }
    // Closing released it.
    await (await openScimDirectory({ dataDir })).close();
  });

  it('after its owner is killed mid-flight, takes over the stale lock and has every acknowledged write', async () => {
    const dataDir = await newDataDir();
    const victim = child(dataDir, 'create-and-hang');
    const { created } = JSON.parse(await victim.firstLine) as { created: string };
    victim.process.kill('SIGKILL');
    expect(await victim.exited).toBe(-1);

    const directory = await openScimDirectory({ dataDir });
    try {
      expect(await directory.getUser('crashed', created)).toMatchObject({ userName: 'survivor@example.com' });
      const found = await directory.listUsers('crashed', { filter: parseScimFilter('userName eq "SURVIVOR@example.com"'), startIndex: 1, count: 1 });
      expect(found.totalResults).toBe(1);
      expect((await directory.pendingChanges(10)).map((entry) => entry.userId)).toEqual([created]);
    } finally {
      await directory.close();
    }
  });

  it('keeps the planner statistics current itself, as PGlite has no autovacuum', async () => {
    const db = await openPglite(path.join(await newDataDir(), 'scim-directory'));
    await migrate(db);
    const directory = await sqlDirectory(db);
    const estimatedUsers = async () => Number((await db.query(`select reltuples::float8 as n from pg_class where relname = 'scim_users'`))[0]!.n);
    try {
      expect(await estimatedUsers()).toBe(0);
      await directory.createIntegration('okta', 'h');
      // 300 creates are 600 changed rows, past the first threshold of 500.
      for (let index = 0; index < 300; index++) await directory.createUser('okta', { userName: `u${index}@example.com`, externalId: undefined, active: true, resource: {} });
      // PGlite runs queries in turn, so this one waits for the vacuum the creates started.
      expect(await estimatedUsers()).toBeGreaterThanOrEqual(250);
    } finally {
      await directory.close();
    }
  });

  it('takes over a lock file naming a process that no longer runs', async () => {
    const dataDir = await newDataDir();
    const finished = spawn(process.execPath, ['-e', '']);
    const deadPid = finished.pid!;
    await new Promise((resolve) => finished.once('exit', resolve));
    await writeFile(`${embeddedDirectoryPath(dataDir)}.lock`, `${deadPid}\nsome-nonce\n`);
    await (await openScimDirectory({ dataDir })).close();
  });
});
