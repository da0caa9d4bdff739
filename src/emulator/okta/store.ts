import {
  accessDenied,
  apiValidationFailed,
  expiringWithoutActivation,
  expiringWithoutPassword,
  fieldBlank,
  fieldNotUnique,
  forgotPasswordNotAllowed,
  notAllowedInUserStatus,
  oldPasswordWrong,
  resourceNotFound,
  unsupportedOperation,
} from './errors.ts';
import type { AppsSnapshot } from './app-records.ts';
import { AppRegistry } from './app-store.ts';
import { type FactorEnrollment, type FactorRecord, newFactor } from './factors.ts';
import { type GroupRecord, GroupStore, type GroupType } from './group-store.ts';
import { OrderedIdGenerator, newToken } from './ids.ts';
import {
  TRANSITIONS,
  assertProfileEditable,
  nextStatus,
  statusOnCreate,
  type LifecycleOperation,
  type UserStatus,
} from './lifecycle.ts';
import { groupTarget, logEntry, userTarget, type EventType } from './log-entries.ts';
import { hashPassword, passwordMatches } from './password-hash.ts';
import type { SystemLog } from './system-log.ts';
import { SUPER_ADMIN_ID, SUPER_ADMIN_PROFILE } from './super-admin.ts';
import { profileProblems } from './user-profile.ts';
import { type CustomAttribute, UserSchema } from './user-schema.ts';
import { type Profile, type UserRecord, UserStore } from './user-store.ts';

export type { GroupRecord, GroupType } from './group-store.ts';
export type { Profile, UserRecord } from './user-store.ts';

export interface CredentialsInput {
  password?: Record<string, unknown>;
  recovery_question?: Record<string, unknown>;
}

export interface NewUser {
  profile: Profile;
  credentials: CredentialsInput;
  activate: boolean;
  /** `nextLogin=changePassword`: the given password is expired at once. */
  expirePassword: boolean;
}

export interface UserChange {
  profile?: Profile;
  credentials?: CredentialsInput;
}

/** A user as a seed describes it: in any status, reached without the API's transitions. */
export interface SeededUser {
  profile: Profile;
  status: UserStatus;
  hasPassword: boolean;
  groupIds: readonly string[];
}

/** Everything that makes up the org, as `persistence.ts` saves it. */
export interface OrgSnapshot {
  version: 1;
  defaultUserTypeId: string;
  users: UserRecord[];
  /** Every group, the built-in Everyone group included. */
  groups: GroupRecord[];
  /** Stored memberships as [groupId, userId]; Everyone's are implied. */
  memberships: Array<[string, string]>;
  /** The custom attributes of the user profile schema. */
  customAttributes: Record<string, CustomAttribute>;
  /** The apps, their assignments and provisioning state, and the pushes not yet sent. */
  apps: AppsSnapshot;
}

/** A password is given as a value, an imported hash, or a password import hook. */
function passwordGiven(password: Record<string, unknown> | undefined): boolean {
  return typeof password?.value === 'string' || password?.hash !== undefined || password?.hook !== undefined;
}

/** The hash of a password given as a value; an imported hash or a hook is one the emulator cannot check. */
function hashOfGiven(password: Record<string, unknown> | undefined): string | null {
  return typeof password?.value === 'string' ? hashPassword(password.value) : null;
}

/** The statuses in which `change_password` works, for a user who has a password. */
const PASSWORD_CHANGEABLE: readonly UserStatus[] = ['STAGED', 'ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY'];

export interface PasswordChange {
  oldPassword: string;
  newPassword: string;
}

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

function* lookUp<T>(ids: Iterable<string>, find: (id: string) => T | undefined): Generator<T> {
  for (const id of ids) {
    const found = find(id);
    if (found !== undefined) yield found;
  }
}

/**
 * The emulated org: users, groups and memberships, with Okta's rules for changing them. Every
 * change is recorded in the System Log and announced to `onChange` listeners. Knows nothing of
 * HTTP; refusals are thrown as OktaError.
 */
