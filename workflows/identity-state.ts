import { identityLabel } from '../src/identity/display-name.ts';
import type { IdentityStatus, LifecycleState } from './definitions.ts';

export type IdentityState = Omit<IdentityStatus, 'pending' | 'lifecycleState'>;

export function initialState(source: string, key: string): IdentityState {
  return {
    source,
    key,
    record: null,
    known: false,
    active: false,
    everActive: false,
    policyVersion: undefined,
    oktaUserId: undefined,
    oktaProfile: {},
    removedGroups: [],
    deleted: false,
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
  if (state.deleted) return 'deleted';
  // Gone from the source before it was ever active (an Okta user deleted while deactivated) is inactive too.
  if (state.everActive || (state.known && state.record === null)) return 'inactive';
  return state.known ? 'joining' : 'new';
}

/** The Markdown the Temporal UI shows as the run's current details. */
export function describe(state: IdentityState, pending: number): string {
  const lines = [
    `**${identityLabel(state.source, state.key, state.record)}**: ${lifecycleStateOf(state)}`,
    `Okta user: ${state.oktaUserId ?? (state.deleted ? 'deleted' : state.oktaUserRefused ? `none (${state.oktaUserRefused})` : 'none yet')}${state.oktaProfile.login ? ` (${state.oktaProfile.login})` : ''}`,
    `Changes applied: ${state.applied}${state.lastEventId ? `, last event ${state.lastEventId}` : ''}${pending ? `, ${pending} queued` : ''}`,
    `Policy set: ${state.policyVersion ?? '–'}`,
    ...state.deferred.map(({ id, lifecycle, at }) => `Waiting: ${id} (${lifecycle}) at ${at}`),
    ...state.schedule.map(({ id, at }) => `Scheduled: ${id} at ${at}`),
    ...state.approvals.map(({ id, action, deadline }) => `Awaiting approval: ${action} of ${id}, until ${deadline}`),
    ...(state.held ? [`Held since ${state.held.since} by the mass-change guard ${state.held.guard}: \`tenure approve ${state.held.guard}\` releases it`] : []),
    ...(state.removedGroups.length ? [`Groups to restore on rehire: ${state.removedGroups.join(', ')}`] : []),
    ...(state.lastError ? [`Last error: ${state.lastError}`] : []),
  ];
  return lines.join('  \n');
}
