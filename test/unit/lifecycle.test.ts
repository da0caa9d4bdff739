import { describe, expect, it } from 'vitest';
import { classify } from '../../src/policy/classify.ts';
import { loadPolicySet } from '../../src/policy/loader.ts';
import { plan } from '../../src/policy/planner.ts';
import { Policy } from '../../src/policy/schema.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';

const policy = Policy.parse({
  apiVersion: 'tenure/v1',
  kind: 'LifecyclePolicy',
  metadata: { name: 'employees' },
  source: 'hr',
  identity: { key: 'employee_id', moverAttributes: ['department'], inactive: { attribute: 'status', values: ['Terminated'] } },
  workflows: [{ name: 'leaver', on: 'leaver', actions: [{ action: 'DEPROVISION_IDENTITY' }] }],
});

const active = { employee_id: 'E1', department: 'Sales', title: 'Rep', status: 'active' };

describe('lifecycle classification', () => {
  it.each([
    ['first seen as active', undefined, active, 'joiner'],
    ['first seen as already terminated', undefined, { ...active, status: 'terminated' }, 'none'],
    ['terminated (compared ignoring case)', active, { ...active, status: 'TERMINATED' }, 'leaver'],
    ['removed from the source', active, null, 'leaver'],
    ['active again after leaving', { ...active, status: 'terminated' }, active, 'rehire'],
    ['back after being removed', null, active, 'rehire'],
    ['a mover attribute changed', active, { ...active, department: 'Finance' }, 'mover'],
    ['another attribute changed', active, { ...active, title: 'Lead' }, 'update'],
    ['nothing changed', active, { ...active }, 'none'],
    ['a terminated record changed again', { ...active, status: 'terminated' }, { ...active, status: 'terminated', title: 'x' }, 'none'],
  ] as const)('%s → %s', (_name, previous, next, expected) => {
    expect(classify(policy, previous, next)).toBe(expected);
  });
});

describe('planner', () => {
  async function policySet() {
    const dirs = await policyFixture({ policies: { 'employees.yaml': validPolicy }, templates: { 'welcome.yaml': welcomeTemplate } });
    return loadPolicySet(dirs.policiesDir, dirs.templatesDir);
  }
  const joiner = { employee_id: 'E7', first_name: 'Zoë', last_name: "O'Brien-Núñez", department: 'R&D', manager_email: 'boss@example.com', status: 'active' };

  it('plans a joiner: resolved attributes, groups and notification, each step naming its policy and workflow', async () => {
    const set = await policySet();
    const result = plan(set, { source: 'hr', key: 'E7', previous: undefined, next: joiner });
    expect(result.policySetHash).toBe(set.hash);
    expect(result.lifecycles).toEqual({ employees: 'joiner' });
    expect(result.steps.map((step) => [step.policy, step.workflow, step.action.action])).toEqual([
      ['employees', 'joiner', 'SYNC_IDENTITIES'],
      ['employees', 'joiner', 'MANAGE_RELATIONSHIPS'],
      ['employees', 'joiner', 'NOTIFY'],
    ]);
    expect(result.steps[0]!.action).toEqual({
      action: 'SYNC_IDENTITIES',
      create: true,
      attributes: { login: "zoe.o'brien-nunez@example.com", email: "zoe.o'brien-nunez@example.com", first_name: 'Zoë', last_name: "O'Brien-Núñez" },
    });
    expect(result.steps[1]!.action).toEqual({ action: 'MANAGE_RELATIONSHIPS', add: ['staff', 'dept-r&d'], remove: [] });
    expect(result.steps[2]!.action).toMatchObject({ action: 'NOTIFY', template: 'welcome', to: 'boss@example.com', context: { first_name: 'Zoë', okta: { login: "zoe.o'brien-nunez@example.com" } } });
  });

  it('plans a leaver from the last known record, and nothing for an unchanged record', async () => {
    const set = await policySet();
    const leaver = plan(set, { source: 'hr', key: 'E7', previous: joiner, next: { ...joiner, status: 'terminated' } });
    expect(leaver.steps.map((step) => step.action)).toEqual([{ action: 'DEPROVISION_IDENTITY' }]);
    expect(plan(set, { source: 'hr', key: 'E7', previous: joiner, next: { ...joiner } }).steps).toEqual([]);
    expect(plan(set, { source: 'okta', key: 'E7', previous: undefined, next: joiner }).steps).toEqual([]);
  });

  it('says which policy, workflow and attribute are missing when a record lacks one', async () => {
    const set = await policySet();
    const { last_name: _dropped, ...incomplete } = joiner;
    expect(() => plan(set, { source: 'hr', key: 'E7', previous: undefined, next: incomplete })).toThrow(
      'policy employees, workflow joiner, SYNC_IDENTITIES: the record has no value for "last_name"',
    );
  });
});
