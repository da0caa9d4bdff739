import { describe, expect, it } from 'vitest';
import { formatPlan, liveText } from '../../src/cli/plan-table.ts';
import type { Plan, PlannedAction, PlanStep } from '../../src/policy/planner.ts';
import { liveEffects, targetsToRead, type LiveEffect, type TargetReading } from '../../src/targets/live-plan.ts';
import { readFailure } from '../../src/targets/live-read.ts';
import { ScimUnreachableError } from '../../src/targets/scim/errors.ts';
import type { AccountSnapshot } from '../../src/targets/target.ts';

const step = (action: PlannedAction, options: Partial<Omit<PlanStep, 'action'>> = {}): PlanStep => ({
  policy: 'people',
  workflow: 'w',
  trigger: 'mover',
  onError: 'stop',
  action,
  ...options,
});

const sync = (attributes: Record<string, string>, options: { create?: boolean; target?: string; createOnly?: string[] } = {}): PlannedAction => ({
  action: 'SYNC_IDENTITIES',
  create: options.create ?? false,
  attributes,
  fallbacks: {},
  createOnly: options.createOnly ?? [],
  ...(options.target ? { target: options.target } : {}),
});

const account = (overrides: Partial<AccountSnapshot> = {}): AccountSnapshot => ({ accountId: 'a1', active: true, profile: {}, groups: [], ...overrides });

const okta = (found: AccountSnapshot | undefined): TargetReading => ({ reached: true, kind: 'okta', account: found, capabilities: { groups: true, patch: true } });
const scim = (found: AccountSnapshot | undefined, groups = true): TargetReading => ({ reached: true, kind: 'scim', account: found, capabilities: { groups, patch: true } });

/** The effects as `tenure plan --live` prints them, one string per step. */
const said = (effects: LiveEffect[][]) => effects.map((each) => each.map(liveText).join(', '));

