import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './database.ts';

/**
 * Brings the schema up to date: the numbered plain-SQL files in `migrations/`, in order, each
 * applied once and recorded with its checksum. The same files run on PGlite and on PostgreSQL, which
 * is why this is forty lines of our own rather than a migration library (those need a `pg` client,
 * and the `pg`-over-PGlite bridges are broken).
 */

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** An arbitrary constant: the advisory lock every Tenure instance takes to migrate. */
const MIGRATION_LOCK = 7_426_001;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file)).sort();
  const migrations = await Promise.all(files.map(async (file) => ({ version: file, sql: await readFile(path.join(dir, file), 'utf8') })));
  return db.tx(async (q) => {
    // Several intake replicas on one PostgreSQL server start together; one migrates, the others
    // wait here and then find nothing left to do. Released at commit.
    await q.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await q.exec(`create table if not exists schema_migrations (
      version     text primary key,
      checksum    text not null,
      applied_at  timestamptz not null default now()
    )`);
    const applied = new Map(
      (await q.query<{ version: string; checksum: string }>('select version, checksum from schema_migrations')).map((row) => [row.version, row.checksum]),
    );
    const known = new Set(files);
    const unknown = [...applied.keys()].filter((version) => !known.has(version));
    if (unknown.length > 0) {
      throw new MigrationError(
        `the SCIM directory's database has migrations this Tenure does not know (${unknown.join(', ')}): it was used by a newer Tenure; run that version`,
      );
    }
    const ran: string[] = [];
    for (const { version, sql } of migrations) {
      const sum = checksum(sql);
      const recorded = applied.get(version);
      if (recorded === sum) continue;
      if (recorded !== undefined) {
        // Applying an edited migration again is impossible and skipping it would leave a schema no
        // one wrote down: refuse, and let a person decide.
        throw new MigrationError(
          `migration ${version} was changed after it was applied to this database (checksum ${recorded.slice(0, 12)}… recorded, ${sum.slice(0, 12)}… now); restore the file, or add a new migration instead of editing an applied one`,
        );
      }
      await q.exec(sql);
      await q.query('insert into schema_migrations (version, checksum) values ($1, $2)', [version, sum]);
      ran.push(version);
    }
    return ran;
  });
}
