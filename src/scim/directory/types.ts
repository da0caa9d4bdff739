/**
 * The SCIM directory: what Okta (or any SCIM client) has provisioned into Tenure, per integration.
 * It is not run state (Temporal holds that); it is the data a SCIM service provider must read back
 * at once: read-after-write, atomic uniqueness of userName, and stable paging through 100,000
 * users. One implementation over SQL, run on an embedded PostgreSQL (PGlite) by default and on a
 * PostgreSQL server when TENURE_DATABASE_URL names one, with the same schema and migrations.
 *
 * Every change that alters what an identity's record holds writes an outbox row in the same
 * transaction, so a change the directory acknowledged reaches the identity workflow even when
 * Temporal was down at the time: the relay delivers pending rows, in order, until they are taken.
 */

/** A SCIM filter as scim2-parse-filter parses it (plain data). Attribute names are matched ignoring case. */
export type { Filter as ScimFilter } from 'scim2-parse-filter';

/** One SCIM endpoint of its own (Kestra's model): `/scim/v2/<name>`, with its own bearer token. */
export interface Integration {
  name: string;
  /** SHA-256 of the bearer token, hex; the token itself is shown once and never stored. */
  tokenHash: string;
  enabled: boolean;
  createdAt: string;
}

/** A user as stored: the SCIM representation without `id`, `meta`, `password` and `groups`. */
export interface StoredUser {
  id: string;
  userName: string;
  externalId: string | undefined;
  active: boolean;
  /** The whole SCIM resource as the client last wrote it (core and enterprise attributes), minus the above. */
  resource: Record<string, unknown>;
  created: string;
  lastModified: string;
  /** Incremented on every change; the ETag's version. */
  version: number;
}

export interface GroupMember {
  value: string;
  display: string | undefined;
}

export interface StoredGroup {
  id: string;
  displayName: string;
  externalId: string | undefined;
  members: GroupMember[];
  created: string;
  lastModified: string;
  version: number;
}

/** A user's or group's writable content, as a create or a replace gives it. */
export type UserInput = Omit<StoredUser, 'id' | 'created' | 'lastModified' | 'version'>;
export interface GroupInput {
  displayName: string;
  externalId: string | undefined;
  /** Member user ids; ids the integration does not hold are refused with DirectoryError `invalidValue`. */
  members: string[];
}

export interface ListQuery {
  filter?: import('scim2-parse-filter').Filter;
  /** 1-based, as SCIM pages. */
  startIndex: number;
  count: number;
  /**
   * A root-level search across resource types (RFC 7644 §3.4.3): an attribute in the filter that
   * this type lacks matches nothing, instead of being refused as invalidFilter.
   */
  acrossTypes?: boolean;
}

export interface ListResult<T> {
  totalResults: number;
  resources: T[];
}

/** What the SCIM layer turns into a SCIM Error: the scimType where RFC 7644 names one. */
export class DirectoryError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly scimType: 'uniqueness' | 'invalidFilter' | 'invalidValue' | 'noTarget' | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

/** A change to deliver to an identity workflow, kept until delivered. */
export interface OutboxEntry {
  seq: number;
  integration: string;
  /** The user's SCIM id: the identity key of source `scim/<integration>`. */
  userId: string;
  /** The user's record as policies see it (attributes flattened, `groups` as display names), or null when the user was deleted. */
  record: Record<string, string | number | boolean | string[]> | null;
  createdAt: string;
}

export interface ScimDirectory {
  createIntegration(name: string, tokenHash: string): Promise<Integration>;
  getIntegration(name: string): Promise<Integration | undefined>;
  listIntegrations(): Promise<Integration[]>;
  updateIntegration(name: string, change: { enabled?: boolean; tokenHash?: string }): Promise<Integration>;
  /**
   * Removes the integration with every user and group it holds (their identities' history stays in
   * Temporal), writing a leaver (null record) for each user, as a DELETE of that user does.
   */
  /** How many users it held (each now a leaver), or undefined when there is no such integration. */
  removeIntegration(name: string): Promise<number | undefined>;

  createUser(integration: string, user: UserInput): Promise<StoredUser>;
  getUser(integration: string, id: string): Promise<StoredUser | undefined>;
  /** Read, change and write one user atomically (PUT and PATCH); `change` returns the new content. */
  updateUser(integration: string, id: string, change: (current: StoredUser, groups: GroupMember[]) => UserInput): Promise<StoredUser>;
  deleteUser(integration: string, id: string): Promise<boolean>;
  listUsers(integration: string, query: ListQuery): Promise<ListResult<StoredUser>>;
  /** The groups a user is a member of (the read-only `groups` attribute). */
  groupsOf(integration: string, userId: string): Promise<GroupMember[]>;

  createGroup(integration: string, group: GroupInput): Promise<StoredGroup>;
  getGroup(integration: string, id: string): Promise<StoredGroup | undefined>;
  /** Read, change and write one group atomically; membership is written as the difference. */
  updateGroup(integration: string, id: string, change: (current: StoredGroup) => GroupInput): Promise<StoredGroup>;
  deleteGroup(integration: string, id: string): Promise<boolean>;
  listGroups(integration: string, query: ListQuery & { excludeMembers?: boolean }): Promise<ListResult<StoredGroup>>;

  /** Outbox rows not yet delivered, oldest first. */
  pendingChanges(limit: number): Promise<OutboxEntry[]>;
  markDelivered(seqs: number[]): Promise<void>;
  /** Sets a row aside that no retry can deliver (`reason` says why, without personal data): kept, no longer pending. */
  markUndeliverable(seq: number, reason: string): Promise<void>;
  /** How many rows each integration has set aside (integrations with none are absent). */
  undeliverableCounts(): Promise<Map<string, number>>;
  /** Drops the integration's set-aside rows and writes each of their users' current record anew; answers how many users. */
  retryUndeliverable(integration: string): Promise<{ resent: number }>;

  close(): Promise<void>;
}
