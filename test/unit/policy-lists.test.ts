import { describe, expect, it } from 'vitest';
import { classify, sameRecord } from '../../src/policy/classify.ts';
import { evaluateCondition, parseCondition, type Lookup } from '../../src/policy/condition.ts';
import { compileFormatter, MissingAttributeError } from '../../src/policy/formatter.ts';
import { loadPolicySet } from '../../src/policy/loader.ts';
import { plan } from '../../src/policy/planner.ts';
import { PolicyValidationError } from '../../src/policy/problems.ts';
import { IdentityRecord, Policy, type AttributeValue } from '../../src/policy/schema.ts';
import { policyFixture, scimPolicy } from '../helpers/policy-fixture.ts';

/* Multi-valued attributes (a SCIM user's `groups`) in conditions, transformers, the classifier and the planner, and `source: scim/NAME`. */

const lookupOf =
  (record: Record<string, AttributeValue>, before: Record<string, AttributeValue> = {}): Lookup =>
  (path) =>
    path.startsWith('old.') ? before[path.slice(4)] : record[path.startsWith('new.') ? path.slice(4) : path];
const holds = (text: string, record: Record<string, AttributeValue>, before?: Record<string, AttributeValue>) =>
  evaluateCondition(parseCondition(text), lookupOf(record, before));

describe('a list in a condition', () => {
  const ada = { groups: ['dept-engineering', 'Engineering', 'github-users'] };
  const none = { groups: [] };

  it.each([
    ['groups eq "Engineering"', true],
    ['groups eq "engineering"', true],
    ['groups eq "Sales"', false],
    ['groups co "hub"', true],
    ['groups sw "dept-"', true],
    ['groups ew "-users"', true],
    ['groups ew "-admins"', false],
    ['groups gt "f"', true],
    ['groups lt "a"', false],
    ['groups pr', true],
    ['groups ne "Sales"', true],
    ['groups ne "Engineering"', false],
    ['not (groups eq "Engineering")', false],
  ])('%s holds when any element satisfies it (ne: when none equals): %s', (text, expected) => {
    expect(holds(text, ada)).toBe(expected);
  });

  it('an empty list is no value: pr is false, eq null is true, ne holds, nothing else does', () => {
    expect(holds('groups pr', none)).toBe(false);
    expect(holds('groups eq null', none)).toBe(true);
    expect(holds('groups ne "Engineering"', none)).toBe(true);
    expect(holds('groups eq "Engineering"', none)).toBe(false);
    expect(holds('groups co ""', none)).toBe(false);
  });

  it('two lists are equal when they hold the same elements, in any order and any case', () => {
    expect(holds('old.groups eq new.groups', { groups: ['b', 'A'] }, { groups: ['a', 'B'] })).toBe(true);
    expect(holds('old.groups ne new.groups', { groups: ['a', 'b', 'c'] }, { groups: ['a', 'b'] })).toBe(true);
    expect(holds('old.groups ne new.groups', { groups: ['a'] }, { groups: [] })).toBe(true);
  });

  it('a single value against a list on the right is compared with each element', () => {
    expect(holds('department eq old.groups', { department: 'Sales' }, { groups: ['Legal', 'Sales'] })).toBe(true);
    expect(holds('department ne old.groups', { department: 'Sales' }, { groups: ['Legal', 'Sales'] })).toBe(false);
    expect(holds('department ne old.groups', { department: 'HR' }, { groups: ['Legal', 'Sales'] })).toBe(true);
  });
});

describe('a list in a transformer', () => {
  const record = lookupOf({ groups: ['Engineering', 'On Call'], region: ['EU', 'US'], none: [] });

  it('inserts the elements joined with ", ", a function in its braces applied to each', () => {
    expect(compileFormatter('{groups}').render(record)).toBe('Engineering, On Call');
    expect(compileFormatter('{groups | LOWER | REPLACE," ","-"}').render(record)).toBe('engineering, on-call');
    expect(compileFormatter('{groups} | UPPER').render(record)).toBe('ENGINEERING, ON CALL');
  });

  it('gives one value per element, or per combination, where a list of values is wanted', () => {
    expect(compileFormatter('app-{groups | LOWER | REPLACE," ","-"}').renderEach(record)).toEqual(['app-engineering', 'app-on-call']);
    expect(compileFormatter('{region}-{groups | LOWER}').renderEach(record)).toEqual(['EU-engineering', 'EU-on call', 'US-engineering', 'US-on call']);
    expect(compileFormatter('staff').renderEach(record)).toEqual(['staff']);
  });

  it('an empty list is no value: missing in one value, no values in a list, and DEFAULT fills it', () => {
    expect(() => compileFormatter('{none}').render(record)).toThrow(MissingAttributeError);
    expect(compileFormatter('app-{none}').renderEach(record)).toEqual([]);
    expect(compileFormatter('{none | DEFAULT,"nobody"}').render(record)).toBe('nobody');
    // A missing single value is still an error in a list of values: the record lacks what the policy needs.
    expect(() => compileFormatter('dept-{department}').renderEach(record)).toThrow(MissingAttributeError);
  });
});

