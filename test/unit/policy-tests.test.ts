import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';

const run = promisify(execFile);

async function tenureTest(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/tenure.mjs', 'test', ...args], { cwd: projectRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const joinerTest = (group: string) => `tests:
  - name: a joiner gets the staff group
    now: 2026-11-24T09:00:00Z
    new: { employee_id: E1, first_name: Ada, last_name: King, department: Sales, manager_email: m@example.com, status: active }
    expect:
      steps:
        - { workflow: joiner, action: SYNC_IDENTITIES, attributes: { login: ada.king@example.com } }
        - { workflow: joiner, action: MANAGE_RELATIONSHIPS, add: [${group}, dept-sales] }
        - { workflow: joiner, action: NOTIFY, to: m@example.com }
`;

describe('tenure test', () => {
  it('passes the example policies', async () => {
    const result = await tenureTest();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\n46 passed, 0 failed\.\n$/);
  });

  it('fails with a readable diff of expected (-) and actual (+) steps', async () => {
    const dirs = await policyFixture({ policies: { 'employees.yaml': validPolicy, 'employees.test.yaml': joinerTest('contractors') }, templates: { 'welcome.yaml': welcomeTemplate } });
    const result = await tenureTest('--policies', dirs.policiesDir, '--templates', dirs.templatesDir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL  a joiner gets the staff group');
    expect(result.stdout).toMatch(/^ +- +- contractors$/m);
    expect(result.stdout).toMatch(/^ +\+ +- staff$/m);
    expect(result.stdout).toContain('0 passed, 1 failed.');

    await writeFile(path.join(dirs.policiesDir, 'employees.test.yaml'), joinerTest('staff'));
    expect((await tenureTest('--policies', dirs.policiesDir, '--templates', dirs.templatesDir)).code).toBe(0);
  });

  it('reports a malformed test file by file, line and column', async () => {
    const dirs = await policyFixture({ policies: { 'employees.yaml': validPolicy, 'employees.test.yaml': joinerTest('staff').replace('expect:', 'expct:') }, templates: { 'welcome.yaml': welcomeTemplate } });
    const result = await tenureTest('--policies', dirs.policiesDir, '--templates', dirs.templatesDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/employees\.test\.yaml:5:5: unknown key "expct" \(did you mean "expect"\?\)/);
  });
});