export class OktaStore {
  private readonly users = new UserStore();
  private readonly groups = new GroupStore();
  private readonly userIds = new OrderedIdGenerator('00u');
  private readonly groupIds = new OrderedIdGenerator('00g');
  private readonly changeListeners = new Set<() => void>();
  /** Every org has one default user type; users created without a type get it. */
  private defaultUserTypeId = 'oty' + newToken(17);
  /** The built-in group every user belongs to; membership in it is implied, never stored. */
  private everyone: GroupRecord;
  private readonly schema = new UserSchema();
  private readonly schemaCreated: string;
  private schemaUpdated: string;
  /** The org's apps; saved, restored and reset with the rest of the org. */
  readonly apps: AppRegistry;

  constructor(readonly log: SystemLog) {
    this.apps = new AppRegistry(() => this.now(), () => this.changed());
    this.everyone = this.newGroup('BUILT_IN', { name: 'Everyone', description: 'All users in your organization' });
    this.addSuperAdmin();
    this.schemaCreated = this.schemaUpdated = this.now();
  }

  /** The org's first user, who owns the API token; an org is never without them. */
  private addSuperAdmin(): void {
    this.addUser({ ...SUPER_ADMIN_PROFILE }, 'ACTIVE', true, SUPER_ADMIN_ID);
  }

  /** Calls `listener` after every change to the org; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** The org has one clock, the System Log's, so that records and their log entries agree. */
  private now(): string {
    return this.log.now().toISOString();
  }

  private record(eventType: EventType, user: UserRecord, group?: GroupRecord): void {
    this.log.append(logEntry(eventType, group ? [userTarget(user), groupTarget(group)] : [userTarget(user)]));
  }

  private recordGroup(eventType: EventType, group: GroupRecord): void {
    this.log.append(logEntry(eventType, [groupTarget(group)]));
  }

  // Users

  createUser(input: NewUser): UserRecord {
    const hasPassword = passwordGiven(input.credentials.password);
    if (input.expirePassword && !input.activate) throw expiringWithoutActivation();
    if (input.expirePassword && !hasPassword) throw expiringWithoutPassword();
    this.assertValidProfile(input.profile, undefined);
    const status = statusOnCreate({ activate: input.activate, hasPassword, expirePassword: input.expirePassword });
    const user = this.addUser(input.profile, status, hasPassword);
    user.passwordHash = hashOfGiven(input.credentials.password);
    this.applyRecoveryQuestion(user, input.credentials);
    this.record('user.lifecycle.create', user);
    if (input.activate) this.record('user.lifecycle.activate', user);
    this.changed();
    return user;
  }

  private addUser(profile: Profile, status: UserStatus, hasPassword: boolean, id = this.userIds.next()): UserRecord {
    const now = this.now();
    const staged = status === 'STAGED';
    const user: UserRecord = {
      id,
      status,
      created: now,
      activated: staged ? null : now,
      statusChanged: staged ? null : now,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: hasPassword ? now : null,
      typeId: this.defaultUserTypeId,
      profile: { ...profile },
      hasPassword,
      passwordHash: null,
      recoveryQuestion: null,
      factors: [],
    };
    this.users.add(user);
    return user;
  }

  findUser(idOrLogin: string): UserRecord | undefined {
    return this.users.find(idOrLogin);
  }

  getUser(idOrLogin: string): UserRecord {
    const user = this.users.find(idOrLogin);
    if (!user) throw resourceNotFound(idOrLogin, 'User');
    return user;
  }

  /** The users whose ids sort after `cursor` (all of them without one), in id order. */
  usersAfter(cursor?: string): Iterable<UserRecord> {
    return this.users.after(cursor);
  }

  /**
   * Changes a user's profile and credentials: `merge` keeps profile properties the request leaves
   * out (POST), `replace` drops them (PUT).
   */
  updateUser(idOrLogin: string, change: UserChange, mode: 'merge' | 'replace'): UserRecord {
    const user = this.getUser(idOrLogin);
    assertProfileEditable(user.status);
    const profile =
      change.profile === undefined ? undefined : mode === 'merge' ? { ...user.profile, ...change.profile } : { ...change.profile };
    if (profile) this.assertValidProfile(profile, user);
    const now = this.now();
    const passwordSet = passwordGiven(change.credentials?.password);
    if (profile) this.users.setProfile(user, profile);
    if (passwordSet) {
      user.hasPassword = true;
      user.passwordChanged = now;
      user.passwordHash = hashOfGiven(change.credentials?.password);
    }
    if (change.credentials) this.applyRecoveryQuestion(user, change.credentials);
    user.lastUpdated = now;
    if (profile) this.record('user.account.update_profile', user);
    if (passwordSet) this.record('user.account.update_password', user);
    this.changed();
    return user;
  }

