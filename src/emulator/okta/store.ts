import {
  accessDenied,
  apiValidationFailed,
  fieldBlank,
  fieldNotUnique,
  resourceNotFound,
  unsupportedOperation,
} from './errors.ts';
import { OrderedIdGenerator, newToken } from './ids.ts';
import type { SystemLog } from './system-log.ts';
import { assertProfileEditable, nextStatus, statusOnCreate, type LifecycleOperation, type UserStatus } from './lifecycle.ts';

export type Profile = Record<string, unknown>;

export interface CredentialsInput {
  /** Only whether a password was given matters here: Okta never shows a password again. */
  password?: { value?: unknown };
  recovery_question?: { question?: unknown };
}

export interface UserRecord {
  readonly id: string;
  status: UserStatus;
  readonly created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  readonly typeId: string;
  profile: Profile;
  hasPassword: boolean;
  recoveryQuestion: string | null;
}

export type GroupType = 'OKTA_GROUP' | 'BUILT_IN';

export interface GroupRecord {
  readonly id: string;
  readonly type: GroupType;
  readonly created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  profile: Profile;
}

const REQUIRED_USER_FIELDS = ['login', 'email', 'firstName', 'lastName'] as const;
// Okta's default login and email patterns are looser than RFC 5322: something@something.
const EMAIL_LIKE = /^[^@\s]+@[^@\s]+$/;

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

