import type { Row } from './database.ts';
import type { GroupMember, Integration, OutboxEntry, StoredUser } from './types.ts';

/** Table rows as the directory's types, the same whichever engine answered. */

/** PGlite answers timestamps as Dates; `pg` does too unless its parsers are changed, so accept text as well. */
const iso = (value: unknown) => (value instanceof Date ? value : new Date(String(value))).toISOString();
/** bigint arrives as a number from PGlite and as a string from `pg`. */
export const seqOf = (value: unknown) => Number(value);
const optional = (value: unknown) => (value === null || value === undefined ? undefined : String(value));

export const USER_COLUMNS = 'u.seq, u.id, u.user_name, u.external_id, u.active, u.resource, u.version, u.created_at, u.updated_at';

export interface UserRow extends StoredUser {
  seq: number;
}

export function toUser(row: Row): UserRow {
  return {
    seq: seqOf(row.seq),
    id: String(row.id),
    userName: String(row.user_name),
    externalId: optional(row.external_id),
    active: row.active === true,
    resource: (row.resource ?? {}) as Record<string, unknown>,
    created: iso(row.created_at),
    lastModified: iso(row.updated_at),
    version: Number(row.version),
  };
}

export const stripSeq = ({ seq: _seq, ...user }: UserRow): StoredUser => user;

export const GROUP_COLUMNS = 'g.seq, g.id, g.display_name, g.external_id, g.version, g.created_at, g.updated_at';

export function toGroupFields(row: Row) {
  return {
    seq: seqOf(row.seq),
    id: String(row.id),
    displayName: String(row.display_name),
    externalId: optional(row.external_id),
    created: iso(row.created_at),
    lastModified: iso(row.updated_at),
    version: Number(row.version),
  };
}

/** A member's `display`: the user's displayName, or its userName when it has none. `mu` is the user. */
export const MEMBER_DISPLAY_SQL = `coalesce(mu.resource->>'displayName', mu.user_name)`;

export const toMember = (row: Row): GroupMember => ({ value: String(row.value), display: optional(row.display) });

export function toIntegration(row: Row): Integration {
  return { name: String(row.name), tokenHash: String(row.token_hash), enabled: row.enabled === true, createdAt: iso(row.created_at) };
}

export function toOutboxEntry(row: Row): OutboxEntry {
  return {
    seq: seqOf(row.seq),
    integration: String(row.integration),
    userId: String(row.user_id),
    record: (row.record ?? null) as OutboxEntry['record'],
    createdAt: iso(row.created_at),
  };
}
