import { DbError, type Db, type Queryable } from './database.ts';
import { groupFilterSql, SqlParams, userFilterSql } from './filter-sql.ts';
import { markDelivered, markUndeliverable, pendingChanges, recordDeletions, recordUser, recordUsers, retryUndeliverable, undeliverableCounts } from './outbox.ts';
import { policyRecord } from './policy-record.ts';
import {
  GROUP_COLUMNS,
  MEMBER_DISPLAY_SQL,
  seqOf,
  stripSeq,
  toGroupFields,
  toIntegration,
  toMember,
  toUser,
  USER_COLUMNS,
  type UserRow,
} from './rows.ts';
import {
  DirectoryError,
  type GroupInput,
  type GroupMember,
  type Integration,
  type ListQuery,
  type ListResult,
  type OutboxEntry,
  type ScimDirectory,
  type StoredGroup,
  type StoredUser,
  type UserInput,
} from './types.ts';
import { Upkeep } from './upkeep.ts';
import { canonicalUserResource } from './user-schema.ts';

/**
 * The SCIM directory over SQL: the same statements on PGlite and on PostgreSQL. Every method that
 * reads and then writes does so in one transaction, and every change to what a user's record holds
 * writes its outbox rows in that same transaction.
 */

/** Attributes held in columns or never stored: they are taken out of `resource` whatever their case. */
const NOT_IN_RESOURCE = new Set(['id', 'meta', 'password', 'groups', 'username', 'externalid', 'active']);

function resourceOf(input: UserInput): Record<string, unknown> {
  const kept = Object.entries(input.resource ?? {}).filter(([key]) => !NOT_IN_RESOURCE.has(key.toLowerCase()));
  return canonicalUserResource(Object.fromEntries(kept));
}

function required(value: unknown, attribute: 'userName' | 'displayName'): string {
  if (typeof value !== 'string' || value.trim() === '') throw new DirectoryError(400, 'invalidValue', `${attribute} is required`);
  return value;
}

/** Database errors the client caused, as the SCIM errors they are; anything else stays a 500. */
function clientError(error: unknown, integration: string): unknown {
  if (!(error instanceof DbError)) return error;
  if (error.code === '23505' && error.constraint === 'scim_users_user_name') return new DirectoryError(409, 'uniqueness', 'userName is already taken');
  if (error.code === '23505' && error.constraint === 'scim_groups_display_name') return new DirectoryError(409, 'uniqueness', 'displayName is already taken');
  if (error.code === '23505' && error.constraint === 'scim_integrations_pkey') return new DirectoryError(409, 'uniqueness', `integration ${integration} already exists`);
  // The integration a user or group would belong to does not exist (or was removed meanwhile).
  if (error.code === '23503' && error.constraint?.endsWith('_integration_fkey')) return new DirectoryError(404, undefined, `no integration ${integration}`);
  return error;
}

async function asClientErrors<T>(integration: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw clientError(error, integration);
  }
}

function paging(query: ListQuery) {
  const startIndex = Number.isFinite(query.startIndex) ? Math.max(1, Math.floor(query.startIndex)) : 1;
  const count = Number.isFinite(query.count) ? Math.max(0, Math.floor(query.count)) : 0;
  return { offset: startIndex - 1, count };
}

/**
 * One page of `table` rows (alias `alias`) matching `where`, in creation order, and how many match
 * in all, both from one snapshot. The page's seqs are found first, then joined to their rows: with
 * large offsets PGlite walks the narrow index instead of whole rows (half the time, measured).
 */
async function listPage(
  db: Db,
  table: 'scim_users' | 'scim_groups',
  alias: 'u' | 'g',
  columns: string,
  where: string,
  params: SqlParams,
  query: ListQuery,
): Promise<{ totalResults: number; rows: Record<string, unknown>[] }> {
  const { offset, count } = paging(query);
  return db.tx(async (q) => {
    await q.exec('set transaction isolation level repeatable read, read only');
    const [counted] = await q.query<{ total: number }>(`select count(*)::int as total from ${table} ${alias} where ${where}`, params.values);
    const totalResults = Number(counted?.total ?? 0);
    if (count === 0 || offset >= totalResults) return { totalResults, rows: [] };
    const pageParams = [...params.values, offset, count];
    const rows = await q.query(
      `select ${columns} from (select ${alias}.seq from ${table} ${alias} where ${where} order by ${alias}.seq offset $${pageParams.length - 1} limit $${pageParams.length}) page
       join ${table} ${alias} on ${alias}.seq = page.seq order by ${alias}.seq`,
      pageParams,
    );
    return { totalResults, rows };
  });
}

