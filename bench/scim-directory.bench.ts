import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPglite, openPostgres, type Db } from '../src/scim/directory/database.ts';
import { parseScimFilter } from '../src/scim/directory/filter-sql.ts';
import { migrate } from '../src/scim/directory/migrate.ts';
import { sqlDirectory } from '../src/scim/directory/sql-directory.ts';
import { ENTERPRISE_USER_SCHEMA } from '../src/scim/directory/user-schema.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { percentile, printTable } from './report.ts';

/**
 * The SCIM directory with 100,000 users in one integration (TENURE_BENCH_SCIM_USERS sets the
 * number), on PGlite and on PostgreSQL: createUser per second, a `userName eq` filter and a
 * 100-row page at a random startIndex, each through the directory as the SCIM layer calls it.
 * PostgreSQL is a throwaway server from Debian's packages (fsync off, like PGlite), or the server
 * TENURE_BENCH_DATABASE_URL names (its database must be empty: the benchmark writes to it).
 *
 * The users are laid down with one INSERT … SELECT per 10,000 rather than 100,000 creates, which
 * would take minutes, and the directory is then opened on them; the creates measured run
 * afterwards, against the full directory.
 */

const DEFAULT_USERS = 100_000;
const SEED_BATCH = 10_000;
const CREATES = 1_000;
const LOOKUPS = 1_000;
const PAGES = 200;
const PAGE_SIZE = 100;
const INTEGRATION = 'bench';

interface Figures {
  engine: string;
  seedMs: number;
  createsPerSecond: number;
  concurrentCreatesPerSecond: number;
  lookup: [number, number];
  page: [number, number];
}

/** `count` users like those Okta provisions: name, a work email, the enterprise extension. */
async function seed(db: Db, count: number): Promise<void> {
  await db.query('insert into scim_integrations (name, token_hash) values ($1, $2)', [INTEGRATION, 'not-a-real-hash']);
  for (let from = 1; from <= count; from += SEED_BATCH) {
    await db.query(
      `insert into scim_users (integration, user_name, external_id, active, resource)
       select $1, 'user.' || i || '@example.com', 'okta-' || i, true,
         jsonb_build_object(
           'name', jsonb_build_object('givenName', 'User', 'familyName', 'Number' || i),
           'emails', jsonb_build_array(jsonb_build_object('value', 'user.' || i || '@example.com', 'type', 'work', 'primary', true)),
           $4::text, jsonb_build_object('department', 'Department ' || (i % 50), 'employeeNumber', i::text))
       from generate_series($2::int, $3::int) as i`,
      [INTEGRATION, from, Math.min(count, from + SEED_BATCH - 1), ENTERPRISE_USER_SCHEMA],
    );
  }
}

const randomIndex = (below: number) => 1 + Math.floor(Math.random() * below);

function percentiles(samples: number[]): [number, number] {
  const sorted = Float64Array.from(samples).sort();
  return [percentile(sorted, 0.5), percentile(sorted, 0.95)];
}

async function measure(engine: string, db: Db, users: number): Promise<Figures> {
  await migrate(db);
  let started = performance.now();
  await seed(db, users);
  const seedMs = performance.now() - started;
  // A server's autovacuum analyzes the new rows within a minute or so; here it is not waited for.
  if (db.engine === 'postgresql') await db.exec('vacuum (analyze) scim_users');
  // As a restart after provisioning: the directory opens on a full database (on PGlite, vacuuming
  // and analyzing it first, as it also does every fifth of the table's worth of changes).
  const directory = await sqlDirectory(db);

  const newUser = (name: string) => ({
    userName: `${name}@example.com`,
    externalId: undefined,
    active: true,
    resource: { name: { givenName: 'New', familyName: name }, emails: [{ value: `${name}@example.com`, type: 'work', primary: true }] },
  });
  started = performance.now();
  for (let index = 0; index < CREATES; index++) await directory.createUser(INTEGRATION, newUser(`created.${index}`));
  const createsPerSecond = CREATES / ((performance.now() - started) / 1000);
  // Eight at a time, as concurrent SCIM requests arrive: PGlite queues them, PostgreSQL runs them side by side.
  started = performance.now();
  for (let index = 0; index < CREATES; index += 8) {
    await Promise.all(Array.from({ length: 8 }, (_, offset) => directory.createUser(INTEGRATION, newUser(`concurrent.${index + offset}`))));
  }
  const concurrentCreatesPerSecond = CREATES / ((performance.now() - started) / 1000);

  const lookups: number[] = [];
  for (let index = 0; index < LOOKUPS; index++) {
    const userName = `USER.${randomIndex(users)}@Example.com`;
    const began = performance.now();
    const found = await directory.listUsers(INTEGRATION, { filter: parseScimFilter(`userName eq "${userName}"`), startIndex: 1, count: 100 });
    lookups.push(performance.now() - began);
    if (found.totalResults !== 1) throw new Error(`${engine}: ${userName} was not found`);
  }

  const pages: number[] = [];
  for (let index = 0; index < PAGES; index++) {
    const startIndex = randomIndex(users - PAGE_SIZE);
    const began = performance.now();
    const page = await directory.listUsers(INTEGRATION, { startIndex, count: PAGE_SIZE });
    pages.push(performance.now() - began);
    if (page.resources.length !== PAGE_SIZE) throw new Error(`${engine}: page at ${startIndex} had ${page.resources.length} users`);
  }
  await directory.close();
  return { engine, seedMs, createsPerSecond, concurrentCreatesPerSecond, lookup: percentiles(lookups), page: percentiles(pages) };
}

export async function run(): Promise<void> {
  const users = Number(process.env.TENURE_BENCH_SCIM_USERS ?? DEFAULT_USERS);
  if (!Number.isInteger(users) || users <= PAGE_SIZE) throw new Error('TENURE_BENCH_SCIM_USERS must be a whole number above 100');
  process.stderr.write(`\nscim-directory: ${users.toLocaleString('en-US')} users in one integration, on PGlite and on PostgreSQL…\n`);
  const figures: Figures[] = [];

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tenure-bench-scim-'));
  try {
    figures.push(await measure('PGlite (embedded)', await openPglite(path.join(dataDir, 'scim-directory')), users));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }

  const given = process.env.TENURE_BENCH_DATABASE_URL;
  const server = given ? undefined : await startPostgres();
  try {
    const url = given ?? (await server!.createDatabase());
    figures.push(await measure(given ? 'PostgreSQL (TENURE_BENCH_DATABASE_URL)' : 'PostgreSQL 15 (throwaway, fsync off)', await openPostgres(url), users));
  } finally {
    await server?.stop();
  }

  const ms = (value: number) => value.toFixed(2);
  console.log(`\nSCIM directory, ${users.toLocaleString('en-US')} users in one integration (targets on the embedded engine: userName eq p95 < 20 ms, 100-row page p95 < 50 ms)\n`);
  printTable(
    ['engine', 'seed (s)', 'createUser/s', 'createUser/s (8 at once)', 'userName eq p50 ms', 'p95 ms', '100-row page p50 ms', 'p95 ms'],
    figures.map((each) => [
      each.engine,
      (each.seedMs / 1000).toFixed(1),
      each.createsPerSecond.toFixed(0),
      each.concurrentCreatesPerSecond.toFixed(0),
      ms(each.lookup[0]),
      ms(each.lookup[1]),
      ms(each.page[0]),
      ms(each.page[1]),
    ]),
  );
}
