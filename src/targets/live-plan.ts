import { syncedOnExistingUser } from '../okta/profile.ts';
import type { PlanStep } from '../policy/planner.ts';
import type { CreateEntitlementAction, DeprovisionIdentityAction, ManageRelationshipsAction, PlannedAction, SyncIdentitiesAction, TargetedAction } from './actions.ts';
import { targetOf } from './actions.ts';
import type { AccountSnapshot, TargetCapabilities, TargetKind } from './target.ts';

/**
 * `tenure plan --live`: what a plan's steps would really change, given each target's account as it
 * is now. Pure: the accounts are read beforehand (live-read.ts), once per target, and the steps are
 * played in order against a copy, so that a step sees what the steps before it would have done
 * (a create followed by group additions adds every group).
 */

/** What `tenure plan --live` found in a target, or why it found nothing. */
export type TargetReading =
  | { reached: true; kind: TargetKind; account: AccountSnapshot | undefined; capabilities: TargetCapabilities }
  | { reached: false; target: string; reason: string; unreachable: boolean };

/** One thing a step would do, or why it would do nothing; plan-table.ts says it in words. */
export type LiveEffect =
  | { effect: 'create' }
  | { effect: 'reactivate' }
  /** `ifSuspended`: an inactive Okta user, whose profile Okta changes only when suspended, not deactivated. */
  | { effect: 'set'; attribute: string; from: string | null; to: string; ifSuspended?: true }
  | { effect: 'add'; group: string }
  | { effect: 'remove'; group: string }
  /** CREATE_ENTITLEMENT: the group is made if missing, which the account alone cannot tell. */
  | { effect: 'ensure-group'; group: string }
  | { effect: 'assign'; group: string }
  | { effect: 'deactivate' | 'suspend' }
  | { effect: 'delete'; approval?: { to: string; timeout: string } }
  | { effect: 'mail' }
  | { effect: 'no-change'; why?: 'already inactive' | 'no account' | 'already a member' }
  | { effect: 'fails'; why: 'no account' | 'no groups' }
  /** An earlier step of the same workflow would fail, and the workflow stops there. */
  | { effect: 'not-run'; after: string }
  | { effect: 'unknown'; target: string; reason: string; unreachable: boolean }
  /** A step that waits for its effective moment: read when it runs, not now. */
  | { effect: 'deferred'; at: string };

/** The actions whose effect depends on the account: their targets are read. */
function readsAccount(action: PlannedAction): action is Exclude<TargetedAction, { action: 'RESET_PASSWORD' }> {
  return action.action !== 'NOTIFY' && action.action !== 'RESET_PASSWORD';
}

/**
 * The targets the steps act on, each with the attributes to read from it: those any
 * SYNC_IDENTITIES on it writes. Asked once per target, however many steps name it.
 */
export function targetsToRead(steps: readonly PlanStep[]): Map<string, string[]> {
  const wanted = new Map<string, Set<string>>();
  for (const { action } of steps) {
    if (!readsAccount(action)) continue;
    const attributes = wanted.get(targetOf(action)) ?? new Set<string>();
    if (action.action === 'SYNC_IDENTITIES') for (const name of Object.keys(action.attributes)) attributes.add(name);
    wanted.set(targetOf(action), attributes);
  }
  return new Map([...wanted].map(([target, attributes]) => [target, [...attributes]]));
}

/** The account as the steps so far would leave it. */
interface Simulated {
  account: AccountSnapshot | undefined;
  kind: TargetKind;
  capabilities: TargetCapabilities;
}

const lower = (name: string) => name.toLowerCase();
const holds = (account: AccountSnapshot, group: string) => account.groups.some((held) => lower(held) === lower(group));

/** `rehire`: the step runs for a rehire, which brings an inactive account back first, as the workflow does. */
function syncEffects(action: SyncIdentitiesAction, rehire: boolean, state: Simulated): LiveEffect[] {
  const account = state.account;
  if (!account) {
    if (!action.create) return [{ effect: 'fails', why: 'no account' }];
    state.account = { accountId: '', active: true, profile: { ...action.attributes }, groups: [] };
    return [{ effect: 'create' }];
  }
  const reactivate = rehire && !account.active;
  const effects: LiveEffect[] = reactivate ? [{ effect: 'reactivate' }] : [];
  if (reactivate) account.active = true;
  // Okta refuses to change a deactivated user's profile and the target leaves it so; a suspended one's it changes.
  const ifSuspended = state.kind === 'okta' && !account.active;
  for (const [attribute, value] of Object.entries(action.attributes)) {
    if (!syncedOnExistingUser(attribute, action.createOnly) || account.profile[attribute] === value) continue;
    effects.push({ effect: 'set', attribute, from: account.profile[attribute] ?? null, to: value, ...(ifSuspended ? { ifSuspended: true as const } : {}) });
    if (!ifSuspended) account.profile[attribute] = value;
  }
  return effects.length > 0 ? effects : [{ effect: 'no-change' }];
}

