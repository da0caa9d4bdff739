import { describe, expect, it } from 'vitest';
import { classify } from '../../src/policy/classify.ts';
import { loadPolicySet } from '../../src/policy/loader.ts';
import { plan, PlanError } from '../../src/policy/planner.ts';
import { Policy } from '../../src/policy/schema.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';

const policy = Policy.parse({
  apiVersion: 'tenure/v1',
  kind: 'LifecyclePolicy',
  metadata: { name: 'employees' },
  source: 'hr',
  identity: {
    key: 'employee_id',
    attributes: ['employee_id', 'department', 'title', 'status'],
    moverAttributes: ['department'],
    inactive: 'status eq "Terminated" or status eq "pending"',
  },
  workflows: [{ name: 'leaver', on: 'leaver', actions: [{ action: 'DEPROVISION_IDENTITY' }] }],
});

const active = { employee_id: 'E1', department: 'Sales', title: 'Rep', status: 'active' };
const terminated = { ...active, status: 'terminated' };

describe('lifecycle classification', () => {
  it.each([
    ['first seen as active', undefined, active, undefined, 'joiner'],
    ['first seen as already terminated', undefined, terminated, undefined, 'none'],
    ['terminated (compared ignoring case)', active, { ...active, status: 'TERMINATED' }, undefined, 'leaver'],
    ['removed from the source', active, null, undefined, 'leaver'],
    ['active again after leaving', terminated, active, undefined, 'rehire'],
    ['active again, and the history says it was active before', terminated, active, true, 'rehire'],
    ['active for the first time after a pending pre-start record', { ...active, status: 'pending' }, active, false, 'joiner'],
    ['back after being removed', null, active, undefined, 'rehire'],
    ['a mover attribute changed', active, { ...active, department: 'Finance' }, undefined, 'mover'],
    ['another attribute changed', active, { ...active, title: 'Lead' }, undefined, 'update'],
    ['nothing changed', active, { ...active }, undefined, 'none'],
    ['a terminated record changed again', terminated, { ...terminated, title: 'x' }, undefined, 'none'],
  ] as const)('%s → %s', (_name, previous, next, everActive, expected) => {
    expect(classify(policy, previous, next, everActive)).toBe(expected);
  });

  it.each([
    ['active again', active, 'update'],
    ['active again in another department', { ...active, department: 'Finance' }, 'mover'],
    ['still terminated, edited', { ...terminated, title: 'x' }, 'none'],
  ] as const)('while a termination waits for its date, %s → %s: the person never left', (_name, next, expected) => {
    expect(classify(policy, terminated, next, true, true)).toBe(expected);
  });
});

