import { randomUUID } from 'node:crypto';
import type {
  AppKind,
  AppRecord,
  AppsSnapshot,
  Capabilities,
  GroupAssignment,
  Mapping,
  PushTask,
} from './app-records.ts';
import { OktaError, apiValidationFailed, fieldBlank, resourceNotFound } from './errors.ts';
import { OrderedIdGenerator } from './ids.ts';

/** The one catalogue (OIN) app the emulator knows: Okta's own SCIM 2.0 test app. */
export const SCIM_TEST_APP_NAME = 'scim2testapp';


/** Okta deletes only inactive apps, as it deletes only inactive event hooks. */
const deleteForbidden = (): OktaError => new OktaError(403, 'E0000056', 'Delete application forbidden.');

const provisioningNotEnabled = (): OktaError =>
  apiValidationFailed('feature', ['Provisioning is not enabled for the app instance.']);

export interface NewApp {
  label: string;
  signOnMode: string;
  /** Absent for a custom (wizard-built) app, for which a name is made. */
  name?: string;
  settings: Record<string, unknown>;
  visibility: Record<string, unknown>;
  accessibility: Record<string, unknown>;
}

export interface NewMapping {
  sourceGroupId: string;
  /** The name of the group to create or link in the app. */
  targetGroupName?: string;
  /** An app group a deleted mapping left behind, to link again. */
  targetGroupId?: string;
  status: 'ACTIVE' | 'INACTIVE';
}

/** "To app" capabilities are all on once the connection is: a sandbox works with two calls. */
function allEnabled(): Capabilities {
  return {
    create: { lifecycleCreate: { status: 'ENABLED' } },
    update: {
      profile: { status: 'ENABLED' },
      lifecycleDeactivate: { status: 'ENABLED' },
      password: { status: 'ENABLED', seed: 'RANDOM', change: 'KEEP_EXISTING' },
    },
  };
}

/** A name in Okta's style for an app the wizard builds: its label in lower case, letters and digits only. */
function nameFromLabel(label: string, taken: (name: string) => boolean): string {
  const base = label.toLowerCase().replace(/[^a-z0-9]+/g, '') || 'app';
  for (let n = 1; ; n++) if (!taken(`${base}_${n}`)) return `${base}_${n}`;
}

/**
 * The org's apps: their provisioning connection and features, who and which groups are assigned,
 * group push mappings, what each app has been told, and the pushes still to do. Knows nothing of
 * HTTP nor of SCIM; provisioning.ts decides the pushes and scim-push.ts sends them.
 */
export class AppRegistry {
  private readonly apps = new Map<string, AppRecord>();
  private readonly appIds = new OrderedIdGenerator('0oa');
  private readonly mappingIds = new OrderedIdGenerator('gPm');
  private readonly targetGroupIds = new OrderedIdGenerator('00g');
  private readonly queueListeners = new Set<(appId: string) => void>();

  constructor(
    private readonly now: () => string,
    private readonly changed: () => void,
  ) {}

  // Apps

  create(input: NewApp, activate: boolean): AppRecord {
    if (input.label.trim() === '') throw apiValidationFailed('label', [fieldBlank('label')]);
    let kind: AppKind = 'WIZARD';
    let name: string;
    if (input.name === undefined) {
      name = nameFromLabel(input.label, (candidate) => this.list().some((app) => app.name === candidate));
    } else if (input.name === SCIM_TEST_APP_NAME) {
      kind = 'OIN';
      name = input.name;
    } else {
      throw apiValidationFailed('name', [
        `name: The emulator's app catalogue has "${SCIM_TEST_APP_NAME}" only; leave name out for a custom app`,
      ]);
    }
    const now = this.now();
    const app: AppRecord = {
      id: this.appIds.next(),
      name,
      label: input.label,
      kind,
      signOnMode: input.signOnMode,
      status: activate ? 'ACTIVE' : 'INACTIVE',
      created: now,
      lastUpdated: now,
      settings: input.settings,
      visibility: input.visibility,
      accessibility: input.accessibility,
      connection: null,
      capabilities: allEnabled(),
      directUsers: {},
      groups: {},
      appUsers: {},
      mappings: {},
      targetGroups: {},
      queue: [],
    };
    this.apps.set(app.id, app);
    this.changed();
    return app;
  }

