import { createHash } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, openPostgres, type Db } from '../../src/scim/directory/database.ts';
import { migrate, MIGRATIONS_DIR } from '../../src/scim/directory/migrate.ts';
import { openScimDirectory } from '../../src/scim/directory/open.ts';
import { pgliteEngine, postgresEngine, type Engine } from './engines.ts';

/** The schema's migrations, on both engines: applied once each, recorded with a checksum, edits refused. */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The migrations Tenure ships, in order. */
const SHIPPED = ['0001_scim.sql', '0002_outbox_undeliverable.sql'];

describe.each([['PGlite'], ['PostgreSQL']] as const)('SCIM directory migrations on %s', (engineName) => {
  const engine: Engine = engineName === 'PGlite' ? pgliteEngine() : postgresEngine();
  const scratch: string[] = [];
  let db: Db;
  let migrations: string;

  const openDb = async () => {
    const options = await engine.options();
    return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(path.join(options.dataDir, 'db'));
  };

  beforeAll(async () => {
    db = await openDb();
    // A copy of the shipped migrations, so a test can edit one as a careless developer would.
    migrations = await mkdtemp(path.join(os.tmpdir(), 'tenure-migrations-'));
    scratch.push(migrations);
    await cp(MIGRATIONS_DIR, migrations, { recursive: true });
  });
  afterAll(async () => {
    await db?.close();
    await engine.cleanUp();
    await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('applies each migration once and records its checksum', async () => {
    expect(await migrate(db, migrations)).toEqual(SHIPPED);
    expect(await migrate(db, migrations)).toEqual([]);
    const recorded = await db.query('select version, checksum from schema_migrations order by version');
    expect(recorded).toEqual(
      await Promise.all(SHIPPED.map(async (version) => ({ version, checksum: sha256(await readFile(path.join(MIGRATIONS_DIR, version), 'utf8')) }))),
    );
  });

  it('applies a new migration on the next run', async () => {
    await writeFile(path.join(migrations, '0900_extra.sql'), 'create table extra_for_test (x integer);');
    expect(await migrate(db, migrations)).toEqual(['0900_extra.sql']);
    expect(await db.query('select count(*)::int as n from extra_for_test')).toEqual([{ n: 0 }]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    await appendFile(path.join(migrations, '0001_scim.sql'), '\ncreate table sneaked_in (x integer);\n');
    await expect(migrate(db, migrations)).rejects.toThrow(/migration 0001_scim\.sql was changed after it was applied/);
    expect(await db.query(`select to_regclass('sneaked_in') as t`)).toEqual([{ t: null }]);
  });

  it('an outbox row written before 0002 is still pending after it', async () => {
    const older = await mkdtemp(path.join(os.tmpdir(), 'tenure-migrations-0001-'));
    scratch.push(older);
    await cp(path.join(MIGRATIONS_DIR, '0001_scim.sql'), path.join(older, '0001_scim.sql'));
    const fresh = await openDb();
    try {
      await migrate(fresh, older);
      await fresh.query(`insert into scim_outbox (integration, user_id, record) values ('okta', 'u1', '{"active": true}')`);
      expect(await migrate(fresh)).toEqual(['0002_outbox_undeliverable.sql']);
      expect(await fresh.query('select user_id from scim_outbox where undeliverable_at is null')).toEqual([{ user_id: 'u1' }]);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a database that a newer Tenure migrated', async () => {
    const fresh = await openDb();
    try {
      await migrate(fresh);
      await fresh.query(`insert into schema_migrations (version, checksum) values ('9999_future.sql', 'x')`);
      await expect(migrate(fresh)).rejects.toThrow(/migrations this Tenure does not know \(9999_future\.sql\)/);
    } finally {
      await fresh.close();
    }
  });

  it('will not open a directory whose recorded migration differs, and leaves it openable once fixed', async () => {
    const options = await engine.options();
    await (await openScimDirectory(options)).close();
    const tamper = async (checksum: string) => {
      const raw = options.databaseUrl ? await openPostgres(options.databaseUrl) : await openPglite(path.join(options.dataDir, 'scim-directory'));
      try {
        const [row] = await raw.query<{ checksum: string }>(`select checksum from schema_migrations where version = '0001_scim.sql'`);
        await raw.query(`update schema_migrations set checksum = $1 where version = '0001_scim.sql'`, [checksum]);
        return row!.checksum;
      } finally {
        await raw.close();
      }
    };
    const original = await tamper('0000tampered');
    await expect(openScimDirectory(options)).rejects.toThrow(/was changed after it was applied/);
    // The refusal released the embedded lock: the next open fails for the same reason, not "in use".
    await expect(openScimDirectory(options)).rejects.toThrow(/was changed after it was applied/);
    await tamper(original);
    await (await openScimDirectory(options)).close();
  });

  if (engineName === 'PostgreSQL') {
    it('lets several Tenure processes start on one fresh database at once: one migrates, the others wait', async () => {
      const options = await engine.options();
      const directories = await Promise.all(Array.from({ length: 4 }, () => openScimDirectory(options)));
      await Promise.all(directories.map((directory) => directory.close()));
      const raw = await openPostgres(options.databaseUrl!);
      try {
        expect(await raw.query('select version from schema_migrations order by version')).toEqual(SHIPPED.map((version) => ({ version })));
      } finally {
        await raw.close();
      }
    });
  }
});