  private applyRecoveryQuestion(user: UserRecord, credentials: CredentialsInput): void {
    const question = credentials.recovery_question?.question;
    if (typeof question === 'string') user.recoveryQuestion = question;
  }

  /**
   * Moves a user through Okta's status machine (see TRANSITIONS), or throws Okta's refusal.
   * `password` is the temporary password of an operation that sets one.
   */
  applyLifecycle(idOrLogin: string, operation: LifecycleOperation, password?: string): UserRecord {
    const user = this.getUser(idOrLogin);
    const status = nextStatus(operation, user, idOrLogin);
    const transition = TRANSITIONS[operation];
    const now = this.now();
    if (transition.activates) user.activated = now;
    if (transition.setsPassword) {
      user.hasPassword = true;
      user.passwordChanged = now;
      user.passwordHash = password === undefined ? null : hashPassword(password);
    }
    if (status !== user.status) {
      user.status = status;
      user.statusChanged = now;
    }
    user.lastUpdated = now;
    this.record(transition.event, user);
    this.changed();
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
    this.groups.removeUser(user.id);
    this.users.remove(user);
    this.record('user.lifecycle.delete.initiated', user);
    this.changed();
    return 'deleted';
  }

  /** Ends the user's sessions; nothing of it is kept but the System Log entry. */
  clearSessions(idOrLogin: string): void {
    this.record('user.session.clear', this.getUser(idOrLogin));
  }

  // Credentials and factors

  /**
   * Okta's `change_password`: the old password must be the user's, and a user in RECOVERY or with
   * an expired password is ACTIVE again.
   */
  changePassword(idOrLogin: string, change: PasswordChange, revokeSessions: boolean): UserRecord {
    const user = this.getUser(idOrLogin);
    if (!user.hasPassword || !PASSWORD_CHANGEABLE.includes(user.status)) throw notAllowedInUserStatus();
    if (change.newPassword === '') throw apiValidationFailed('newPassword', [fieldBlank('newPassword')]);
    if (!passwordMatches(user.passwordHash, change.oldPassword)) throw oldPasswordWrong();
    const now = this.now();
    user.passwordHash = hashPassword(change.newPassword);
    user.passwordChanged = now;
    if (user.status === 'RECOVERY' || user.status === 'PASSWORD_EXPIRED') {
      user.status = 'ACTIVE';
      user.statusChanged = now;
    }
    user.lastUpdated = now;
    this.record('user.account.update_password', user);
    if (revokeSessions) this.record('user.session.clear', user);
    this.changed();
    return user;
  }

  /**
   * Starts Okta's forgot-password flow, which asks the user their recovery question: only an
   * ACTIVE user who has one may. The user's status does not change.
   */
  forgotPassword(idOrLogin: string): UserRecord {
    const user = this.getUser(idOrLogin);
    if (user.status !== 'ACTIVE' || user.recoveryQuestion === null) throw forgotPasswordNotAllowed();
    this.record('user.account.reset_password', user);
    return user;
  }

  enrollFactor(idOrLogin: string, request: FactorEnrollment, activate: boolean): FactorRecord {
    const user = this.getUser(idOrLogin);
    const factor = newFactor(request, activate, this.now());
    user.factors.push(factor);
    if (factor.status === 'ACTIVE') this.record('user.mfa.factor.activate', user);
    this.changed();
    return factor;
  }

  factorsOf(idOrLogin: string): readonly FactorRecord[] {
    return this.getUser(idOrLogin).factors;
  }

  /** Every factor back to unenrolled; the user's status stays as it is. */
  resetFactors(idOrLogin: string): void {
    const user = this.getUser(idOrLogin);
    user.factors = [];
    user.lastUpdated = this.now();
    this.record('user.mfa.factor.reset_all', user);
    this.changed();
  }