  get(id: string): AppRecord {
    const app = this.apps.get(id);
    if (!app) throw resourceNotFound(id, 'AppInstance');
    return app;
  }

  /** Every app, in id (creation) order. */
  list(): AppRecord[] {
    return [...this.apps.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  setStatus(id: string, status: AppRecord['status']): AppRecord {
    const app = this.get(id);
    if (app.status !== status) this.touch(app, () => (app.status = status));
    return app;
  }

  /** Only an inactive app can be deleted; what it had not pushed yet is dropped with it. */
  delete(id: string): void {
    const app = this.get(id);
    if (app.status !== 'INACTIVE') throw deleteForbidden();
    this.apps.delete(id);
    this.changed();
  }

  // The provisioning connection and its feature

  setConnection(id: string, baseUrl: string, token: string, activate: boolean | undefined): AppRecord {
    const app = this.get(id);
    const status = activate === undefined ? (app.connection?.status ?? 'DISABLED') : activate ? 'ENABLED' : 'DISABLED';
    this.touch(app, () => (app.connection = { baseUrl, authScheme: 'TOKEN', token, status }));
    return app;
  }

  setConnectionStatus(id: string, status: 'ENABLED' | 'DISABLED'): AppRecord {
    const app = this.get(id);
    if (!app.connection) throw provisioningNotEnabled();
    this.touch(app, () => (app.connection!.status = status));
    return app;
  }

  /** The USER_PROVISIONING feature, which exists once the app has a provisioning connection. */
  capabilities(id: string): { app: AppRecord; capabilities: Capabilities } {
    const app = this.get(id);
    if (!app.connection) throw provisioningNotEnabled();
    return { app, capabilities: app.capabilities };
  }

  updateCapabilities(id: string, capabilities: Capabilities): AppRecord {
    const app = this.capabilities(id).app;
    this.touch(app, () => (app.capabilities = capabilities));
    return app;
  }

  // Assignments

  assignUser(appId: string, userId: string): AppRecord {
    const app = this.get(appId);
    if (!app.directUsers[userId]) this.touch(app, () => (app.directUsers[userId] = { created: this.now() }));
    return app;
  }

  /** Ends the direct assignment; a user a group assigns stays assigned. */
  unassignUser(appId: string, userId: string): void {
    const app = this.get(appId);
    if (!app.directUsers[userId]) throw resourceNotFound(userId, 'AppUser');
    this.touch(app, () => delete app.directUsers[userId]);
  }

  assignGroup(appId: string, groupId: string, given: { priority?: number; profile?: Record<string, unknown> }): GroupAssignment {
    const app = this.get(appId);
    const existing = app.groups[groupId];
    const priority = given.priority ?? existing?.priority ?? Object.keys(app.groups).length;
    const assignment: GroupAssignment = { priority, profile: given.profile ?? existing?.profile ?? {}, lastUpdated: this.now() };
    this.touch(app, () => (app.groups[groupId] = assignment));
    return assignment;
  }

  groupAssignment(appId: string, groupId: string): GroupAssignment {
    const assignment = this.get(appId).groups[groupId];
    if (!assignment) throw resourceNotFound(groupId, 'ApplicationGroupAssignment');
    return assignment;
  }

  unassignGroup(appId: string, groupId: string): void {
    const app = this.get(appId);
    this.groupAssignment(appId, groupId);
    this.touch(app, () => delete app.groups[groupId]);
  }

  // Group push

  createMapping(appId: string, input: NewMapping, sourceName: string): Mapping {
    const app = this.get(appId);
    if (input.targetGroupId !== undefined && input.targetGroupName !== undefined) {
      throw apiValidationFailed('groupPushMapping', ['Provide either targetGroupId or targetGroupName, not both']);
    }
    if (Object.values(app.mappings).some((mapping) => mapping.sourceGroupId === input.sourceGroupId)) {
      throw apiValidationFailed('groupPushMapping', ['The source group is already pushed to this app']);
    }
    let targetGroupId = input.targetGroupId;
    if (targetGroupId === undefined) {
      targetGroupId = this.targetGroupIds.next();
      app.targetGroups[targetGroupId] = { name: input.targetGroupName ?? sourceName, scimId: null };
    } else if (!app.targetGroups[targetGroupId]) {
      throw apiValidationFailed('targetGroupId', [`targetGroupId: ${targetGroupId} is not a group of this app`]);
    }
    const now = this.now();
    const mapping: Mapping = {
      id: this.mappingIds.next(),
      sourceGroupId: input.sourceGroupId,
      targetGroupId,
      status: input.status,
      created: now,
      lastUpdated: now,
      lastPush: null,
      errorSummary: '',
      told: null,
    };
    this.touch(app, () => (app.mappings[mapping.id] = mapping));
    return mapping;
  }

  mapping(appId: string, mappingId: string): Mapping {
    const mapping = this.get(appId).mappings[mappingId];
    if (!mapping) throw resourceNotFound(mappingId, 'GroupPushMapping');
    return mapping;
  }

  setMappingStatus(appId: string, mappingId: string, status: 'ACTIVE' | 'INACTIVE'): Mapping {
    const mapping = this.mapping(appId, mappingId);
    this.touch(this.get(appId), () => {
      mapping.status = status;
      mapping.lastUpdated = this.now();
    });
    return mapping;
  }

  /** Okta deletes only an inactive mapping; with `deleteTargetGroup` the app's group goes too. */
  deleteMapping(appId: string, mappingId: string, deleteTargetGroup: boolean): void {
    const app = this.get(appId);
    const mapping = this.mapping(appId, mappingId);
    if (mapping.status === 'ACTIVE') {
      throw apiValidationFailed('groupPushMapping', ['Deactivate the group push mapping before deleting it']);
    }
    this.touch(app, () => {
      delete app.mappings[mappingId];
      if (!deleteTargetGroup) return;
      // The app holds the group only once a push created it (or is about to).
      if (mapping.told !== null) this.enqueue(app, { type: 'group.delete', targetGroupId: mapping.targetGroupId });
      else delete app.targetGroups[mapping.targetGroupId];
    });
  }

  // The push queue

  /** Pushes happen while the app is active and its provisioning connection enabled. */
  pushing(app: AppRecord): boolean {
    return app.status === 'ACTIVE' && app.connection?.status === 'ENABLED';
  }

  enqueue(app: AppRecord, task: DistributiveOmit<PushTask, 'id'>): void {
    app.queue.push({ ...task, id: randomUUID() } as PushTask);
    this.changed();
    for (const listener of this.queueListeners) listener(app.id);
  }

  /** Calls `listener` with the app's id whenever a push is queued. */
  onQueued(listener: (appId: string) => void): () => void {
    this.queueListeners.add(listener);
    return () => this.queueListeners.delete(listener);
  }

  /** The push to do next, unless the app is gone or it is not pushing. */
  next(appId: string): { app: AppRecord; task: PushTask } | undefined {
    const app = this.apps.get(appId);
    const task = app?.queue[0];
    return app && task && this.pushing(app) ? { app, task } : undefined;
  }

  /** How many pushes the app has still to do (0 for an app that is gone). */
  pending(appId: string): number {
    return this.apps.get(appId)?.queue.length ?? 0;
  }

  /** Removes the task the app has finished (or given up on), with what it changed. */
  finish(app: AppRecord, taskId: string, change: () => void): void {
    change();
    if (app.queue[0]?.id === taskId) app.queue.shift();
    this.changed();
  }

  // Saving and restoring, with the rest of the org

  snapshot(): AppsSnapshot {
    return { apps: this.list() };
  }

  restore(snapshot: AppsSnapshot): void {
    this.apps.clear();
    for (const app of snapshot.apps) {
      this.apps.set(app.id, app);
      this.appIds.advancePast(app.id);
      for (const id of Object.keys(app.mappings)) this.mappingIds.advancePast(id);
      for (const id of Object.keys(app.targetGroups)) this.targetGroupIds.advancePast(id);
    }
  }

  clear(): void {
    this.apps.clear();
  }

  /** Applies a change to an app and stamps it. */
  private touch(app: AppRecord, change: () => void): void {
    change();
    app.lastUpdated = this.now();
    this.changed();
  }
}

/** Omit applied to each member of a union, so that the union's members stay apart. */
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
