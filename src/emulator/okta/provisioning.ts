import type { AppRecord, Mapping } from './app-records.ts';
import type { AppRegistry } from './app-store.ts';
import { bodyKey, scimUserOf } from './scim-user.ts';
import type { OktaStore } from './store.ts';

/**
 * Decides what Okta pushes to each app, by comparing what the org now says (who is assigned, their
 * mapped attributes, pushed groups and their assigned members) with what the app was last told.
 * It runs after every change to the org, so each change is pushed as its own tasks, in the order
 * the changes happened; the tasks carry what Okta knew then. Sending is scim-push.ts's.
 *
 * Okta's rules modelled here:
 * - a user is assigned directly or through an assigned group, and stays assigned while either
 *   lasts; deactivating a user in Okta ends their direct assignments;
 * - a deactivated user is pushed as inactive, and pushed as active again once reactivated and
 *   assigned again (a group's assignment comes back on its own);
 * - a pushed group's members in the app are the group's members who are assigned to the app;
 * - nothing is pushed while the app is inactive or its connection disabled: the changes wait and
 *   are pushed once it is enabled; a capability that is off skips its kind of push for good.
 */
/**
 * The users the app is assigned to now, with how: directly (`USER`, which wins) or through an
 * assigned group (`GROUP`). Deactivated users are assigned to nothing.
 */
export function assignmentsOf(store: OktaStore, app: AppRecord): Map<string, 'USER' | 'GROUP'> {
  const assigned = new Map<string, 'USER' | 'GROUP'>();
  for (const userId of Object.keys(app.directUsers)) {
    const user = store.findUser(userId);
    if (user?.id === userId && user.status !== 'DEPROVISIONED') assigned.set(userId, 'USER');
  }
  for (const groupId of Object.keys(app.groups)) {
    for (const member of store.membersOf(groupId)) {
      if (member.status !== 'DEPROVISIONED' && !assigned.has(member.id)) assigned.set(member.id, 'GROUP');
    }
  }
  return assigned;
}

export class Provisioning {
  private reconciling = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: OktaStore,
    private readonly apps: AppRegistry,
  ) {
    this.unsubscribe = store.onChange(() => this.reconcileAll());
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Never throws: a push must not fail the Okta request whose change caused it. */
  reconcileAll(): void {
    // The pushes queued below are changes too; they must not start another round.
    if (this.reconciling) return;
    this.reconciling = true;
    try {
      for (const app of this.apps.list()) this.reconcile(app);
    } catch (error) {
      process.emitWarning(`the Okta emulator could not work out its provisioning pushes: ${(error as Error).message}`);
    } finally {
      this.reconciling = false;
    }
  }

  private reconcile(app: AppRecord): void {
    this.dropDeparted(app);
    if (!this.apps.pushing(app)) return;
    const assigned = new Set(assignmentsOf(this.store, app).keys());
    this.pushUsers(app, assigned);
    for (const mapping of Object.values(app.mappings)) this.pushGroup(app, mapping, assigned);
  }

  /**
   * Okta ends the direct assignments of a deactivated user, and forgets assignments and mappings
   * of users and groups that are gone.
   */
  private dropDeparted(app: AppRecord): void {
    for (const userId of Object.keys(app.directUsers)) {
      const user = this.store.findUser(userId);
      if (user?.id !== userId || user.status === 'DEPROVISIONED') delete app.directUsers[userId];
    }
    for (const groupId of Object.keys(app.groups)) if (!this.groupExists(groupId)) delete app.groups[groupId];
    for (const mapping of Object.values(app.mappings)) if (!this.groupExists(mapping.sourceGroupId)) delete app.mappings[mapping.id];
    for (const [userId, told] of Object.entries(app.appUsers)) {
      if (!told.active && this.store.findUser(userId)?.id !== userId) delete app.appUsers[userId];
    }
  }

  private groupExists(groupId: string): boolean {
    try {
      this.store.getGroup(groupId);
      return true;
    } catch {
      return false;
    }
  }

  private pushUsers(app: AppRecord, assigned: Set<string>): void {
    const now = this.store.log.now().toISOString();
    const enabled = (status: { status: string }) => status.status === 'ENABLED';
    const { create, update } = app.capabilities;
    for (const userId of [...assigned].sort()) {
      const user = this.store.getUser(userId);
      const body = scimUserOf(user);
      const key = bodyKey(body);
      const told = app.appUsers[userId];
      if (!told || !told.active) {
        app.appUsers[userId] = { created: told?.created ?? now, lastUpdated: now, statusChanged: now, scimId: told?.scimId ?? null, active: true, bodyKey: key, lastError: null };
        if (enabled(create.lifecycleCreate)) this.apps.enqueue(app, { type: 'user.assign', userId, user: body });
      } else if (told.bodyKey !== key) {
        Object.assign(told, { bodyKey: key, lastUpdated: now });
        if (enabled(update.profile)) this.apps.enqueue(app, { type: 'user.update', userId, user: body });
      }
    }
    for (const [userId, told] of Object.entries(app.appUsers)) {
      if (!told.active || assigned.has(userId)) continue;
      Object.assign(told, { active: false, lastUpdated: now, statusChanged: now });
      const user = this.store.findUser(userId);
      // A user removed from the org while the app was not pushing leaves nothing to send.
      if (user?.id === userId && enabled(update.lifecycleDeactivate)) {
        this.apps.enqueue(app, { type: 'user.deactivate', userId, user: scimUserOf(user) });
      }
    }
  }

  private pushGroup(app: AppRecord, mapping: Mapping, assigned: Set<string>): void {
    if (mapping.status !== 'ACTIVE') return;
    const source = this.store.getGroup(mapping.sourceGroupId);
    const sourceName = String(source.profile.name);
    const members = [...this.store.membersOf(source.id)].map((user) => user.id).filter((id) => assigned.has(id)).sort();
    const { targetGroupId } = mapping;
    const told = mapping.told;
    if (told === null) {
      const name = app.targetGroups[targetGroupId]?.name ?? sourceName;
      mapping.told = { sourceName, name, members };
      this.apps.enqueue(app, { type: 'group.create', targetGroupId, name, members });
      return;
    }
    // The app's group follows the Okta group's name.
    if (told.sourceName !== sourceName) {
      Object.assign(told, { sourceName, name: sourceName });
      this.apps.enqueue(app, { type: 'group.rename', targetGroupId, name: sourceName, members: told.members });
    }
    const add = members.filter((id) => !told.members.includes(id));
    const remove = told.members.filter((id) => !members.includes(id));
    if (add.length === 0 && remove.length === 0) return;
    told.members = members;
    this.apps.enqueue(app, { type: 'group.members', targetGroupId, name: told.name, add, remove, members });
  }
}