/** The directory over `db`, whose schema is up to date; `onClose` runs after the database is closed. */
export async function sqlDirectory(db: Db, onClose: () => Promise<void> = async () => {}): Promise<ScimDirectory> {
  const upkeep = new Upkeep(db);
  await upkeep.run();
  return new SqlDirectory(db, onClose, upkeep);
}

class SqlDirectory implements ScimDirectory {
  constructor(
    private readonly db: Db,
    private readonly onClose: () => Promise<void>,
    private readonly upkeep: Upkeep,
  ) {}

  // Integrations

  async createIntegration(name: string, tokenHash: string): Promise<Integration> {
    return asClientErrors(name, async () => {
      const [row] = await this.db.query('insert into scim_integrations (name, token_hash) values ($1, $2) returning *', [name, tokenHash]);
      return toIntegration(row!);
    });
  }

  async getIntegration(name: string): Promise<Integration | undefined> {
    const [row] = await this.db.query('select * from scim_integrations where name = $1', [name]);
    return row && toIntegration(row);
  }

  async listIntegrations(): Promise<Integration[]> {
    return (await this.db.query('select * from scim_integrations order by name')).map(toIntegration);
  }

  async updateIntegration(name: string, change: { enabled?: boolean; tokenHash?: string }): Promise<Integration> {
    const [row] = await this.db.query(
      'update scim_integrations set enabled = coalesce($2, enabled), token_hash = coalesce($3, token_hash) where name = $1 returning *',
      [name, change.enabled ?? null, change.tokenHash ?? null],
    );
    if (!row) throw new DirectoryError(404, undefined, `no integration ${name}`);
    return toIntegration(row);
  }

  async removeIntegration(name: string): Promise<number | undefined> {
    return this.db.tx(async (q) => {
      // Locked first, so a user created meanwhile either commits before the list below is read or
      // fails (its foreign key waits on this lock, then finds no integration).
      const found = await q.query('select name from scim_integrations where name = $1 for update', [name]);
      if (found.length === 0) return undefined;
      // Removing the integration takes that source's access away from everyone it held, exactly
      // as deleting each user would: a leaver for each.
      const users = await q.query('select id from scim_users where integration = $1 order by seq', [name]);
      await recordDeletions(q, name, users.map((row) => String(row.id)));
      // Its users, groups and memberships go with it (on delete cascade).
      await q.query('delete from scim_integrations where name = $1', [name]);
      this.upkeep.noteChanges(1 + 2 * users.length);
      return users.length;
    });
  }

  // Users

  async createUser(integration: string, user: UserInput): Promise<StoredUser> {
    const userName = required(user.userName, 'userName');
    return asClientErrors(integration, () =>
      this.db.tx(async (q) => {
        // The unique index on (integration, lower(user_name)) decides between concurrent creates.
        const [row] = await q.query(
          `insert into scim_users as u (integration, user_name, external_id, active, resource) values ($1, $2, $3, $4, $5::jsonb) returning ${USER_COLUMNS}`,
          [integration, userName, user.externalId ?? null, user.active !== false, JSON.stringify(resourceOf(user))],
        );
        const created = stripSeq(toUser(row!));
        await recordUser(q, integration, created.id, policyRecord(created, []));
        return created;
      }),
    ).finally(() => this.upkeep.noteChanges(2));
  }

  private async findUser(q: Queryable, integration: string, id: string, lock = false): Promise<UserRow | undefined> {
    const [row] = await q.query(`select ${USER_COLUMNS} from scim_users u where u.integration = $1 and u.id = $2${lock ? ' for update' : ''}`, [integration, id]);
    return row && toUser(row);
  }

  async getUser(integration: string, id: string): Promise<StoredUser | undefined> {
    const user = await this.findUser(this.db, integration, id);
    return user && stripSeq(user);
  }

  async updateUser(integration: string, id: string, change: (current: StoredUser, groups: GroupMember[]) => UserInput): Promise<StoredUser> {
    return asClientErrors(integration, () =>
      this.db.tx(async (q) => {
        const current = await this.findUser(q, integration, id, true);
        if (!current) throw new DirectoryError(404, undefined, `no user ${id}`);
        const next = change(stripSeq(current), await this.groupsOfSeq(q, current.seq));
        const [row] = await q.query(
          `update scim_users u set user_name = $2, external_id = $3, active = $4, resource = $5::jsonb, version = version + 1, updated_at = now()
           where u.seq = $1 returning ${USER_COLUMNS}`,
          [current.seq, required(next.userName, 'userName'), next.externalId ?? null, next.active !== false, JSON.stringify(resourceOf(next))],
        );
        await recordUsers(q, integration, [current.seq]);
        return stripSeq(toUser(row!));
      }),
    ).finally(() => this.upkeep.noteChanges(2));
  }

