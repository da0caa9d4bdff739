import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * The one seam between the SCIM directory and its database: the same SQL runs on PGlite (embedded,
 * the default) and on a PostgreSQL server through `pg`. Both take `$n` placeholders and answer rows,
 * so nothing above this file knows which engine it talks to.
 *
 * PGlite's own `node-postgres` adapter and `pglite-socket` are not used: both drop the connection
 * after the first query error (measured), and a SCIM service provider meets unique violations daily.
 */

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One statement with bound parameters; values are never spliced into `sql`. */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly engine: 'pglite' | 'postgresql';
  /** Runs `body` in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(body: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A database error reduced to what callers branch on. PGlite attaches the query and its bound
 * parameters to its errors; those can hold personal data, so they are dropped here before any
 * caller can log them.
 */
export class DbError extends Error {
  constructor(
    message: string,
    /** The SQLSTATE, e.g. 23505 for a unique violation. */
    readonly code: string | undefined,
    /** The violated constraint or index, when there is one. */
    readonly constraint: string | undefined,
  ) {
    super(message);
    this.name = 'DbError';
  }
}

function asDbError(error: unknown): unknown {
  if (error instanceof DbError || !(error instanceof Error)) return error;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  // Only errors the server reported carry a five-character SQLSTATE; anything else (a dropped
  // connection, a bug) stays as it is.
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return error;
  return new DbError(error.message, code, typeof constraint === 'string' ? constraint : undefined);
}

async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asDbError(error);
  }
}

/** PGlite persisted in `dir`. Only one process may open a directory: the caller holds the lock. */
export async function openPglite(dir: string): Promise<Db> {
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const on = (target: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable => ({
    query: <T extends Row>(sql: string, params: readonly unknown[] = []) =>
      translated(async () => (await target.query<T>(sql, params as unknown[])).rows),
    exec: (sql) => translated(async () => void (await target.exec(sql))),
  });
  return {
    engine: 'pglite',
    ...on(db),
    // PGlite has one backend: a transaction holds it, and queries from elsewhere wait their turn,
    // which is what makes read-modify-write here trivially atomic.
    tx: (body) => translated(() => db.transaction((tx) => body(on(tx)))),
    close: () => db.close(),
  };
}

/** A pool of connections to the PostgreSQL server `url` names. */
export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server closes emits 'error' on the pool, which would otherwise end the
  // process; the next query simply gets a fresh connection. The URL (with its password) is not printed.
  pool.on('error', (error) => process.stderr.write(`scim directory: an idle PostgreSQL connection failed: ${error.message}\n`));
  const on = (target: pg.Pool | pg.PoolClient): Queryable => ({
    query: <T extends Row>(sql: string, params: readonly unknown[] = []) =>
      translated(async () => (await target.query<T>(sql, params as unknown[])).rows),
    exec: (sql) => translated(async () => void (await target.query(sql))),
  });
  // Fail at open, not on the first SCIM request, when the server is unreachable or refuses us.
  try {
    await translated(() => pool.query('select 1'));
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    engine: 'postgresql',
    ...on(pool),
    tx: (body) =>
      translated(async () => {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          await client.query('begin');
          const result = await body(on(client));
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
          throw error;
        } finally {
          // A connection that could not even roll back is discarded rather than reused.
          client.release(broken);
        }
      }),
    close: () => pool.end(),
  };
}
