import { describe, expect, it } from 'vitest';
import { carriedState, initialState, statusOf, withAccounts } from '../../workflows/identity-state.ts';

/*
 * The identity's state across continue-as-new and versions: a run carried over by code before
 * targets (the Okta account in fields of its own), and one carried by today's code, which writes
 * both so that a worker not yet upgraded can read it during a rolling deploy.
 */
describe("an identity's state carried over by continue-as-new", () => {
  it('takes the Okta account from the fields code before targets carried', () => {
    const old = { ...initialState('hr', 'E1'), accounts: undefined as never, oktaUserId: '00u1', oktaProfile: { login: 'ada@example.com' }, removedGroups: ['staff'], deleted: false };
    const state = withAccounts(old);
    expect(state.accounts).toEqual({ okta: { id: '00u1', profile: { login: 'ada@example.com' }, removedGroups: ['staff'], deleted: false } });
    expect(statusOf(state, 0)).toMatchObject({ oktaUserId: '00u1', removedGroups: ['staff'], deleted: false });
  });

  it('carries every account, and the Okta one also under its old fields; reading it back keeps the accounts alone', () => {
    const state = {
      ...initialState('hr', 'E1'),
      accounts: {
        okta: { id: '00u1', profile: {}, removedGroups: ['staff'], deleted: false },
        kestra: { id: 'k-1', profile: { login: 'ada@example.com' }, removedGroups: ['dept-sales'], deleted: false, status: 'inactive' },
      },
    };
    const carried = carriedState(state);
    expect(carried).toMatchObject({ oktaUserId: '00u1', removedGroups: ['staff'], deleted: false, accounts: state.accounts });
    expect(withAccounts(carried)).toEqual(state);
  });

  it('counts the identity deleted only when every account it had is deleted', () => {
    const one = { ...initialState('hr', 'E1'), accounts: { okta: { id: undefined, profile: {}, removedGroups: [], deleted: true }, kestra: { id: 'k-1', profile: {}, removedGroups: [], deleted: false } } };
    expect(statusOf(one, 0)).toMatchObject({ deleted: false, lifecycleState: 'new' });
    const all = { ...one, accounts: { ...one.accounts, kestra: { id: undefined, profile: {}, removedGroups: [], deleted: true } } };
    expect(statusOf(all, 0)).toMatchObject({ deleted: true, lifecycleState: 'deleted' });
  });
});