  async deleteUser(integration: string, id: string): Promise<boolean> {
    return this.db.tx(async (q) => {
      // Its memberships go with it (on delete cascade); the groups keep their other members.
      const deleted = await q.query('delete from scim_users where integration = $1 and id = $2 returning id', [integration, id]);
      if (deleted.length > 0) await recordDeletions(q, integration, [id]);
      this.upkeep.noteChanges(2);
      return deleted.length > 0;
    });
  }

  async listUsers(integration: string, query: ListQuery): Promise<ListResult<StoredUser>> {
    const params = new SqlParams(integration);
    const where = `u.integration = $1${query.filter ? ` and ${userFilterSql(query.filter, params, query.acrossTypes)}` : ''}`;
    const { totalResults, rows } = await listPage(this.db, 'scim_users', 'u', USER_COLUMNS, where, params, query);
    return { totalResults, resources: rows.map((row) => stripSeq(toUser(row))) };
  }

  private async groupsOfSeq(q: Queryable, userSeq: number): Promise<GroupMember[]> {
    const rows = await q.query(
      'select g.id as value, g.display_name as display from scim_group_members gm join scim_groups g on g.seq = gm.group_seq where gm.user_seq = $1 order by g.seq',
      [userSeq],
    );
    return rows.map(toMember);
  }

  async groupsOf(integration: string, userId: string): Promise<GroupMember[]> {
    const rows = await this.db.query(
      `select g.id as value, g.display_name as display
       from scim_users u join scim_group_members gm on gm.user_seq = u.seq join scim_groups g on g.seq = gm.group_seq
       where u.integration = $1 and u.id = $2 order by g.seq`,
      [integration, userId],
    );
    return rows.map(toMember);
  }

  // Groups