describe('planner', () => {
  const deferredLeaver = validPolicy.replace("    on: leaver\n", "    on: leaver\n    effective: '{termination_date}T17:00:00Z'\n").replace('manager_email, status]', 'manager_email, status, termination_date]');
  async function policySet(text = validPolicy) {
    const dirs = await policyFixture({ policies: { 'employees.yaml': text }, templates: { 'welcome.yaml': welcomeTemplate } });
    return loadPolicySet(dirs.policiesDir, dirs.templatesDir);
  }
  const now = '2026-11-24T09:00:00Z';
  const joiner = { employee_id: 'E7', first_name: 'Zoë', last_name: "O'Brien-Núñez", department: 'R&D', manager_email: 'boss@example.com', status: 'active' };

  it('plans a joiner: resolved attributes, groups and notification, each step naming its policy, workflow and trigger', async () => {
    const set = await policySet();
    const result = plan(set, { source: 'hr', key: 'E7', previous: undefined, next: joiner, now });
    expect(result.policySetHash).toBe(set.hash);
    expect(result.lifecycles).toEqual({ employees: 'joiner' });
    expect(result.steps.map((step) => [step.policy, step.workflow, step.trigger, step.action.action])).toEqual([
      ['employees', 'joiner', 'joiner', 'SYNC_IDENTITIES'],
      ['employees', 'joiner', 'joiner', 'MANAGE_RELATIONSHIPS'],
      ['employees', 'joiner', 'joiner', 'NOTIFY'],
    ]);
    expect(result.steps[0]!.action).toEqual({
      action: 'SYNC_IDENTITIES',
      create: true,
      attributes: { login: "zoe.o'brien-nunez@example.com", email: "zoe.o'brien-nunez@example.com", first_name: 'Zoë', last_name: "O'Brien-Núñez" },
      fallbacks: {},
      createOnly: [],
    });
    expect(result.steps[1]!.action).toEqual({ action: 'MANAGE_RELATIONSHIPS', add: ['staff', 'dept-r&d'], remove: [] });
    expect(result.steps[2]!.action).toMatchObject({ action: 'NOTIFY', template: 'welcome', to: 'boss@example.com', context: { first_name: 'Zoë', okta: { login: "zoe.o'brien-nunez@example.com" } } });
  });

  it('plans a leaver from the last known record, and nothing for an unchanged record or another source', async () => {
    const set = await policySet();
    const leaver = plan(set, { source: 'hr', key: 'E7', previous: joiner, next: { ...joiner, status: 'terminated' }, now });
    expect(leaver.steps.map((step) => step.action)).toEqual([
      { action: 'DEPROVISION_IDENTITY', mode: 'deactivate', revokeSessions: true, removeGroups: false, keepAttributes: true },
    ]);
    expect(plan(set, { source: 'hr', key: 'E7', previous: joiner, next: { ...joiner }, now }).steps).toEqual([]);
    expect(plan(set, { source: 'okta', key: 'E7', previous: undefined, next: joiner, now }).steps).toEqual([]);
  });

  it('is deterministic: the same change and time give the same plan', async () => {
    const set = await policySet();
    const change = { source: 'hr', key: 'E7', previous: undefined, next: joiner, now };
    expect(plan(set, change)).toEqual(plan(set, structuredClone(change)));
  });

  it('says which policy, workflow, action and attribute are missing when a record lacks one', async () => {
    const set = await policySet();
    const { last_name: _dropped, ...incomplete } = joiner;
    expect(() => plan(set, { source: 'hr', key: 'E7', previous: undefined, next: incomplete, now })).toThrow(PlanError);
    expect(() => plan(set, { source: 'hr', key: 'E7', previous: undefined, next: incomplete, now })).toThrow(
      /^policy employees, workflow joiner, action 1 \(SYNC_IDENTITIES\): .*last_name/,
    );
  });

  describe('a leaver with a future effective date', () => {
    const leaving = { ...joiner, status: 'terminated', termination_date: '2026-12-31' };

    it('defers the steps to that moment, and runs them at once when the moment has passed or is unknown', async () => {
      const set = await policySet(deferredLeaver);
      const early = plan(set, { source: 'hr', key: 'E7', previous: joiner, next: leaving, now });
      expect(early.steps).toEqual([]);
      expect(early.deferred).toMatchObject([{ id: 'employees/leaver', lifecycle: 'leaver', at: '2026-12-31T17:00:00.000Z', steps: [{ action: { action: 'DEPROVISION_IDENTITY' } }] }]);
      const late = plan(set, { source: 'hr', key: 'E7', previous: joiner, next: leaving, now: '2027-01-02T00:00:00Z' });
      expect(late.deferred).toEqual([]);
      expect(late.steps.map((step) => step.action.action)).toEqual(['DEPROVISION_IDENTITY']);
      const unknown = plan(set, { source: 'hr', key: 'E7', previous: joiner, next: { ...joiner, status: 'terminated' }, now });
      expect(unknown.steps.map((step) => step.action.action)).toEqual(['DEPROVISION_IDENTITY']);
    });

    it('keeps its onFailure notice with it, for a failure at that moment', async () => {
      const text = deferredLeaver.replace("    effective:", "    onFailure: { template: failed, to: it@example.com }\n    effective:");
      const dirs = await policyFixture({
        policies: { 'employees.yaml': text },
        templates: { 'welcome.yaml': welcomeTemplate, 'failed.yaml': "subject: 'Not deprovisioned: <<employee_id>>'\ntext: '<<failure.error>>'\n" },
      });
      const set = await loadPolicySet(dirs.policiesDir, dirs.templatesDir);
      const early = plan(set, { source: 'hr', key: 'E7', previous: joiner, next: leaving, now });
      expect(early.deferred).toMatchObject([{ id: 'employees/leaver', onFailure: { template: 'failed', to: 'it@example.com', context: { employee_id: 'E7' } } }]);
    });

    it('is cancelled by a rehire before the date, kept through other changes, and moved with the date', async () => {
      const set = await policySet(deferredLeaver);
      const deferred = [{ id: 'employees/leaver', lifecycle: 'leaver' as const, at: '2026-12-31T17:00:00.000Z' }];
      const rescinded = plan(set, { source: 'hr', key: 'E7', previous: leaving, next: joiner, now, everActive: true, deferred });
      expect(rescinded.review).toEqual({ 'employees/leaver': null });
      // The person never left, so nothing of a rehire (a new password, groups back) is planned.
      expect(rescinded.lifecycles).toEqual({ employees: 'update' });
      const edited = plan(set, { source: 'hr', key: 'E7', previous: leaving, next: { ...leaving, department: 'Ops' }, now, deferred });
      expect(edited.review).toEqual({ 'employees/leaver': '2026-12-31T17:00:00.000Z' });
      const postponed = plan(set, { source: 'hr', key: 'E7', previous: leaving, next: { ...leaving, termination_date: '2027-01-15' }, now, deferred });
      expect(postponed.review).toEqual({ 'employees/leaver': '2027-01-15T17:00:00.000Z' });
    });
  });
});
