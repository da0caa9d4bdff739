import type { Db, Queryable } from './database.ts';
import { policyRecord, type PolicyRecord } from './policy-record.ts';
import { toOutboxEntry, toUser, USER_COLUMNS } from './rows.ts';
import type { OutboxEntry } from './types.ts';

/**
 * The transactional outbox: a change the directory acknowledges and the row that tells the identity
 * workflow about it commit together or not at all, so a change cannot be lost between the database
 * and Temporal. Rows are deleted once delivered.
 */

async function append(q: Queryable, integration: string, rows: { userId: string; record: PolicyRecord | null }[]): Promise<void> {
  if (rows.length === 0) return;
  // One JSON array parameter rather than a jsonb[]: the two drivers encode arrays of JSON differently,
  // and `with ordinality` keeps the rows' order, which is the order of delivery.
  await q.query(
    `insert into scim_outbox (integration, user_id, record)
     select $1, change->>'userId', nullif(change->'record', 'null'::jsonb)
     from jsonb_array_elements($2::jsonb) with ordinality as c(change, position)
     order by position`,
    [integration, JSON.stringify(rows)],
  );
}

/**
 * Writes the current record of each user (by seq), groups included, as committed. On PostgreSQL,
 * under READ COMMITTED, a group's rename or delete racing a user's deactivation would each read the
 * other's row as it was before and the later outbox row could carry the stale half. So the users
 * are locked first (in seq order, so that two writers cannot deadlock on them), and only then read,
 * by a new statement, which sees everything committed before the locks were granted. The row lock
 * is NO KEY UPDATE: it waits for any other writer of these users' records, but not for the KEY
 * SHARE locks that adding a membership takes. On PGlite, with one connection, it changes nothing.
 */
export async function recordUsers(q: Queryable, integration: string, userSeqs: readonly number[]): Promise<void> {
  if (userSeqs.length === 0) return;
  await q.query('select seq from scim_users where seq = any($1::bigint[]) order by seq for no key update', [[...userSeqs]]);
  const users = await q.query(
    `select ${USER_COLUMNS},
       array(select g.display_name from scim_group_members gm join scim_groups g on g.seq = gm.group_seq where gm.user_seq = u.seq) as group_names
     from scim_users u where u.seq = any($1::bigint[]) order by u.seq`,
    [[...userSeqs]],
  );
  await append(
    q,
    integration,
    users.map((row) => ({ userId: String(row.id), record: policyRecord(toUser(row), row.group_names as string[]) })),
  );
}

/** Writes a user's record as it is known without reading it back (a create: no groups yet). */
export const recordUser = (q: Queryable, integration: string, userId: string, record: PolicyRecord) =>
  append(q, integration, [{ userId, record }]);

/** Writes a leaver (a null record) for each user id: the users are gone from the integration. */
export const recordDeletions = (q: Queryable, integration: string, userIds: readonly string[]) =>
  append(q, integration, userIds.map((userId) => ({ userId, record: null })));

export async function pendingChanges(db: Db, limit: number): Promise<OutboxEntry[]> {
  const rows = await db.query('select seq, integration, user_id, record, created_at from scim_outbox where undeliverable_at is null order by seq limit $1', [
    Math.max(0, Math.floor(limit)),
  ]);
  return rows.map(toOutboxEntry);
}

/** Sets a row aside: kept, no longer pending, so the rows after it are delivered. */
export async function markUndeliverable(db: Db, seq: number, reason: string): Promise<void> {
  await db.query('update scim_outbox set undeliverable_at = now(), undeliverable_reason = $2 where seq = $1', [seq, reason]);
}

/** How many rows each integration has set aside. */
export async function undeliverableCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db.query('select integration, count(*)::int as count from scim_outbox where undeliverable_at is not null group by integration');
  return new Map(rows.map((row) => [String(row.integration), Number(row.count)]));
}

/**
 * Gives an integration's set-aside changes another try (`tenure scim retry`), once whatever made
 * Temporal refuse them is put right. A set-aside row may be older than changes of the same user
 * delivered since, and delivering it now would take the identity back to an older state (a leaver
 * undone); so the rows are dropped and each of their users gets one new row with what the
 * directory holds now (a leaver when the user is gone). Answers how many users that is.
 */
export async function retryUndeliverable(db: Db, integration: string): Promise<{ resent: number }> {
  return db.tx(async (q) => {
    const dropped = await q.query('delete from scim_outbox where integration = $1 and undeliverable_at is not null returning user_id', [integration]);
    const userIds = [...new Set(dropped.map((row) => String(row.user_id)))];
    if (userIds.length === 0) return { resent: 0 };
    const present = await q.query('select seq, id from scim_users where integration = $1 and id::text = any($2::text[])', [integration, userIds]);
    await recordUsers(q, integration, present.map((row) => Number(row.seq)));
    const gone = new Set(userIds);
    for (const row of present) gone.delete(String(row.id));
    await recordDeletions(q, integration, [...gone]);
    return { resent: userIds.length };
  });
}

export async function markDelivered(db: Db, seqs: readonly number[]): Promise<void> {
  if (seqs.length > 0) await db.query('delete from scim_outbox where seq = any($1::bigint[])', [[...seqs]]);
}