  /** The seqs of the users `ids` names in `integration`; an id it does not hold is the client's mistake. */
  private async memberSeqs(q: Queryable, integration: string, ids: readonly string[]): Promise<Map<string, number>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await q.query('select id, seq from scim_users where integration = $1 and id = any($2::text[])', [integration, unique]);
    const found = new Map(rows.map((row) => [String(row.id), seqOf(row.seq)]));
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
      throw new DirectoryError(400, 'invalidValue', `members are not users of this integration: ${shown}`);
    }
    return found;
  }

  private async membersOf(q: Queryable, groupSeqs: readonly number[]): Promise<Map<number, (GroupMember & { seq: number })[]>> {
    const byGroup = new Map<number, (GroupMember & { seq: number })[]>(groupSeqs.map((seq) => [seq, []]));
    if (groupSeqs.length === 0) return byGroup;
    const rows = await q.query(
      `select gm.group_seq, mu.seq, mu.id as value, ${MEMBER_DISPLAY_SQL} as display
       from scim_group_members gm join scim_users mu on mu.seq = gm.user_seq
       where gm.group_seq = any($1::bigint[]) order by gm.group_seq, mu.seq`,
      [[...groupSeqs]],
    );
    for (const row of rows) byGroup.get(seqOf(row.group_seq))?.push({ ...toMember(row), seq: seqOf(row.seq) });
    return byGroup;
  }

  private async findGroup(q: Queryable, integration: string, id: string, lock = false) {
    const [row] = await q.query(`select ${GROUP_COLUMNS} from scim_groups g where g.integration = $1 and g.id = $2${lock ? ' for update' : ''}`, [integration, id]);
    if (!row) return undefined;
    const group = toGroupFields(row);
    const members = (await this.membersOf(q, [group.seq])).get(group.seq) ?? [];
    return { ...group, members };
  }

  private static stored({ seq: _seq, members, ...group }: { seq: number; members: (GroupMember & { seq?: number })[] } & Omit<StoredGroup, 'members'>): StoredGroup {
    return { ...group, members: members.map(({ value, display }) => ({ value, display })) };
  }

  async createGroup(integration: string, group: GroupInput): Promise<StoredGroup> {
    return asClientErrors(integration, () =>
      this.db.tx(async (q) => {
        const [row] = await q.query(
          `insert into scim_groups as g (integration, display_name, external_id) values ($1, $2, $3) returning ${GROUP_COLUMNS}`,
          [integration, required(group.displayName, 'displayName'), group.externalId ?? null],
        );
        const created = toGroupFields(row!);
        const members = [...(await this.memberSeqs(q, integration, group.members)).values()];
        await this.addMembers(q, created.seq, members);
        await recordUsers(q, integration, members);
        this.upkeep.noteChanges(1 + 2 * members.length);
        return SqlDirectory.stored({ ...created, members: (await this.membersOf(q, [created.seq])).get(created.seq) ?? [] });
      }),
    );
  }

  private async addMembers(q: Queryable, groupSeq: number, userSeqs: readonly number[]): Promise<void> {
    if (userSeqs.length === 0) return;
    await q.query(
      'insert into scim_group_members (group_seq, user_seq) select $1, unnest($2::bigint[]) on conflict do nothing',
      [groupSeq, [...userSeqs]],
    );
  }

  async getGroup(integration: string, id: string): Promise<StoredGroup | undefined> {
    const group = await this.findGroup(this.db, integration, id);
    return group && SqlDirectory.stored(group);
  }

  async updateGroup(integration: string, id: string, change: (current: StoredGroup) => GroupInput): Promise<StoredGroup> {
    return asClientErrors(integration, () =>
      this.db.tx(async (q) => {
        const current = await this.findGroup(q, integration, id, true);
        if (!current) throw new DirectoryError(404, undefined, `no group ${id}`);
        const next = change(SqlDirectory.stored(current));
        const wanted = new Set((await this.memberSeqs(q, integration, next.members)).values());
        const had = new Set(current.members.map((member) => member.seq));
        const added = [...wanted].filter((seq) => !had.has(seq));
        const removed = [...had].filter((seq) => !wanted.has(seq));
        const renamed = next.displayName !== current.displayName;
        const externalId = next.externalId ?? undefined;
        // Okta sends its rename PATCH with every membership push, mostly with the name unchanged:
        // a change that changes nothing writes nothing and keeps the version (and ETag).
        if (!renamed && externalId === current.externalId && added.length === 0 && removed.length === 0) return SqlDirectory.stored(current);
        const [row] = await q.query(
          `update scim_groups g set display_name = $2, external_id = $3, version = version + 1, updated_at = now() where g.seq = $1 returning ${GROUP_COLUMNS}`,
          [current.seq, required(next.displayName, 'displayName'), externalId ?? null],
        );
        if (removed.length > 0) await q.query('delete from scim_group_members where group_seq = $1 and user_seq = any($2::bigint[])', [current.seq, removed]);
        await this.addMembers(q, current.seq, added);
        // Whose record changed: the users who joined or left, and on a rename every member.
        const affected = new Set([...added, ...removed, ...(renamed ? wanted : [])]);
        await recordUsers(q, integration, [...affected]);
        this.upkeep.noteChanges(1 + added.length + removed.length + affected.size);
        const updated = toGroupFields(row!);
        return SqlDirectory.stored({ ...updated, members: (await this.membersOf(q, [updated.seq])).get(updated.seq) ?? [] });
      }),
    );
  }

  async deleteGroup(integration: string, id: string): Promise<boolean> {
    return this.db.tx(async (q) => {
      const group = await this.findGroup(q, integration, id, true);
      if (!group) return false;
      await q.query('delete from scim_groups where seq = $1', [group.seq]);
      // Each former member's record loses the group.
      await recordUsers(q, integration, group.members.map((member) => member.seq));
      this.upkeep.noteChanges(1 + 2 * group.members.length);
      return true;
    });
  }

  async listGroups(integration: string, query: ListQuery & { excludeMembers?: boolean }): Promise<ListResult<StoredGroup>> {
    const params = new SqlParams(integration);
    const where = `g.integration = $1${query.filter ? ` and ${groupFilterSql(query.filter, params, query.acrossTypes)}` : ''}`;
    const { totalResults, rows } = await listPage(this.db, 'scim_groups', 'g', GROUP_COLUMNS, where, params, query);
    const groups = rows.map(toGroupFields);
    const members = query.excludeMembers ? new Map() : await this.membersOf(this.db, groups.map((group) => group.seq));
    return { totalResults, resources: groups.map((group) => SqlDirectory.stored({ ...group, members: members.get(group.seq) ?? [] })) };
  }

  // Outbox

  pendingChanges(limit: number): Promise<OutboxEntry[]> {
    return pendingChanges(this.db, limit);
  }

  async markDelivered(seqs: number[]): Promise<void> {
    await markDelivered(this.db, seqs);
    this.upkeep.noteChanges(seqs.length);
  }

  markUndeliverable(seq: number, reason: string): Promise<void> {
    return markUndeliverable(this.db, seq, reason);
  }

  undeliverableCounts(): Promise<Map<string, number>> {
    return undeliverableCounts(this.db);
  }

  retryUndeliverable(integration: string): Promise<{ resent: number }> {
    return retryUndeliverable(this.db, integration);
  }

  async close(): Promise<void> {
    try {
      await this.upkeep.settle();
      await this.db.close();
    } finally {
      await this.onClose();
    }
  }
}
