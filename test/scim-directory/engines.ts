import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startPostgres, type ThrowawayPostgres } from '../helpers/postgres.ts';
import type { DirectoryOptions } from '../../src/scim/directory/open.ts';

/**
 * The two engines every SCIM directory suite runs on: PGlite in a temporary data directory, and a
 * throwaway PostgreSQL server (a new database for each `options()`).
 */
export interface Engine {
  name: 'PGlite' | 'PostgreSQL';
  /** Options for openScimDirectory naming a place of its own. */
  options(): Promise<DirectoryOptions>;
  /** Removes everything the engine made. */
  cleanUp(): Promise<void>;
}

export function pgliteEngine(): Engine {
  const dirs: string[] = [];
  return {
    name: 'PGlite',
    async options() {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tenure-scim-'));
      dirs.push(dataDir);
      return { dataDir };
    },
    async cleanUp() {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

export function postgresEngine(): Engine {
  let server: Promise<ThrowawayPostgres> | undefined;
  return {
    name: 'PostgreSQL',
    async options() {
      server ??= startPostgres();
      // dataDir is unused with a database URL; it must still be given, and must not be written.
      return { databaseUrl: await (await server).createDatabase(), dataDir: '/nonexistent/tenure-data' };
    },
    async cleanUp() {
      if (server) await (await server).stop();
    },
  };
}

export const engines = () => [pgliteEngine(), postgresEngine()];