  /** The attributes of a profile that the user profile schema does not define. */
  undefinedAttributes(profile: Profile): string[] {
    return Object.keys(profile).filter((name) => !this.schema.defines(name));
  }

  private assertValidProfile(profile: Profile, owner: UserRecord | undefined): void {
    const undefinedAttributes = this.undefinedAttributes(profile);
    if (undefinedAttributes.length > 0) {
      throw apiValidationFailed(
        owner === undefined ? 'newUser' : 'user',
        undefinedAttributes.map((name) => `Property name '${name}' is not defined in profile`),
      );
    }
    const problems = profileProblems(profile);
    if (problems.length === 0) {
      const holder = this.users.holderOfLogin(profile.login);
      if (holder !== undefined && holder !== owner) problems.push({ field: 'login', cause: fieldNotUnique('login') });
    }
    const first = problems[0];
    if (first) throw apiValidationFailed(first.field, problems.map((problem) => problem.cause));
  }

  // The user profile schema

  userSchema(): { schema: UserSchema; created: string; lastUpdated: string } {
    return { schema: this.schema, created: this.schemaCreated, lastUpdated: this.schemaUpdated };
  }

  /** Adds, replaces or (given null) removes custom attributes; a user still holding a removed one keeps its value. */
  updateCustomAttributes(properties: Record<string, unknown>): void {
    this.schema.updateCustom(properties);
    this.schemaUpdated = this.now();
    this.changed();
  }

  // Groups

  private newGroup(type: GroupType, profile: Profile): GroupRecord {
    const now = this.now();
    const group: GroupRecord = {
      id: this.groupIds.next(),
      type,
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { ...profile },
    };
    this.groups.add(group);
    return group;
  }

  createGroup(profile: Profile): GroupRecord {
    this.assertValidGroupProfile(profile, undefined);
    const group = this.newGroup('OKTA_GROUP', profile);
    this.recordGroup('group.lifecycle.create', group);
    this.changed();
    return group;
  }

  private assertValidGroupProfile(profile: Profile, owner: GroupRecord | undefined): void {
    if (isBlank(profile.name)) throw apiValidationFailed('name', [fieldBlank('name')]);
    const holder = this.groups.named(profile.name);
    if (holder !== undefined && holder !== owner) throw apiValidationFailed('name', [fieldNotUnique('name')]);
  }

  /** Only groups mastered by Okta itself can be changed through the API. */
  private assertOktaGroup(group: GroupRecord): void {
    if (group.type !== 'OKTA_GROUP') throw accessDenied();
  }

  getGroup(id: string): GroupRecord {
    const group = this.groups.get(id);
    if (!group) throw resourceNotFound(id, 'UserGroup');
    return group;
  }

  /** The group of that name, whatever its case and diacritical marks. */
  findGroupByName(name: string): GroupRecord | undefined {
    return this.groups.named(name);
  }

  /** The groups whose ids sort after `cursor` (all of them without one), in id order. */
  groupsAfter(cursor?: string): Iterable<GroupRecord> {
    return this.groups.after(cursor);
  }

  replaceGroup(id: string, profile: Profile): GroupRecord {
    const group = this.getGroup(id);
    this.assertOktaGroup(group);
    this.assertValidGroupProfile(profile, group);
    this.groups.setProfile(group, { ...profile });
    group.lastUpdated = this.now();
    this.recordGroup('group.profile.update', group);
    this.changed();
    return group;
  }

  deleteGroup(id: string): void {
    const group = this.getGroup(id);
    this.assertOktaGroup(group);
    this.groups.remove(group);
    this.recordGroup('group.lifecycle.delete', group);
    this.changed();
  }

  /** Adding a member twice changes nothing. Okta calls adding to Everyone "Unsupported operation." */
  addMember(groupId: string, idOrLogin: string): void {
    const group = this.getGroup(groupId);
    const user = this.getUser(idOrLogin);
    if (group.type === 'BUILT_IN') throw unsupportedOperation();
    this.assertOktaGroup(group);
    if (!this.groups.addMember(group.id, user.id)) return;
    group.lastMembershipUpdated = this.now();
    this.record('group.user_membership.add', user, group);
    this.changed();
  }

