import type { AppRecord, PushTask } from './app-records.ts';
import type { AppRegistry } from './app-store.ts';
import { newToken } from './ids.ts';
import { PATCH_OP } from '../../scim/protocol.ts';
import { GROUP_SCHEMA } from '../../scim/schema-definitions.ts';
import { sendScim, type ScimAnswer, type ScimCall } from './scim-client.ts';
import type { OktaStore } from './store.ts';
import { userTarget } from './log-entries.ts';
import type { LogTarget, SystemLog } from './system-log.ts';

/**
 * Sends each app's provisioning tasks to its SCIM base URL, one at a time and in order (a later
 * push for a user never overtakes an earlier one), in the app's shape:
 *
 *   what happened      OIN app (scim2testapp)                   wizard-built app
 *   assign             GET /Users?filter=userName eq "login", then POST /Users, or if found:
 *                      PATCH {active: true}                      PUT with active true
 *   profile change     GET /Users/{id}, then PUT                 the same
 *   deactivate,        PATCH replace {active: false}             PUT with active false
 *   unassign
 *   push group         GET /Groups?filter=displayName eq "name", then
 *                      POST without members, PATCH add members   POST with members
 *   membership change  PATCH remove members[value eq "…"], add   PUT of the whole group
 *   rename             PATCH replace {id, displayName}            PUT of the whole group
 *   unlink and delete  DELETE /Groups/{id}                        the same
 *
 * Okta never DELETEs a user. A call that gets no answer, a 5xx or a 429 is tried again after a
 * growing wait (or the one Retry-After asks for); another 4xx, or too many tries, fails the task:
 * it is recorded, as Okta records a provisioning task in error, and the queue moves on. Nothing
 * here runs within an Okta API request, and nothing it records holds the token or a body.
 */

export interface PushOptions {
  /** The wait before the second try; each later wait doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Tries per call before its task fails. */
  maxAttempts: number;
  /** How long each call waits for the app's answer. */
  timeoutMs: number;
}

export const DEFAULT_PUSH_OPTIONS: PushOptions = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 6, timeoutMs: 10_000 };

/** One call as the push log shows it: no body, and no login in a filter. */
export interface PushCallEntry {
  taskId: string;
  task: PushTask['type'];
  method: ScimCall['method'];
  path: string;
  status: number | null;
  attempt: number;
  outcome: 'ok' | 'retrying' | 'failed';
  reason?: string;
}

export interface FailedTask {
  taskId: string;
  task: PushTask['type'];
  /** The Okta user, or the app's group (target group id), the task was about. */
  subject: string;
  reason: string;
  at: string;
}

const LOG_LIMIT = 1000;

class TaskFailed extends Error {}

class Stopped extends Error {}

/** The filter value a lookup sends is a login or a group name: the log shows neither. */
function loggedPath(path: string): string {
  return path.replace(/filter=[^&]*/, 'filter=…');
}

