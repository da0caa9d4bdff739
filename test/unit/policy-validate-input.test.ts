import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';

/*
 * `tenure validate` as an administrator meets it with hostile or broken YAML: every problem on
 * its file:line:column, in words that say what to change, and the process neither hangs nor
 * overflows its stack.
 */
const run = promisify(execFile);

async function validate(policies: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const dirs = await policyFixture({ policies, templates: { 'welcome.yaml': welcomeTemplate } });
  try {
    await run(process.execPath, ['bin/tenure.mjs', 'validate', dirs.policiesDir, '--templates', dirs.templatesDir], { cwd: projectRoot });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    // Paths relative to the fixture folder, so the expectations read as an administrator sees them.
    return { code: failed.code, stderr: failed.stderr.replaceAll(`${dirs.policiesDir}${path.sep}`, '') };
  }
}

describe('tenure validate names bad input where it is', () => {
  it('says a workflow lacks its "on" key, and what that key holds, not that "undefined" is not allowed', async () => {
    const { code, stderr } = await validate({ 'employees.yaml': validPolicy.replace('    on: joiner\n', '') });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'employees.yaml:12:5: missing required key "on": a lifecycle event (joiner, mover, leaver, rehire, update), a list of them, or a date trigger\n1 problem.\n',
    );
  });

  it('says a kind of the wrong type is one, at the value', async () => {
    const { stderr } = await validate({ 'employees.yaml': validPolicy.replace('kind: LifecyclePolicy', 'kind: [LifecyclePolicy]') });
    expect(stderr).toBe('employees.yaml:2:7: expected LifecyclePolicy, got a list\n1 problem.\n');
    const mapping = await validate({ 'employees.yaml': validPolicy.replace('kind: LifecyclePolicy', 'kind: { name: LifecyclePolicy }') });
    expect(mapping.stderr).toBe('employees.yaml:2:7: expected LifecyclePolicy, got a mapping\n1 problem.\n');
  });

  it('refuses an alias bomb ("billion laughs") at the alias that multiplies, at once', async () => {
    const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (const [previous, name] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi']) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const { code, stderr } = await validate({ 'bomb.yaml': `${levels.join('\n')}\n` });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'bomb.yaml:3:8: The alias *b repeats a value that holds aliases itself, so the document would grow to an enormous size (a "billion laughs"); write the values out instead\n1 problem.\n',
    );
  });

  it('refuses nesting 2,000 levels deep, in flow and in block style, without a stack overflow', async () => {
    const flow = `apiVersion: tenure/v1\nmetadata: ${'['.repeat(2000)}${']'.repeat(2000)}\n`;
    const block = `metadata:\n${Array.from({ length: 2000 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:\n`).join('')}`;
    const { code, stderr } = await validate({ 'block.yaml': block, 'flow.yaml': flow });
    expect(code).toBe(1);
    expect(stderr).toBe(
      [
        'block.yaml:65:129: nested more than 64 levels deep here; a policy, template or test needs only a few levels',
        'flow.yaml:2:74: nested more than 64 levels deep here; a policy, template or test needs only a few levels',
        '2 problems.',
        '',
      ].join('\n'),
    );
    expect(stderr).not.toMatch(/stack/i);
  });

  it('still loads policies that use anchors and merge keys the ordinary way', async () => {
    const anchored = validPolicy.replace('  moverAttributes: [department]', '  moverAttributes: &movers [department]').replace('workflows:', 'x-movers: *movers\nworkflows:');
    // x-movers is an unknown key: the alias itself is no problem, only what it leads to.
    expect((await validate({ 'employees.yaml': anchored })).stderr).toMatch(/^employees\.yaml:11:1: unknown key "x-movers"/);
  });
});
