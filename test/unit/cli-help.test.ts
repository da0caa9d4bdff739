import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';
import { tenure } from '../helpers/tenure-cli.ts';

/** Every command a person can run, as typed after `tenure`. */
const COMMANDS = [
  'start', 'hr send', 'hr import', 'status', 'login', 'logout', 'approve', 'reject', 'mail list', 'plan', 'validate', 'test', 'schema',
  'scim add', 'scim list', 'scim disable', 'scim enable', 'scim rotate', 'scim remove', 'okta-emulator', 'install-temporal',
];

/** The lines of a help section (`Options:`, `Commands:`, `Examples:`), up to the next heading. */
function section(help: string, heading: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && /^\S/.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((line) => line.trim() !== '');
}

/** An option's long name at the start of an `Options:` entry. */
const optionNames = (help: string) => section(help, 'Options:').flatMap((line) => line.match(/^ {2}(?:-\w, )?(--[a-z][a-z-]*)/)?.[1] ?? []).filter((name) => name !== '--help');

describe('tenure --help', () => {
  it('lists every command with its summary in one aligned column', async () => {
    const { code, stdout } = await tenure(['--help']);
    expect(code).toBe(0);
    // Entries start two spaces in; a summary too long for the line goes on under its column.
    const entries = section(stdout, 'Commands:').filter((line) => /^ {2}\S/.test(line));
    expect(entries.map((line) => line.trim().split(/\s/)[0])).toEqual(['start', 'hr', 'status', 'login', 'logout', 'approve', 'reject', 'mail', 'plan', 'validate', 'test', 'schema', 'scim', 'sandbox', 'okta-emulator', 'install-temporal']);
    // Where each summary starts: the first word after a run of two or more spaces.
    const columns = entries.map((line) => line.search(/ {2,}\S/) + line.match(/ {2,}/)![0].length);
    expect(new Set(columns).size).toBe(1);
    for (const line of entries) expect(line).toMatch(/^ {2}\S.*\S {2,}\S/);
  });

  it('is also what `tenure` alone prints', async () => {
    expect(await tenure([])).toEqual(await tenure(['--help']));
  });
});

describe.each(COMMANDS)('tenure %s --help', (command) => {
  it('explains every option and shows each in an example', async () => {
    const { code, stdout } = await tenure([...command.split(' '), '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: tenure ${command}`);
    const examples = section(stdout, 'Examples:').filter((line) => line.trim().startsWith(`tenure ${command}`));
    expect(examples.length).toBeGreaterThan(0);
    // Each example comes with a comment that says what it does.
    for (const line of section(stdout, 'Examples:').filter((line) => line.trim().startsWith('tenure '))) {
      const lines = section(stdout, 'Examples:');
      expect(lines[lines.indexOf(line) - 1]).toMatch(/^ {2}# \S/);
    }
    for (const option of optionNames(stdout)) {
      const entry = section(stdout, 'Options:').find((line) => new RegExp(`^ {2}(-\\w, )?${option}\\b`).test(line))!;
      expect(entry.slice(entry.indexOf(option) + option.length).replace(/<[^>]*>/, '').trim(), `${option} is explained`).not.toBe('');
      expect(examples.some((line) => line.split(/\s+/).includes(option)), `an example uses ${option}`).toBe(true);
    }
  });
});

describe("the README's options", () => {
  /** Options the README shows for other programs: curl's, the Temporal CLI's and the Temporal server's. */
  const OTHER_PROGRAMS = [
    ...['--data-binary'],
    ...['--query', '--schedule-id', '--workflow-id', '--codec-endpoint', '--codec-auth', '--tls-ca-path', '--tls-cert-path', '--tls-key-path', '--tls-server-name'],
    ...['--zone', '--allow-no-auth'],
  ];

  // A `tenure … --help` process per command, all at once: on a busy machine that takes a while.
  it('are each explained by some command’s --help', { timeout: 60_000 }, async () => {
    const readme = await readFile(path.join(projectRoot, 'README.md'), 'utf8');
    const mentioned = [...new Set(readme.match(/(?<![\w-])--[a-z][a-z-]*[a-z]/g))].filter((option) => !OTHER_PROGRAMS.includes(option));
    expect(mentioned).toContain('--address');
    const helps = await Promise.all(COMMANDS.map(async (command) => (await tenure([...command.split(' '), '--help'])).stdout));
    // Every command takes --help, which `optionNames` leaves out as too common to need an example.
    const explained = new Set([...helps.flatMap(optionNames), '--help']);
    expect(mentioned.filter((option) => !explained.has(option))).toEqual([]);
  });
});