function filterPath(resource: 'Users' | 'Groups', attribute: string, value: string): string {
  const quoted = `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return `/${resource}?filter=${encodeURIComponent(`${attribute} eq ${quoted}`)}&startIndex=1&count=100`;
}

const activePatch = (active: boolean) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active } }] });

/** The id of the first resource a list answer holds. */
function firstFound(body: unknown): string | undefined {
  const first = (body as { Resources?: Array<{ id?: unknown }> } | undefined)?.Resources?.[0];
  return typeof first?.id === 'string' ? first.id : undefined;
}

function createdId(body: unknown): string {
  const id = (body as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') throw new TaskFailed('The app answered a create without an id');
  return id;
}

export class ScimPush {
  private readonly running = new Map<string, Promise<void>>();
  private readonly calls = new Map<string, PushCallEntry[]>();
  private readonly failures = new Map<string, FailedTask[]>();
  private readonly settledWaiters = new Set<() => void>();
  private readonly abort = new AbortController();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly apps: AppRegistry,
    private readonly store: OktaStore,
    private readonly log: SystemLog,
    private readonly options: PushOptions = DEFAULT_PUSH_OPTIONS,
  ) {
    this.unsubscribe = apps.onQueued((appId) => this.kick(appId));
  }

  /** Starts every app's queue: what a restored org had not pushed yet, and anything an enabled connection releases. */
  kickAll(): void {
    for (const app of this.apps.list()) this.kick(app.id);
  }

  /** Starts working through the app's queue, unless that is under way. */
  kick(appId: string): void {
    if (this.abort.signal.aborted || this.running.has(appId) || !this.apps.next(appId)) return;
    const run = this.drain(appId)
      .catch((error: unknown) => {
        if (!(error instanceof Stopped)) process.emitWarning(`the Okta emulator's SCIM push stopped: ${(error as Error).message}`);
      })
      .finally(() => {
        this.running.delete(appId);
        this.notifySettled();
        // A task queued while the last one finished starts a new round.
        if (this.apps.next(appId) && !this.abort.signal.aborted) this.kick(appId);
      });
    this.running.set(appId, run);
  }

  /** Stops pushing: a call under way is abandoned and its task stays first in the queue, to be sent after a restart. */
  async close(): Promise<void> {
    this.unsubscribe();
    this.abort.abort();
    await Promise.all(this.running.values());
    this.notifySettled();
  }

  /** The app's calls, oldest first, and the tasks that failed. */
  history(appId: string): { calls: PushCallEntry[]; failedTasks: FailedTask[] } {
    return { calls: [...(this.calls.get(appId) ?? [])], failedTasks: [...(this.failures.get(appId) ?? [])] };
  }

  /** Resolves with the number of pushes left once there are none, or once `timeoutMs` has passed. */
  async settled(appId: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.apps.pending(appId) > 0 && Date.now() < deadline && !this.abort.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
        const waiter = () => done();
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.settledWaiters.add(waiter);
        timer.unref?.();
      });
    }
    return this.apps.pending(appId);
  }

  private notifySettled(): void {
    const waiters = [...this.settledWaiters];
    this.settledWaiters.clear();
    for (const waiter of waiters) waiter();
  }

  private async drain(appId: string): Promise<void> {
    for (let next = this.apps.next(appId); next; next = this.apps.next(appId)) {
      const { app, task } = next;
      try {
        await this.run(app, task);
        this.apps.finish(app, task.id, () => this.succeeded(app, task));
      } catch (error) {
        if (error instanceof Stopped || this.abort.signal.aborted) throw new Stopped();
        const reason = error instanceof TaskFailed ? error.message : 'The push failed inside the emulator';
        if (!(error instanceof TaskFailed)) process.emitWarning(`an Okta emulator push failed: ${(error as Error).message}`);
        this.apps.finish(app, task.id, () => this.failed(app, task, reason));
      }
      this.notifySettled();
    }
  }

  private succeeded(app: AppRecord, task: PushTask): void {
    if ('userId' in task) {
      const told = app.appUsers[task.userId];
      if (told) told.lastError = null;
    } else {
      this.markMapping(app, task.targetGroupId, '');
    }
    this.record(app, 'SUCCESS', task);
  }

  private failed(app: AppRecord, task: PushTask, reason: string): void {
    const subject = 'userId' in task ? task.userId : task.targetGroupId;
    if ('userId' in task) {
      const told = app.appUsers[task.userId];
      if (told) told.lastError = reason;
    } else {
      this.markMapping(app, task.targetGroupId, reason);
    }
    const failures = this.failures.get(app.id) ?? [];
    failures.push({ taskId: task.id, task: task.type, subject, reason, at: this.log.now().toISOString() });
    this.failures.set(app.id, failures.slice(-LOG_LIMIT));
    this.record(app, 'FAILURE', task, reason);
  }

  private markMapping(app: AppRecord, targetGroupId: string, errorSummary: string): void {
    const now = this.log.now().toISOString();
    for (const mapping of Object.values(app.mappings)) {
      if (mapping.targetGroupId !== targetGroupId) continue;
      mapping.errorSummary = errorSummary;
      if (errorSummary === '') mapping.lastPush = now;
    }
  }

  /** The System Log entry Okta writes for a push, naming the app and the Okta user if there is one. */
  private record(app: AppRecord, result: 'SUCCESS' | 'FAILURE', task: PushTask, reason?: string): void {
    const target: LogTarget[] = [{ id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label }];
    const user = 'userId' in task ? this.store.findUser(task.userId) : undefined;
    if (user && 'userId' in task && user.id === task.userId) target.push(userTarget(user));
    this.log.append({ eventType: EVENT_TYPES[task.type], displayMessage: DISPLAY[task.type], target, outcome: { result, reason: reason ?? null } });
  }

  private async run(app: AppRecord, task: PushTask): Promise<void> {
    const send = (call: ScimCall) => this.send(app, task, call);
    switch (task.type) {
      case 'user.assign':
        return this.assign(app, task, send);
      case 'user.update': {
        const scimId = app.appUsers[task.userId]?.scimId;
        if (!scimId) throw new TaskFailed('The user was never created in the app');
        await send({ method: 'GET', path: `/Users/${scimId}` });
        await send({ method: 'PUT', path: `/Users/${scimId}`, body: { ...task.user, id: scimId, active: true } });
        return;
      }
      case 'user.deactivate': {
        const scimId = app.appUsers[task.userId]?.scimId;
        if (!scimId) throw new TaskFailed('The user was never created in the app');
        if (app.kind === 'OIN') await send({ method: 'PATCH', path: `/Users/${scimId}`, body: activePatch(false) });
        else await send({ method: 'PUT', path: `/Users/${scimId}`, body: { ...task.user, id: scimId, active: false } });
        return;
      }
      case 'group.create':
        return this.createGroup(app, task, send);
      case 'group.members': {
        const scimId = this.targetScimId(app, task.targetGroupId);
        if (app.kind === 'WIZARD') {
          await send({ method: 'PUT', path: `/Groups/${scimId}`, body: this.wholeGroup(app, scimId, task.name, task.members) });
          return;
        }
        const removals = this.scimIdsOf(app, task.remove).map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` }));
        const additions = this.membersOf(app, task.add);
        const operations = [...removals, ...(additions.length > 0 ? [{ op: 'add', path: 'members', value: additions }] : [])];
        if (operations.length > 0) await send({ method: 'PATCH', path: `/Groups/${scimId}`, body: { schemas: [PATCH_OP], Operations: operations } });
        return;
      }
      case 'group.rename': {
        const scimId = this.targetScimId(app, task.targetGroupId);
        const body =
          app.kind === 'OIN'
            ? { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id: scimId, displayName: task.name } }] }
            : this.wholeGroup(app, scimId, task.name, task.members);
        await send({ method: app.kind === 'OIN' ? 'PATCH' : 'PUT', path: `/Groups/${scimId}`, body });
        const target = app.targetGroups[task.targetGroupId];
        if (target) target.name = task.name;
        return;
      }
      case 'group.delete': {
        const target = app.targetGroups[task.targetGroupId];
        if (target?.scimId) await send({ method: 'DELETE', path: `/Groups/${target.scimId}` });
        delete app.targetGroups[task.targetGroupId];
        return;
      }
    }
  }

  private async assign(app: AppRecord, task: Extract<PushTask, { type: 'user.assign' }>, send: (call: ScimCall) => Promise<unknown>): Promise<void> {
    const found = firstFound(await send({ method: 'GET', path: filterPath('Users', 'userName', String(task.user.userName)) }));
    let scimId: string;
    if (found !== undefined) {
      scimId = found;
      if (app.kind === 'OIN') await send({ method: 'PATCH', path: `/Users/${scimId}`, body: activePatch(true) });
      else await send({ method: 'PUT', path: `/Users/${scimId}`, body: { ...task.user, id: scimId, active: true } });
    } else {
      // Okta makes up a password for the new account; the app is expected to drop it (Tenure does).
      const password = app.capabilities.update.password.status === 'ENABLED' ? { password: newToken(16) } : {};
      scimId = createdId(await send({ method: 'POST', path: '/Users', body: { ...task.user, ...password, active: true } }));
    }
    const told = app.appUsers[task.userId];
    if (told) told.scimId = scimId;
  }

  private async createGroup(app: AppRecord, task: Extract<PushTask, { type: 'group.create' }>, send: (call: ScimCall) => Promise<unknown>): Promise<void> {
    const target = app.targetGroups[task.targetGroupId];
    if (!target) return;
    const found = firstFound(await send({ method: 'GET', path: filterPath('Groups', 'displayName', task.name) }));
    const members = this.membersOf(app, task.members);
    let scimId: string;
    if (found !== undefined) {
      // Linking an existing group pushes its whole membership.
      scimId = found;
      if (app.kind === 'OIN') {
        await send({ method: 'PATCH', path: `/Groups/${scimId}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'members', value: members }] } });
      } else {
        await send({ method: 'PUT', path: `/Groups/${scimId}`, body: this.wholeGroup(app, scimId, task.name, task.members) });
      }
    } else if (app.kind === 'OIN') {
      scimId = createdId(await send({ method: 'POST', path: '/Groups', body: { schemas: [GROUP_SCHEMA], displayName: task.name, members: [] } }));
      target.scimId = scimId;
      if (members.length > 0) {
        await send({ method: 'PATCH', path: `/Groups/${scimId}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members }] } });
      }
    } else {
      scimId = createdId(await send({ method: 'POST', path: '/Groups', body: { schemas: [GROUP_SCHEMA], displayName: task.name, members } }));
    }
    target.scimId = scimId;
    target.name = task.name;
  }

  private targetScimId(app: AppRecord, targetGroupId: string): string {
    const scimId = app.targetGroups[targetGroupId]?.scimId;
    if (!scimId) throw new TaskFailed('The group was never created in the app');
    return scimId;
  }

  /** The SCIM ids of Okta users the app holds; users whose creation failed are left out. */
  private scimIdsOf(app: AppRecord, userIds: readonly string[]): string[] {
    return userIds.flatMap((id) => app.appUsers[id]?.scimId ?? []);
  }

  private membersOf(app: AppRecord, userIds: readonly string[]): Array<{ value: string; display?: string }> {
    return userIds.flatMap((id) => {
      const scimId = app.appUsers[id]?.scimId;
      if (!scimId) return [];
      const login = this.store.findUser(id)?.profile.login;
      return [{ value: scimId, ...(typeof login === 'string' ? { display: login } : {}) }];
    });
  }

  private wholeGroup(app: AppRecord, scimId: string, name: string, members: readonly string[]) {
    return { schemas: [GROUP_SCHEMA], id: scimId, displayName: name, members: this.membersOf(app, members) };
  }

  /** Sends one call, trying again while that may help; answers its body, or throws TaskFailed. */
  private async send(app: AppRecord, task: PushTask, call: ScimCall): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const connection = app.connection;
      if (!connection) throw new TaskFailed('The app has no provisioning connection');
      let answer: ScimAnswer;
      try {
        answer = await sendScim(connection, call, { timeoutMs: this.options.timeoutMs, signal: this.abort.signal, nowMs: Date.now });
      } catch {
        throw new Stopped();
      }
      const giveUp = answer.outcome === 'final' || (answer.outcome === 'retry' && attempt >= this.options.maxAttempts);
      const outcome = answer.outcome === 'ok' ? 'ok' : giveUp ? 'failed' : 'retrying';
      this.logCall(app.id, {
        taskId: task.id,
        task: task.type,
        method: call.method,
        path: loggedPath(call.path),
        status: answer.status,
        attempt,
        outcome,
        ...(answer.outcome === 'ok' ? {} : { reason: answer.reason }),
      });
      if (answer.outcome === 'ok') return answer.body;
      if (answer.outcome === 'final') throw new TaskFailed(answer.reason);
      if (giveUp) throw new TaskFailed(`${answer.reason}, ${attempt} times`);
      const backoff = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
      await this.sleep(answer.retryAfterMs ?? backoff);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.abort.signal;
      if (signal.aborted) return reject(new Stopped());
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Stopped());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private logCall(appId: string, entry: PushCallEntry): void {
    const entries = this.calls.get(appId) ?? [];
    entries.push(entry);
    if (entries.length > LOG_LIMIT) entries.splice(0, entries.length - LOG_LIMIT);
    this.calls.set(appId, entries);
  }
}

/** The System Log event types of Okta's provisioning, per task. */
const EVENT_TYPES: Readonly<Record<PushTask['type'], string>> = {
  'user.assign': 'application.provision.user.push',
  'user.update': 'application.provision.user.push_profile',
  'user.deactivate': 'application.provision.user.deactivate',
  'group.create': 'application.provision.group_push.push',
  'group.members': 'application.provision.group_push.push_memberships',
  'group.rename': 'application.provision.group_push.push',
  'group.delete': 'application.provision.group_push.delete_appgroup',
};

const DISPLAY: Readonly<Record<PushTask['type'], string>> = {
  'user.assign': 'Push new user to external application',
  'user.update': 'Push user profile update to external application',
  'user.deactivate': 'Deactivate user in external application',
  'group.create': 'Push group to external application',
  'group.members': 'Push group memberships to external application',
  'group.rename': 'Push group to external application',
  'group.delete': 'Delete group in external application',
};