function relationshipEffects(action: ManageRelationshipsAction, account: AccountSnapshot): LiveEffect[] {
  const wanted = [...action.add, ...(action.sync?.groups ?? [])];
  const prefix = action.sync && lower(action.sync.prefix);
  const wantedNames = new Set(wanted.map(lower));
  const added = wanted.filter((group, index) => !holds(account, group) && wanted.findIndex((other) => lower(other) === lower(group)) === index);
  const removed = account.groups.filter(
    (held) => action.remove.some((group) => lower(group) === lower(held)) || (prefix !== undefined && lower(held).startsWith(prefix) && !wantedNames.has(lower(held))),
  );
  account.groups = [...account.groups.filter((held) => !removed.includes(held)), ...added];
  const effects: LiveEffect[] = [...added.map((group) => ({ effect: 'add' as const, group })), ...removed.map((group) => ({ effect: 'remove' as const, group }))];
  return effects.length > 0 ? effects : [{ effect: 'no-change' }];
}

function deprovisionEffects(action: DeprovisionIdentityAction, state: Simulated, account: AccountSnapshot): LiveEffect[] {
  const effects: LiveEffect[] = [];
  if (action.removeGroups && state.capabilities.groups) {
    effects.push(...account.groups.map((group) => ({ effect: 'remove' as const, group })));
    account.groups = [];
  }
  if (account.active) {
    // SCIM has one way to end access, `active: false`, for both modes.
    effects.unshift({ effect: action.mode === 'suspend' && state.kind === 'okta' ? 'suspend' : 'deactivate' });
    account.active = false;
  } else {
    effects.unshift({ effect: 'no-change', why: 'already inactive' });
  }
  return effects;
}

function entitlementEffects(action: CreateEntitlementAction, account: AccountSnapshot | undefined): LiveEffect[] {
  if (!action.assign) return [{ effect: 'ensure-group', group: action.name }];
  if (!account) return [{ effect: 'fails', why: 'no account' }];
  if (holds(account, action.name)) return [{ effect: 'no-change', why: 'already a member' }];
  account.groups = [...account.groups, action.name];
  return [{ effect: 'assign', group: action.name }];
}

/** The effect of one step on the simulated account of its target. */
function stepEffects(step: PlanStep, state: Simulated): LiveEffect[] {
  const { action } = step;
  const needsGroups = action.action === 'MANAGE_RELATIONSHIPS' || action.action === 'CREATE_ENTITLEMENT';
  if (needsGroups && !state.capabilities.groups) return [{ effect: 'fails', why: 'no groups' }];
  switch (action.action) {
    case 'SYNC_IDENTITIES':
      return syncEffects(action, step.trigger === 'rehire', state);
    case 'CREATE_ENTITLEMENT':
      return entitlementEffects(action, state.account);
    case 'MANAGE_RELATIONSHIPS':
      return state.account ? relationshipEffects(action, state.account) : [{ effect: 'fails', why: 'no account' }];
    case 'DEPROVISION_IDENTITY':
      return state.account ? deprovisionEffects(action, state, state.account) : [{ effect: 'fails', why: 'no account' }];
    case 'DELETE_IDENTITY': {
      if (!state.account) return [{ effect: 'no-change', why: 'no account' }];
      state.account = undefined;
      return [{ effect: 'delete', ...(action.approval ? { approval: { to: action.approval.to, timeout: action.approval.timeout } } : {}) }];
    }
    case 'RESET_PASSWORD':
    case 'NOTIFY':
      return [{ effect: 'mail' }];
  }
}

/** What a step deferred to its effective moment shows: it is read when it runs, not now. */
export const deferredEffects = (at: string): LiveEffect[] => [{ effect: 'deferred', at }];

const workflowOf = (step: PlanStep) => `${step.policy}/${step.workflow}`;

/**
 * What each step would change, in the plan's order, given what each target holds now. A step
 * that would fail stops its workflow, as the identity workflow does unless `onError: continue`;
 * a target that could not be read makes its steps unknown, and the others are still shown.
 */
export function liveEffects(steps: readonly PlanStep[], readings: ReadonlyMap<string, TargetReading>): LiveEffect[][] {
  const states = new Map<string, Simulated>();
  for (const [target, reading] of readings) {
    if (reading.reached) states.set(target, { kind: reading.kind, capabilities: reading.capabilities, account: reading.account && structuredClone(reading.account) });
  }
  const stoppedBy = new Map<string, string>();
  return steps.map((step) => {
    const workflow = workflowOf(step);
    const stopped = stoppedBy.get(workflow);
    if (stopped) return [{ effect: 'not-run', after: stopped }];
    if (!readsAccount(step.action)) return [{ effect: 'mail' }];
    const target = targetOf(step.action);
    const reading = readings.get(target);
    if (!reading) throw new Error(`no reading of target "${target}" for ${workflow} ${step.action.action}: targetsToRead lists every target the steps name`);
    if (!reading.reached) return [{ effect: 'unknown', target: reading.target, reason: reading.reason, unreachable: reading.unreachable }];
    const effects = stepEffects(step, states.get(target)!);
    if (effects.some(({ effect }) => effect === 'fails') && step.onError === 'stop') stoppedBy.set(workflow, step.action.action);
    return effects;
  });
}