/** Logins and group names are unique regardless of case and diacritical marks: Isaac = isáàc. */
function uniqueKey(value: unknown): string {
  return String(value).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The part of a login before the @, by which a user can also be named while no other user shares it. */
function shortNameKey(login: unknown): string {
  return uniqueKey(String(login).split('@')[0]);
}

function* filterIterable<T>(items: Iterable<T>, keep: (item: T) => boolean): IterableIterator<T> {
  for (const item of items) if (keep(item)) yield item;
}

/**
 * The emulated org's state: users, groups and memberships, with Okta's rules for changing them.
 * Knows nothing of HTTP; refusals are thrown as OktaError.
 *
 * Users and groups are kept in maps whose insertion order is id order (ids increase with
 * creation), so iterating a map lists objects in the order Okta pages them.
 */
export class OktaStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly usersByLogin = new Map<string, UserRecord>();
  private readonly usersByShortName = new Map<string, Set<UserRecord>>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly groupsByName = new Map<string, GroupRecord>();
  private readonly membersByGroup = new Map<string, Set<string>>();
  private readonly groupsByUser = new Map<string, Set<string>>();
  private readonly userIds = new OrderedIdGenerator('00u');
  private readonly groupIds = new OrderedIdGenerator('00g');
  /** Every org has one default user type; users created without a type get it. */
  private readonly defaultUserTypeId = 'oty' + newToken(17);
  /** The built-in group every user belongs to; membership in it is implied, never stored. */
  private readonly everyone: GroupRecord;

  constructor(readonly log: SystemLog) {
    const now = this.now();
    this.everyone = {
      id: this.groupIds.next(),
      type: 'BUILT_IN',
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { name: 'Everyone', description: 'All users in your organization' },
    };
    this.indexGroup(this.everyone);
  }

  private now(): string {
    return new Date().toISOString();
  }

  // Users

  createUser(profile: Profile, credentials: CredentialsInput, activate: boolean): UserRecord {
    this.validateUserProfile(profile, undefined);
    const now = this.now();
    const hasPassword = credentials.password !== undefined;
    const status = statusOnCreate(activate, hasPassword);
    const user: UserRecord = {
      id: this.userIds.next(),
      status,
      created: now,
      activated: status === 'STAGED' ? null : now,
      statusChanged: status === 'STAGED' ? null : now,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: null,
      typeId: this.defaultUserTypeId,
      profile: { ...profile },
      hasPassword: false,
      recoveryQuestion: null,
    };
    this.applyCredentials(user, credentials, now);
    this.users.set(user.id, user);
    this.indexLogin(user);
    return user;
  }

  private indexLogin(user: UserRecord): void {
    this.usersByLogin.set(uniqueKey(user.profile.login), user);
    const key = shortNameKey(user.profile.login);
    let sharers = this.usersByShortName.get(key);
    if (!sharers) this.usersByShortName.set(key, (sharers = new Set()));
    sharers.add(user);
  }

  private unindexLogin(user: UserRecord): void {
    this.usersByLogin.delete(uniqueKey(user.profile.login));
    const key = shortNameKey(user.profile.login);
    const sharers = this.usersByShortName.get(key);
    sharers?.delete(user);
    if (sharers?.size === 0) this.usersByShortName.delete(key);
  }

  /** Finds a user by id, by login, or by login short name if no other user has that short name. */
  findUser(idOrLogin: string): UserRecord | undefined {
    const user = this.users.get(idOrLogin) ?? this.usersByLogin.get(uniqueKey(idOrLogin));
    if (user || idOrLogin.includes('@')) return user;
    const sharers = this.usersByShortName.get(uniqueKey(idOrLogin));
    return sharers?.size === 1 ? sharers.values().next().value : undefined;
  }

  getUser(idOrLogin: string): UserRecord {
    const user = this.findUser(idOrLogin);
    if (!user) throw resourceNotFound(idOrLogin, 'User');
    return user;
  }

  /** All users, in id order. */
  allUsers(): IterableIterator<UserRecord> {
    return this.users.values();
  }

  /**
   * Changes a user's profile and credentials: `merge` keeps profile properties the request leaves
   * out (POST), `replace` drops them (PUT).
   */
  updateUser(
    idOrLogin: string,
    change: { profile?: Profile; credentials?: CredentialsInput },
    mode: 'merge' | 'replace',
  ): UserRecord {
    const user = this.getUser(idOrLogin);
    assertProfileEditable(user.status);
    const now = this.now();
    if (change.profile !== undefined) {
      const profile = mode === 'merge' ? { ...user.profile, ...change.profile } : { ...change.profile };
      this.validateUserProfile(profile, user);
      this.unindexLogin(user);
      user.profile = profile;
      this.indexLogin(user);
    }
    if (change.credentials !== undefined) this.applyCredentials(user, change.credentials, now);
    user.lastUpdated = now;
    return user;
  }

  applyLifecycle(idOrLogin: string, operation: LifecycleOperation): UserRecord {
    const user = this.getUser(idOrLogin);
    const status = nextStatus(operation, user.status, user.hasPassword);
    if (status === user.status) return user;
    const now = this.now();
    if (operation === 'activate') user.activated = now;
    user.status = status;
    user.statusChanged = now;
    user.lastUpdated = now;
    return user;
  }

  /**
   * Okta's two-step delete: the first call deactivates a user, a call on a deactivated user removes
   * it for good, with its group memberships.
   */
  deleteUser(idOrLogin: string): 'deactivated' | 'deleted' {
    const user = this.getUser(idOrLogin);
    if (user.status !== 'DEPROVISIONED') {
      this.applyLifecycle(user.id, 'deactivate');
      return 'deactivated';
    }
    for (const groupId of this.groupsByUser.get(user.id) ?? []) {
      this.membersByGroup.get(groupId)?.delete(user.id);
    }
    this.groupsByUser.delete(user.id);
    this.users.delete(user.id);
    this.unindexLogin(user);
    return 'deleted';
  }

  private applyCredentials(user: UserRecord, credentials: CredentialsInput, now: string): void {
    if (credentials.password !== undefined) {
      user.hasPassword = true;
      user.passwordChanged = now;
    }
    const question = credentials.recovery_question?.question;
    if (typeof question === 'string') user.recoveryQuestion = question;
  }

  private validateUserProfile(profile: Profile, owner: UserRecord | undefined): void {
    const failures: Array<{ field: string; cause: string }> = [];
    for (const field of REQUIRED_USER_FIELDS) {
      if (isBlank(profile[field])) failures.push({ field, cause: fieldBlank(field) });
    }
    if (!isBlank(profile.login) && !EMAIL_LIKE.test(String(profile.login))) {
      failures.push({ field: 'login', cause: 'login: Username must be in the form of an email address' });
    }
    if (!isBlank(profile.email) && !EMAIL_LIKE.test(String(profile.email))) {
      failures.push({ field: 'email', cause: 'email: Does not match required pattern' });
    }
    if (failures.length === 0) {
      const holder = this.usersByLogin.get(uniqueKey(profile.login));
      if (holder !== undefined && holder !== owner) failures.push({ field: 'login', cause: fieldNotUnique('login') });
    }
    const first = failures[0];
    if (first) throw apiValidationFailed(first.field, failures.map((failure) => failure.cause));
  }

  // Groups

  createGroup(profile: Profile): GroupRecord {
    if (isBlank(profile.name)) throw apiValidationFailed('name', [fieldBlank('name')]);
    if (this.groupsByName.has(uniqueKey(profile.name))) throw apiValidationFailed('name', [fieldNotUnique('name')]);
    const now = this.now();
    const group: GroupRecord = {
      id: this.groupIds.next(),
      type: 'OKTA_GROUP',
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { ...profile },
    };
    this.indexGroup(group);
    return group;
  }

  private indexGroup(group: GroupRecord): void {
    this.groups.set(group.id, group);
    this.groupsByName.set(uniqueKey(group.profile.name), group);
    this.membersByGroup.set(group.id, new Set());
  }

  getGroup(id: string): GroupRecord {
    const group = this.groups.get(id);
    if (!group) throw resourceNotFound(id, 'UserGroup');
    return group;
  }

  /** All groups, in id order. */
  allGroups(): IterableIterator<GroupRecord> {
    return this.groups.values();
  }

  deleteGroup(id: string): void {
    const group = this.getGroup(id);
    if (group.type === 'BUILT_IN') throw accessDenied();
    for (const userId of this.membersByGroup.get(id) ?? []) this.groupsByUser.get(userId)?.delete(id);
    this.membersByGroup.delete(id);
    this.groups.delete(id);
    this.groupsByName.delete(uniqueKey(group.profile.name));
  }

  /** Adding a member twice changes nothing. Okta answers "Unsupported operation." for built-in groups. */
  addMember(groupId: string, userId: string): void {
    const group = this.getGroup(groupId);
    const user = this.getUser(userId);
    if (group.type === 'BUILT_IN') throw unsupportedOperation();
    const members = this.membersByGroup.get(group.id)!;
    if (members.has(user.id)) return;
    members.add(user.id);
    let groupsOfUser = this.groupsByUser.get(user.id);
    if (!groupsOfUser) this.groupsByUser.set(user.id, (groupsOfUser = new Set()));
    groupsOfUser.add(group.id);
    group.lastMembershipUpdated = this.now();
  }

  /** Removing a non-member changes nothing. Okta denies removals from built-in groups. */
  removeMember(groupId: string, userId: string): void {
    const group = this.getGroup(groupId);
    const user = this.getUser(userId);
    if (group.type === 'BUILT_IN') throw accessDenied();
    if (!this.membersByGroup.get(group.id)!.delete(user.id)) return;
    this.groupsByUser.get(user.id)?.delete(group.id);
    group.lastMembershipUpdated = this.now();
  }

  /** A group's members, in id order. */
  membersOf(groupId: string): Iterable<UserRecord> {
    const group = this.getGroup(groupId);
    if (group.type === 'BUILT_IN') return this.users.values();
    const members = this.membersByGroup.get(group.id)!;
    return filterIterable(this.users.values(), (user) => members.has(user.id));
  }

  /** The groups a user belongs to, the built-in Everyone group first, then in id order. */
  groupsOf(idOrLogin: string): GroupRecord[] {
    const user = this.getUser(idOrLogin);
    const ids = [...(this.groupsByUser.get(user.id) ?? [])].sort();
    return [this.everyone, ...ids.map((id) => this.groups.get(id)!)];
  }
}
