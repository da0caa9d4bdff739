import { describe, expect, it } from 'vitest';
import { loadPolicySet } from '../../src/policy/loader.ts';
import { formatProblem, PolicyValidationError } from '../../src/policy/problems.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';

async function problemsOf(policies: Record<string, string>, templates: Record<string, string> = { 'welcome.yaml': welcomeTemplate }): Promise<string[]> {
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
  it('loads the valid policy and gives the set a content hash that follows the content, not the folder', async () => {
    const dirs = await policyFixture({ policies: { 'employees.yaml': validPolicy }, templates: { 'welcome.yaml': welcomeTemplate } });
    const set = await loadPolicySet(dirs.policiesDir, dirs.templatesDir);
    expect(set.policies.map(({ policy }) => policy.metadata.name)).toEqual(['employees']);
    expect(set.hash).toMatch(/^[0-9a-f]{16}$/);
    const copy = await policyFixture({ policies: { 'employees.yaml': validPolicy }, templates: { 'welcome.yaml': welcomeTemplate } });
    expect((await loadPolicySet(copy.policiesDir, copy.templatesDir)).hash).toBe(set.hash);
    const changed = await policyFixture({ policies: { 'employees.yaml': validPolicy.replace('staff', 'everyone') }, templates: { 'welcome.yaml': welcomeTemplate } });
    expect((await loadPolicySet(changed.policiesDir, changed.templatesDir)).hash).not.toBe(set.hash);
  });

  it('names file, line and column of every problem in one run, from schema to semantics, with suggestions', async () => {
    const broken = validPolicy
      .replace('  name: employees\n', '  name: employees\n  nme: typo\n')
      .replace('on: joiner', 'on: joinr')
      .replace('      - action: DEPROVISION_IDENTITY', '      - action: DEPROVISION_IDENTITES')
      .replace('| ASCII |', '| ASCI |')
      .replace("first_name: '{first_name}'", "first_name: '{frist_name}'")
      .replace('inactive: status eq "terminated"', 'inactive: status equals "terminated"');
    expect(await problemsOf({ 'employees.yaml': broken })).toEqual([
      'employees.yaml:5:3: unknown key "nme" (did you mean "name"?); allowed here: name, description',
      expect.stringMatching(/^employees\.yaml:11:20: .*equals/),
      'employees.yaml:14:9: "joinr" is not allowed (did you mean "joiner"?); use one of: joiner, mover, leaver, rehire, update',
      expect.stringMatching(/^employees\.yaml:19:46: unknown function "ASCI" \(did you mean "ASCII"\?\); known functions: .*LOWER/),
      'employees.yaml:21:25: unknown attribute "frist_name" (did you mean "first_name"?); the source sends: employee_id, first_name, last_name, department, manager_email, status',
      expect.stringMatching(/^employees\.yaml:31:17: unknown action "DEPROVISION_IDENTITES" \(did you mean "DEPROVISION_IDENTITY"\?\)/),
    ]);
  });

  it('reports a missing required key on the map that lacks it', async () => {
    const problems = await problemsOf({ 'employees.yaml': validPolicy.replace('  key: employee_id\n', '') });
    expect(problems).toEqual(['employees.yaml:7:3: missing required key "key": the attribute that identifies an identity in the source, e.g. employee_id']);
  });

  it('checks conditions: syntax with its column, and attributes the source does not send', async () => {
    const broken = validPolicy.replace('    on: joiner\n', '    on: joiner\n    when: old.departmnt ne new.department and (title eq "x"\n');
    const problems = await problemsOf({ 'employees.yaml': broken });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^employees\.yaml:14:\d+: .*\(/);
    const unknown = validPolicy.replace('    on: joiner\n', '    on: joiner\n    when: old.departmnt ne new.department\n');
    expect(await problemsOf({ 'employees.yaml': unknown })).toEqual([
      'employees.yaml:14:11: unknown attribute "departmnt" (did you mean "department"?); the source sends: employee_id, first_name, last_name, department, manager_email, status',
    ]);
  });

  it('refuses an unknown template and a create without the required attributes', async () => {
    const broken = validPolicy.replace('template: welcome', 'template: welcom').replace("          last_name: '{last_name}'\n", '');
    expect(await problemsOf({ 'employees.yaml': broken })).toEqual([
      'employees.yaml:18:11: creating an Okta user needs the attributes: last_name',
      'employees.yaml:24:19: unknown template "welcom" (did you mean "welcome"?); templates: welcome',
    ]);
  });

  it('refuses a template placeholder the policy cannot fill, before any email goes out', async () => {
    const misspelled = `subject: 'Welcome <<frist_name>>'\ntext: 'Your login is <<okta.logn>>'\n`;
    expect(await problemsOf({ 'employees.yaml': validPolicy }, { 'welcome.yaml': misspelled })).toEqual([
      'employees.yaml:25:19: template "welcome" subject line 1 column 11: <<frist_name>>: unknown attribute "frist_name" (did you mean "first_name"?); the source sends: employee_id, first_name, last_name, department, manager_email, status',
      'employees.yaml:25:19: template "welcome" text line 1 column 17: <<okta.logn>>: no SYNC_IDENTITIES before it in this workflow sets "logn" (did you mean "login"?); they set: login, email, first_name, last_name',
    ]);
  });

  it('allows <<LOGIN_PASSWORD>> only in a RESET_PASSWORD notify template', async () => {
    const passwordTemplate = `subject: 'Your password'\ntext: 'Sign in as <<okta.login>> with <<LOGIN_PASSWORD>>'\n`;
    const templates = { 'welcome.yaml': welcomeTemplate, 'password.yaml': passwordTemplate };
    const reset = validPolicy.replace(
      '      - action: NOTIFY\n',
      "      - action: RESET_PASSWORD\n        notify: { template: password, to: '{manager_email}' }\n      - action: NOTIFY\n",
    );
    expect(await problemsOf({ 'employees.yaml': reset }, templates)).toEqual([]);
    const leaked = validPolicy.replace('template: welcome', 'template: password');
    expect(await problemsOf({ 'employees.yaml': leaked }, templates)).toEqual([
      'employees.yaml:25:19: template "password" text line 1 column 34: <<LOGIN_PASSWORD>> may be used only in a RESET_PASSWORD notify template, where the temporary password exists',
    ]);
  });

  it('checks a group sync: every group must start with its prefix', async () => {
    const sync = validPolicy.replace("add: ['staff', 'dept-{department | LOWER}']", "sync: { prefix: 'dept-', groups: ['team-{department | LOWER}'] }");
    expect(await problemsOf({ 'employees.yaml': sync })).toEqual([
      'employees.yaml:23:43: sync group "team-{department | LOWER}" does not start with the prefix "dept-"',
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const problems = await problemsOf({ 'employees.yaml': 'apiVersion: tenure/v1\nmetadata: { name: x\nsource: hr\n' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^employees\.yaml:3:1: /);
  });

  it('checks policies against each other', async () => {
    const other = validPolicy.replace('name: employees', 'name: contractors').replace('key: employee_id', 'key: worker_id').replace('[employee_id,', '[worker_id,');
    expect(await problemsOf({ 'a.yaml': validPolicy, 'b.yaml': other })).toEqual([
      'b.yaml:7:8: policies of source "hr" must share one identity key; another policy uses "employee_id"',
    ]);
  });

  it('loads a list of policy files and folders, as `tenure validate a.yaml b/` does', async () => {
    const dirs = await policyFixture({ policies: { 'employees.yaml': validPolicy, 'employees.test.yaml': 'tests: []\n' }, templates: { 'welcome.yaml': welcomeTemplate } });
    const byFile = await loadPolicySet([`${dirs.policiesDir}/employees.yaml`], dirs.templatesDir);
    const byFolder = await loadPolicySet([dirs.policiesDir], dirs.templatesDir);
    expect(byFile.hash).toBe(byFolder.hash);
    expect(byFolder.policies).toHaveLength(1);
  });
});
