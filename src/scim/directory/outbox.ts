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

/** Writes the current record of each user (by seq), groups included, as the transaction `q` sees it. */
export async function recordUsers(q: Queryable, integration: string, userSeqs: readonly number[]): Promise<void> {
  if (userSeqs.length === 0) return;
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

export const recordDeletion = (q: Queryable, integration: string, userId: string) => append(q, integration, [{ userId, record: null }]);

export async function pendingChanges(db: Db, limit: number): Promise<OutboxEntry[]> {
  const rows = await db.query('select seq, integration, user_id, record, created_at from scim_outbox order by seq limit $1', [Math.max(0, Math.floor(limit))]);
  return rows.map(toOutboxEntry);
}

export async function markDelivered(db: Db, seqs: readonly number[]): Promise<void> {
  if (seqs.length > 0) await db.query('delete from scim_outbox where seq = any($1::bigint[])', [[...seqs]]);
}