describe('tenure plan --live: what each step would change', () => {
  it('shows a mover only the attribute that differs, never the login or a createOnly one, and the group move', () => {
    const held = account({ profile: { login: 'old.login@example.com', title: 'Analyst', department: 'Research', start: '2020-01-01' }, groups: ['Dept-Research', 'everyone'] });
    const steps = [
      step(sync({ login: 'new.login@example.com', title: 'Senior Analyst', department: 'Research', start: '2026-01-01' }, { createOnly: ['start'] })),
      step({ action: 'MANAGE_RELATIONSHIPS', add: [], remove: [], sync: { prefix: 'dept-', groups: ['dept-sales'] } }),
    ];
    expect(said(liveEffects(steps, new Map([['okta', okta(held)]])))).toEqual(['title: Analyst → "Senior Analyst"', 'add dept-sales, remove Dept-Research']);
    // The reading is not changed by playing the steps against it.
    expect(held.groups).toEqual(['Dept-Research', 'everyone']);
  });

  it('compares group names without case, and says "no change" when all is so already', () => {
    const held = account({ profile: { title: 'Analyst' }, groups: ['DEPT-SALES', 'Staff'] });
    const steps = [
      step(sync({ title: 'Analyst' })),
      step({ action: 'MANAGE_RELATIONSHIPS', add: ['staff'], remove: ['contractors'], sync: { prefix: 'dept-', groups: ['dept-sales'] } }),
      step({ action: 'CREATE_ENTITLEMENT', name: 'staff', assign: true }),
    ];
    expect(said(liveEffects(steps, new Map([['okta', okta(held)]])))).toEqual(['no change', 'no change', 'no change (already a member)']);
  });

  it('plays a joiner in order: created, then assigned and added to every group, mail sent', () => {
    const steps = [
      step(sync({ login: 'zoe@example.com', title: 'Engineer' }, { create: true }), { trigger: 'joiner' }),
      step({ action: 'CREATE_ENTITLEMENT', name: 'dept-eng', assign: true }),
      step({ action: 'CREATE_ENTITLEMENT', name: 'all-hands', assign: false }),
      step({ action: 'MANAGE_RELATIONSHIPS', add: ['dept-eng', 'staff'], remove: [] }),
      step({ action: 'RESET_PASSWORD', notify: { template: 'welcome', to: 'm@example.com', context: {} } }),
      step({ action: 'NOTIFY', template: 'hello', to: 'm@example.com', context: {} }),
    ];
    expect(said(liveEffects(steps, new Map([['okta', okta(undefined)]])))).toEqual([
      'create',
      'assign dept-eng (group created if missing)',
      'group all-hands created if missing',
      'add staff',
      'sends mail',
      'sends mail',
    ]);
  });

  it('says a step that may not create would fail, and that its workflow stops there; another workflow goes on', () => {
    const steps = [
      step(sync({ title: 'Engineer' })),
      step({ action: 'MANAGE_RELATIONSHIPS', add: ['staff'], remove: [] }),
      step(sync({ title: 'Engineer' }), { workflow: 'lenient', onError: 'continue' }),
      step({ action: 'CREATE_ENTITLEMENT', name: 'staff', assign: true }, { workflow: 'lenient', onError: 'continue' }),
      step({ action: 'DELETE_IDENTITY' }, { workflow: 'other' }),
    ];
    expect(said(liveEffects(steps, new Map([['okta', okta(undefined)]])))).toEqual([
      'would fail: no account',
      'not run: the workflow stops at its SYNC_IDENTITIES, which would fail',
      'would fail: no account',
      'would fail: no account',
      'no change (no account)',
    ]);
  });

  it('shows a leaver "deactivate" in each target, with the groups removeGroups takes; an Okta suspend stays a suspend', () => {
    const deprovision = (target: string | undefined, mode: 'deactivate' | 'suspend', removeGroups: boolean): PlannedAction => ({
      action: 'DEPROVISION_IDENTITY',
      mode,
      revokeSessions: true,
      removeGroups,
      keepAttributes: true,
      ...(target ? { target } : {}),
    });
    const steps = [
      step(deprovision(undefined, 'deactivate', true), { trigger: 'leaver' }),
      step(deprovision('kestra', 'suspend', true), { workflow: 'kestra', trigger: 'leaver' }),
      step(deprovision('opshelm', 'deactivate', true), { workflow: 'opshelm', trigger: 'leaver' }),
      step({ action: 'DELETE_IDENTITY', target: 'kestra', approval: { template: 't', to: 'boss@example.com', context: {}, timeout: '3d' } }, { workflow: 'kestra', trigger: 'leaver' }),
    ];
    const readings = new Map([
      ['okta', okta(account({ groups: ['staff'] }))],
      ['kestra', scim(account({ groups: ['dept-eng'] }))],
      // An app without groups has no memberships to take.
      ['opshelm', scim(account({ active: false }), false)],
    ]);
    expect(said(liveEffects(steps, readings))).toEqual([
      'deactivate, remove staff',
      // SCIM has `active: false` alone for both modes.
      'deactivate, remove dept-eng',
      'no change (already inactive)',
      'delete, once boss@example.com approves (waits up to 3d)',
    ]);
    expect(said(liveEffects([step(deprovision(undefined, 'suspend', false))], new Map([['okta', okta(account())]])))).toEqual(['suspend']);
  });

  it('reactivates a rehire whose account is inactive, then shows what differs; an inactive Okta user not rehired keeps its profile unless suspended', () => {
    const held = () => account({ active: false, profile: { title: 'Analyst' } });
    const rehire = [step(sync({ title: 'Lead' }), { trigger: 'rehire' })];
    expect(said(liveEffects(rehire, new Map([['okta', okta(held())]])))).toEqual(['reactivate (and give back the groups its leaving removed), title: Analyst → Lead']);
    expect(said(liveEffects([step(sync({ title: 'Lead' }))], new Map([['okta', okta(held())]])))).toEqual([
      'title: Analyst → Lead (if suspended: a deactivated Okta user keeps its profile)',
    ]);
    expect(said(liveEffects([step(sync({ title: 'Lead' }, { target: 'kestra' }))], new Map([['kestra', scim(held())]])))).toEqual(['title: Analyst → Lead']);
  });

  it('says a group action would fail on an app without groups', () => {
    const steps = [step({ action: 'MANAGE_RELATIONSHIPS', target: 'opshelm', add: ['staff'], remove: [] }, { onError: 'continue' })];
    expect(said(liveEffects(steps, new Map([['opshelm', scim(account(), false)]])))).toEqual(['would fail: the target has no groups']);
  });

  it('makes the steps of a target that could not be read unknown, and still shows the others', () => {
    const steps = [step(sync({ title: 'Lead' }, { target: 'kestra' })), step(sync({ title: 'Lead' }), { workflow: 'okta' })];
    const readings = new Map<string, TargetReading>([
      ['kestra', { reached: false, target: 'kestra', reason: 'ECONNREFUSED', unreachable: true }],
      ['okta', okta(account({ profile: { title: 'Analyst' } }))],
    ]);
    expect(said(liveEffects(steps, readings))).toEqual(['unknown: kestra could not be reached (ECONNREFUSED)', 'title: Analyst → Lead']);
  });

  it('reads each target once, with every attribute its steps sync, and not for mail', () => {
    const steps = [
      step(sync({ login: 'l', title: 't' })),
      step(sync({ department: 'd' })),
      step(sync({ title: 't', email: 'e' }, { target: 'kestra' })),
      step({ action: 'DEPROVISION_IDENTITY', target: 'opshelm', mode: 'deactivate', revokeSessions: false, removeGroups: false, keepAttributes: true }),
      step({ action: 'NOTIFY', template: 'x', to: 'm@example.com', context: {} }),
      step({ action: 'RESET_PASSWORD', notify: { template: 'welcome', to: 'm@example.com', context: {} } }),
    ];
    expect(targetsToRead(steps)).toEqual(
      new Map([
        ['okta', ['login', 'title', 'department']],
        ['kestra', ['title', 'email']],
        ['opshelm', []],
      ]),
    );
    expect(targetsToRead([steps[4]!, steps[5]!])).toEqual(new Map());
  });

  it('says why a target could not be read in a few words, without the identity the operation named', () => {
    const scimDown = new Error('ECONNREFUSED', { cause: new ScimUnreachableError('ECONNREFUSED') });
    expect(readFailure('kestra', scimDown)).toEqual({ reached: false, target: 'kestra', unreachable: true, reason: 'ECONNREFUSED' });
    const oktaDown = Object.assign(new Error('reading the Okta user of E1001: Okta could not be reached: request to http://127.0.0.1:1/api/v1/users failed, reason: connect ECONNREFUSED 127.0.0.1:1'), {
      type: 'OktaUnreachable',
    });
    expect(readFailure('okta', oktaDown)).toEqual({ reached: false, target: 'okta', unreachable: true, reason: 'ECONNREFUSED' });
    const refused = new Error('reading the account of E1001: kestra answered 401 (credential refused)');
    expect(readFailure('kestra', refused)).toEqual({ reached: false, target: 'kestra', unreachable: false, reason: 'answered 401 (credential refused)' });
  });

  it('prints a LIVE column beside the target; a deferred step is read when it runs, a date trigger not at all', () => {
    const plan: Plan = {
      policySetHash: 'h',
      source: 'hr',
      key: 'E1',
      now: '2026-11-24T09:00:00Z',
      lifecycles: { people: 'leaver' },
      active: false,
      steps: [step({ action: 'DELETE_IDENTITY' }, { trigger: 'leaver' })],
      deferred: [{ id: 'people/later', lifecycle: 'leaver', at: '2026-12-01T09:00:00Z', steps: [step({ action: 'DELETE_IDENTITY' }, { workflow: 'later' })] }],
      schedule: [{ id: 'people/cleanup', at: '2026-12-20T09:00:00Z' }],
      onFailure: {},
      review: {},
      echo: {},
    };
    const lines = formatPlan(plan, [[{ effect: 'delete' }]]).split('\n').slice(2);
    expect(lines.map((line) => line.split(/ {2,}/))).toEqual([
      ['IDENTITY', 'CHANGE', 'POLICY WORKFLOW', 'WHEN', 'ACTION', 'TARGET', 'LIVE', 'KEY VALUES'],
      ['hr/E1', 'leaver', 'people/w', 'now', 'DELETE_IDENTITY', 'okta', 'delete', 'without approval'],
      ['hr/E1', 'leaver', 'people/later', '2026-12-01 09:00 UTC', 'DELETE_IDENTITY', 'okta', 'deferred: read when it runs', 'without approval'],
      ['hr/E1', 'leaver', 'people/cleanup', '2026-12-20 09:00 UTC', 'date trigger', '–', '–', 'planned then, against the record of that day'],
    ]);
    expect(formatPlan(plan)).not.toContain('LIVE');
  });
});
