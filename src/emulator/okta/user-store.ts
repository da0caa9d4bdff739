import type { FactorRecord } from './factors.ts';
import { IdOrderedMap } from './id-ordered-map.ts';
import type { UserStatus } from './lifecycle.ts';
import { uniqueKey } from './unique-key.ts';

export type Profile = Record<string, unknown>;

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
  /** The password salted and hashed (password-hash.ts); null when the emulator never saw it (a seed, an imported hash). */
  passwordHash: string | null;
  recoveryQuestion: string | null;
  factors: FactorRecord[];
}

/** The part of a login before the @, by which a user can also be named while no other user shares it. */
function shortNameKey(login: unknown): string {
  return uniqueKey(String(login).split('@')[0]);
}

/**
 * The org's users, found by id, by login or by login short name in constant time (a single-user
 * request must not cost a scan), and listed in id order.
 */
export class UserStore {
  private readonly records = new IdOrderedMap<UserRecord>();
  private readonly byLogin = new Map<string, UserRecord>();
  private readonly byShortName = new Map<string, Set<UserRecord>>();

  get size(): number {
    return this.records.size;
  }

  add(user: UserRecord): void {
    this.records.add(user);
    this.indexLogin(user);
  }

  remove(user: UserRecord): void {
    this.records.delete(user.id);
    this.unindexLogin(user);
  }

  clear(): void {
    this.records.clear();
    this.byLogin.clear();
    this.byShortName.clear();
  }

  setProfile(user: UserRecord, profile: Profile): void {
    this.unindexLogin(user);
    user.profile = profile;
    this.indexLogin(user);
  }

  /** Finds a user by id, by login, or by login short name if no other user has that short name. */
  find(idOrLogin: string): UserRecord | undefined {
    const user = this.records.get(idOrLogin) ?? this.byLogin.get(uniqueKey(idOrLogin));
    if (user || idOrLogin.includes('@')) return user;
    const sharers = this.byShortName.get(uniqueKey(idOrLogin));
    return sharers?.size === 1 ? sharers.values().next().value : undefined;
  }

  holderOfLogin(login: unknown): UserRecord | undefined {
    return this.byLogin.get(uniqueKey(login));
  }

  /** The users whose ids sort after `cursor` (all of them without one), in id order. */
  after(cursor?: string): Iterable<UserRecord> {
    return this.records.after(cursor);
  }

  private indexLogin(user: UserRecord): void {
    this.byLogin.set(uniqueKey(user.profile.login), user);
    const key = shortNameKey(user.profile.login);
    let sharers = this.byShortName.get(key);
    if (!sharers) this.byShortName.set(key, (sharers = new Set()));
    sharers.add(user);
  }

  private unindexLogin(user: UserRecord): void {
    this.byLogin.delete(uniqueKey(user.profile.login));
    const key = shortNameKey(user.profile.login);
    const sharers = this.byShortName.get(key);
    sharers?.delete(user);
    if (sharers?.size === 0) this.byShortName.delete(key);
  }
}