  /** Removing a non-member changes nothing. */
  removeMember(groupId: string, idOrLogin: string): void {
    const group = this.getGroup(groupId);
    const user = this.getUser(idOrLogin);
    this.assertOktaGroup(group);
    if (!this.groups.removeMember(group.id, user.id)) return;
    group.lastMembershipUpdated = this.now();
    this.record('group.user_membership.remove', user, group);
    this.changed();
  }

  /** A group's members whose ids sort after `cursor`, in id order. */
  membersOf(groupId: string, cursor?: string): Iterable<UserRecord> {
    const group = this.getGroup(groupId);
    if (group.type === 'BUILT_IN') return this.users.after(cursor);
    const ids = this.groups.memberIds(group.id).filter((id) => cursor === undefined || id > cursor);
    return lookUp(ids, (id) => this.users.find(id));
  }

  /** The groups a user belongs to: Everyone first, then in id order. */
  groupsOf(idOrLogin: string): GroupRecord[] {
    const user = this.getUser(idOrLogin);
    return [this.everyone, ...this.groups.groupsOf(user.id)];
  }

  // Seeding, resetting and restoring: the org's starting state, so none of it is logged.

  /** Adds a group as a seed describes it; unlike the API, a seed may add APP_GROUP groups. */
  seedGroup(type: 'OKTA_GROUP' | 'APP_GROUP', profile: Profile): GroupRecord {
    this.assertValidGroupProfile(profile, undefined);
    const group = this.newGroup(type, profile);
    this.changed();
    return group;
  }

  /** Adds a user as a seed describes it, in any status (LOCKED_OUT has no API to reach it). */
  seedUser(seeded: SeededUser): UserRecord {
    this.assertValidProfile(seeded.profile, undefined);
    const groups = seeded.groupIds.map((id) => this.getGroup(id));
    const user = this.addUser(seeded.profile, seeded.status, seeded.hasPassword);
    for (const group of groups) if (group.type !== 'BUILT_IN') this.groups.addMember(group.id, user.id);
    this.changed();
    return user;
  }

  /** Back to a new org: no users but the super admin, and no groups but Everyone. Ids are never reused. */
  reset(): void {
    this.users.clear();
    this.groups.clear();
    this.apps.clear();
    this.groups.add(this.everyone);
    this.addSuperAdmin();
    this.changed();
  }

  snapshot(): OrgSnapshot {
    return {
      version: 1,
      defaultUserTypeId: this.defaultUserTypeId,
      users: [...this.users.after()],
      groups: [...this.groups.after()],
      memberships: this.groups.memberships(),
      customAttributes: this.schema.customAttributes(),
      apps: this.apps.snapshot(),
    };
  }

  /** Replaces the whole org with a snapshot; ids made from now on sort after the snapshot's. */
  restore(snapshot: OrgSnapshot): void {
    const copy = structuredClone(snapshot);
    const everyone = copy.groups.find((group) => group.type === 'BUILT_IN');
    if (!everyone) throw new Error('the org snapshot has no built-in Everyone group');
    this.users.clear();
    this.groups.clear();
    this.defaultUserTypeId = copy.defaultUserTypeId;
    this.schema.replaceCustom(copy.customAttributes);
    for (const group of copy.groups) {
      this.groups.add(group);
      this.groupIds.advancePast(group.id);
    }
    for (const user of copy.users) {
      this.users.add(user);
      this.userIds.advancePast(user.id);
    }
    for (const [groupId, userId] of copy.memberships) {
      if (!this.groups.get(groupId) || this.users.find(userId)?.id !== userId) {
        throw new Error(`the org snapshot has a membership of ${userId} in ${groupId}, one of which it lacks`);
      }
      this.groups.addMember(groupId, userId);
    }
    this.apps.restore(copy.apps);
    // An org saved before the emulator had its super admin gains them.
    if (!this.users.find(SUPER_ADMIN_ID)) this.addSuperAdmin();
    this.everyone = everyone;
    this.changed();
  }
}