describe('a list in the classifier', () => {
  const policy = Policy.parse({
    apiVersion: 'tenure/v1',
    kind: 'LifecyclePolicy',
    metadata: { name: 'teams' },
    source: 'scim/okta',
    identity: { key: 'id', attributes: ['id', 'active', 'title', 'groups'], moverAttributes: ['groups'], inactive: 'active eq false' },
    workflows: [{ name: 'leaver', on: 'leaver', actions: [{ action: 'DEPROVISION_IDENTITY' }] }],
  });
  const before = { id: 'u1', active: true, title: 'Engineer', groups: ['a', 'b'] };

  it('the same elements in another order are no change; an element that comes or goes is a mover', () => {
    expect(classify(policy, before, { ...before, groups: ['b', 'a'] })).toBe('none');
    expect(classify(policy, before, { ...before, groups: ['a', 'b', 'c'] })).toBe('mover');
    expect(classify(policy, before, { ...before, groups: ['a'] })).toBe('mover');
    expect(classify(policy, before, { ...before, groups: ['a', 'B'] })).toBe('mover');
    expect(classify({ ...policy, identity: { ...policy.identity, moverAttributes: [] } }, before, { ...before, groups: ['a'] })).toBe('update');
  });

  it('an empty list is the same as none at all, and a list differs from a single value', () => {
    expect(sameRecord({ id: 'u1', groups: [] }, { id: 'u1' })).toBe(true);
    expect(sameRecord({ id: 'u1', groups: ['a'] }, { id: 'u1', groups: 'a' })).toBe(false);
  });
});

describe('records and sources', () => {
  it('a record may hold a list of strings, but not a list of anything else', () => {
    expect(IdentityRecord.safeParse({ id: 'u1', groups: ['a', 'b'] }).success).toBe(true);
    expect(IdentityRecord.safeParse({ id: 'u1', groups: [1, 2] }).success).toBe(false);
    expect(IdentityRecord.safeParse({ id: 'u1', manager: { value: 'x' } }).success).toBe(false);
  });

  const teams = (source: string) => scimPolicy({ name: 'teams', source, attributes: '[id, active, groups]', workflows: `  - name: mirror
    on: [joiner, mover]
    actions:
      - action: MANAGE_RELATIONSHIPS
        sync:
          prefix: app-
          groups: ['app-{groups | LOWER}']
` });
  async function load(source: string) {
    const dirs = await policyFixture({ policies: { 'teams.yaml': teams(source) } });
    return loadPolicySet(dirs.policiesDir, dirs.templatesDir);
  }

  it('a policy selects a SCIM integration with scim/NAME, and maps a list to one group per element', async () => {
    const set = await load('scim/okta-prod');
    const result = plan(set, { source: 'scim/okta-prod', key: 'u1', previous: undefined, next: { id: 'u1', active: true, groups: ['Design', 'Ops'] }, now: '2026-11-24T09:00:00Z' });
    expect(result.steps.map((step) => step.action)).toEqual([{ action: 'MANAGE_RELATIONSHIPS', add: [], remove: [], sync: { prefix: 'app-', groups: ['app-design', 'app-ops'] } }]);
  });

  it.each([['scim/Okta'], ['scim/'], ['scim/okta/prod'], ['scim/9okta'], [`scim/${'a'.repeat(64)}`], ['SCIM/okta']])('refuses the source %s, naming file, line and column', async (source) => {
    const error = await load(source).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyValidationError);
    const [problem] = (error as PolicyValidationError).problems;
    expect(problem).toMatchObject({ line: 5, column: 9 });
    expect(problem!.file).toMatch(/teams\.yaml$/);
    expect(problem!.message).toContain('or scim/ and a SCIM integration');
  });
});
