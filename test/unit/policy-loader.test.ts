import { describe, expect, it } from 'vitest';
import { loadPolicySet } from '../../src/policy/loader.ts';
import { formatProblem, PolicyValidationError } from '../../src/policy/problems.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';

async function problemsOf(policies: Record<string, string>, templates = { 'welcome.yaml': welcomeTemplate }): Promise<string[]> {
  const dirs = await policyFixture({ policies, templates });
  try {
    await loadPolicySet(dirs.policiesDir, dirs.templatesDir);
  } catch (error) {
    if (error instanceof PolicyValidationError) {
      return error.problems.map((problem) => formatProblem({ ...problem, file: problem.file.split('/').pop()! }));
    }
    throw error;
  }
  return [];
}

describe('policy validation', () => {
  it('loads the valid policy and gives the set a content hash', async () => {
    const dirs = await policyFixture({ policies: { 'employees.yaml': validPolicy }, templates: { 'welcome.yaml': welcomeTemplate } });
    const set = await loadPolicySet(dirs.policiesDir, dirs.templatesDir);
    expect(set.policies.map(({ policy }) => policy.metadata.name)).toEqual(['employees']);
    expect(set.hash).toMatch(/^[0-9a-f]{16}$/);
    const changed = await policyFixture({ policies: { 'employees.yaml': validPolicy.replace('staff', 'everyone') }, templates: { 'welcome.yaml': welcomeTemplate } });
    expect((await loadPolicySet(changed.policiesDir, changed.templatesDir)).hash).not.toBe(set.hash);
  });

  it('names file, line and column of every problem in one run, schema and formatters alike, with suggestions', async () => {
    const broken = validPolicy
      .replace('  name: employees\n', '  name: employees\n  nme: typo\n')
      .replace('on: joiner', 'on: joinr')
      .replace('      - action: DEPROVISION_IDENTITY', '      - action: DEPROVISION_IDENTITES')
      .replace('| ASCII |', '| ASCI |');
    expect(await problemsOf({ 'employees.yaml': broken })).toEqual([
      'employees.yaml:5:3: unknown key "nme" (did you mean "name"?); allowed here: name, description',
      'employees.yaml:15:9: "joinr" is not allowed (did you mean "joiner"?); use one of: joiner, mover, leaver, rehire, update',
      'employees.yaml:20:46: unknown function "ASCI" (did you mean "ASCII"?); known functions: LOWER, UPPER, TRIM, ASCII, APPEND, PREPEND',
      'employees.yaml:32:17: unknown action "DEPROVISION_IDENTITES" (did you mean "DEPROVISION_IDENTITY"?); known: SYNC_IDENTITIES, MANAGE_RELATIONSHIPS, DEPROVISION_IDENTITY, NOTIFY',
    ]);
  });

  it('reports a missing required key on the map that lacks it', async () => {
    const problems = await problemsOf({ 'employees.yaml': validPolicy.replace('  key: employee_id\n', '') });
    expect(problems).toEqual(['employees.yaml:7:3: missing required key "key"']);
  });

  it('points into a formatter at the unknown function and lists the known ones', async () => {
    const problems = await problemsOf({ 'employees.yaml': validPolicy.replace('| ASCII | LOWER | APPEND,"@example.com"\'\n          email', '| ASCI | LOWER\'\n          email') });
    expect(problems).toEqual([
      'employees.yaml:19:46: unknown function "ASCI" (did you mean "ASCII"?); known functions: LOWER, UPPER, TRIM, ASCII, APPEND, PREPEND',
    ]);
  });

  it('refuses an unknown template and a create without the required attributes', async () => {
    const broken = validPolicy.replace('template: welcome', 'template: welcom').replace("          last_name: '{last_name}'\n", '');
    expect(await problemsOf({ 'employees.yaml': broken })).toEqual([
      'employees.yaml:19:11: creating an Okta user needs the attributes: last_name',
      'employees.yaml:25:19: unknown template "welcom" (did you mean "welcome"?); templates: welcome',
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const problems = await problemsOf({ 'employees.yaml': 'apiVersion: tenure/v1\nmetadata: { name: x\nsource: hr\n' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^employees\.yaml:3:1: /);
  });

  it('checks policies against each other', async () => {
    const other = validPolicy.replace('name: employees', 'name: contractors').replace('key: employee_id', 'key: worker_id');
    expect(await problemsOf({ 'a.yaml': validPolicy, 'b.yaml': other })).toEqual([
      'b.yaml:7:8: policies of source "hr" must share one identity key; another policy uses "employee_id"',
    ]);
  });
});
