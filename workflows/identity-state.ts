import { identityLabel } from '../src/identity/display-name.ts';
import { DEFAULT_TARGET } from '../src/targets/actions.ts';
import type { DecisionRefusal, IdentityStatus, LifecycleState, TargetAccount } from './definitions.ts';

/** The status's fields that tell the Okta account as they did before targets: the state keeps them in `accounts`. */
type OktaAccountFields = 'oktaUserId' | 'oktaProfile' | 'removedGroups' | 'deleted';

export type IdentityState = Omit<IdentityStatus, 'pending' | 'lifecycleState' | OktaAccountFields>;

/** An account the identity does not have yet. */
export function noAccount(): TargetAccount {
  return { id: undefined, profile: {}, removedGroups: [], deleted: false };
}

/** The identity's account in a target, kept in the state from its first action on that target. */
export function accountIn(state: Pick<IdentityState, 'accounts'>, target: string): TargetAccount {
  return (state.accounts[target] ??= noAccount());
}

/** The Okta account, read without adding one. */
export function oktaAccount(state: Pick<IdentityState, 'accounts'>): TargetAccount {
  return state.accounts[DEFAULT_TARGET] ?? noAccount();
}

/**
 * The state carried over by continue-as-new, as the state is now: from workflow code before
 * targets, which kept the Okta account in fields of its own, or from today's, which writes both.
 */
export function withAccounts(carried: IdentityState & Partial<Pick<IdentityStatus, OktaAccountFields>>): IdentityState {
  const { oktaUserId, oktaProfile, removedGroups, deleted, ...rest } = carried;
  // Carried by code with targets, which writes both: `accounts` is the state, the rest a copy for older workers.
  if (rest.accounts) return rest;
  const okta: TargetAccount = { id: oktaUserId, profile: oktaProfile ?? {}, removedGroups: removedGroups ?? [], deleted: deleted ?? false };
  return { ...rest, accounts: oktaUserId || deleted || Object.keys(okta.profile).length > 0 || okta.removedGroups.length > 0 ? { [DEFAULT_TARGET]: okta } : {} };
}

/** Whether the identity had accounts and every one is deleted. */
export function allDeleted(state: Pick<IdentityState, 'accounts'>): boolean {
  const accounts = Object.values(state.accounts);
  return accounts.some((account) => account.deleted) && accounts.every((account) => account.deleted || account.id === undefined);
}

/** The status a query answers: the state, and the Okta account under its names from before targets. */
export function statusOf(state: IdentityState, pending: number): IdentityStatus {
  const okta = oktaAccount(state);
  return {
    ...state,
    oktaUserId: okta.id,
    oktaProfile: okta.profile,
    removedGroups: okta.removedGroups,
    deleted: allDeleted(state),
    pending,
    lifecycleState: lifecycleStateOf(state),
  };
}

/**
 * The state continue-as-new carries: the Okta account also under its fields from before targets,
 * so that a worker not yet upgraded that picks up the new run (a rolling deploy) reads it too.
 */
export function carriedState(state: IdentityState): IdentityState & Pick<IdentityStatus, OktaAccountFields> {
  const { pending: _pending, lifecycleState: _lifecycleState, ...carried } = statusOf(state, 0);
  return carried;
}

export function initialState(source: string, key: string): IdentityState {
  return {
    source,
    key,
    record: null,
    known: false,
    active: false,
    everActive: false,
    policyVersion: undefined,
    accounts: {},
    applied: 0,
    lastEventId: undefined,
    lastError: undefined,
    deferred: [],
    schedule: [],
    approvals: [],
    held: undefined,
  };
}

export function lifecycleStateOf(state: IdentityState): LifecycleState {
  if (state.held) return 'held';
  if (state.approvals.length > 0) return 'awaiting-approval';
  if (state.deferred.some(({ lifecycle }) => lifecycle === 'leaver')) return 'leaving';
  if (state.active) return 'active';
  if (allDeleted(state)) return 'deleted';
  // Gone from the source before it was ever active (an Okta user deleted while deactivated) is inactive too.
  if (state.everActive || (state.known && state.record === null)) return 'inactive';
  return state.known ? 'joining' : 'new';
}

/** The Markdown the Temporal UI shows as the run's current details. */
export function describe(state: IdentityState, pending: number): string {
  const okta = oktaAccount(state);
  const others = Object.entries(state.accounts).filter(([target]) => target !== DEFAULT_TARGET);
  const lines = [
    `**${identityLabel(state.source, state.key, state.record)}**: ${lifecycleStateOf(state)}`,
    `Okta user: ${okta.id ?? (okta.deleted ? 'deleted' : state.oktaUserRefused ? `none (${state.oktaUserRefused})` : 'none yet')}${okta.profile.login ? ` (${okta.profile.login})` : ''}`,
    ...others.map(([target, account]) => `${target} account: ${accountLine(account)}`),
    `Changes applied: ${state.applied}${state.lastEventId ? `, last event ${state.lastEventId}` : ''}${pending ? `, ${pending} queued` : ''}`,
    `Policy set: ${state.policyVersion ?? '–'}`,
    ...state.deferred.map(({ id, lifecycle, at }) => `Waiting: ${id} (${lifecycle}) at ${at}`),
    ...state.schedule.map(({ id, at }) => `Scheduled: ${id} at ${at}`),
    ...state.approvals.map(({ id, action, deadline }) => `Awaiting approval: ${action} of ${id}, until ${deadline}`),
    ...(state.held ? [`Held since ${state.held.since} by the mass-change guard ${state.held.guard}: \`tenure approve ${state.held.guard}\` releases it`] : []),
    ...Object.entries(state.accounts).flatMap(([target, { removedGroups }]) =>
      removedGroups.length ? [`Groups to restore on rehire${others.length ? ` in ${target}` : ''}: ${removedGroups.join(', ')}`] : [],
    ),
    ...(state.lastError ? [`Last error: ${state.lastError}`] : []),
    ...refusalLines(state.refusedDecisions),
  ];
  return lines.join('  \n');
}

/** The latest refusals shown in a workflow's current details; the status keeps more. */
const REFUSALS_SHOWN = 3;

/** The last decisions refused, for a workflow's current details. */
export function refusalLines(refusals: DecisionRefusal[] | undefined): string[] {
  return (refusals ?? []).slice(-REFUSALS_SHOWN).map((refusal) => `Refused: ${refusalLine(refusal)}`);
}

/** A refusal in one line: when, what, who the proof or request named, and why. */
export function refusalLine({ at, decision, approval, reason, claimedBy }: DecisionRefusal): string {
  return `${at} ${decision === 'approved' ? 'approval' : 'rejection'} of ${approval}${claimedBy ? ` claimed by ${claimedBy}` : ''}: ${reason}`;
}

/** An account in one line: its id and status, or why there is none, and its last failure. */
export function accountLine(account: TargetAccount): string {
  const id = account.id ? `${account.id}${account.status ? ` (${account.status})` : ''}` : account.deleted ? 'deleted' : 'none yet';
  return `${id}${account.lastError ? `; failed: ${account.lastError}` : ''}`;
}
