import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { SANDBOX_SCIM_TOKEN } from '../../src/targets/sandbox-address.ts';
import { eventually, startTestStack, TEST_WEBHOOK_SECRET } from '../helpers/stack.ts';

/**
 * Follows the README's "Try it" as a newcomer would: every `npx tenure …` and `curl …` line of its
 * shell blocks, top to bottom, against a running Tenure. The README's order is the story it tells
 * (a title change in the import, then the leaver), so a reordering that changes the story fails here.
 */

const execFileAsync = promisify(execFile);

let stack: TenureStack;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startTestStack({ sandboxScim: true });
  const port = (url: string | undefined) => new URL(url!).port;
  // The CLI finds this stack as it finds `npm start`'s, through Tenure's own settings.
  env = {
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TENURE_TASK_QUEUE: stack.taskQueue,
    TENURE_INTAKE_PORT: port(stack.intakeUrl),
    MAIL_HTTP_PORT: port(stack.mailCatcher?.httpUrl),
    OKTA_EMULATOR_PORT: port(stack.oktaUrl),
    HR_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  };
});

afterAll(async () => {
  await stack?.stop();
});

/** The commands of the "Try it" section's shell blocks, joined where a line ends in `\`, comments dropped. */
async function tryItCommands(): Promise<string[]> {
  const readme = await readFile(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Try it'), readme.indexOf('\n## ', readme.indexOf('## Try it') + 1));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map(([, body]) => body!);
  return blocks
    .flatMap((body) => body.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line.startsWith('npx tenure ') || line.startsWith('curl '));
}

function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map(([, quoted, bare]) => quoted ?? bare!);
}

async function tenure(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, ['bin/tenure.mjs', ...args], { cwd: projectRoot, env });
  return stdout;
}

/** `curl -s -H 'Authorization: …' URL`, sent to this stack's emulator of Okta (8090) or of the SCIM applications (8092). */
async function curl(args: string[]): Promise<string> {
  const header = args[args.indexOf('-H') + 1]!;
  const url = new URL(args.at(-1)!);
  const base = url.port === '8092' ? stack.scimApps!.url : stack.oktaUrl;
  const response = await fetch(`${base}${url.pathname}`, {
    headers: { [header.slice(0, header.indexOf(':'))]: header.slice(header.indexOf(':') + 1).trim() },
  });
  return response.text();
}

const statusOf = (key: string, source = 'hr') => stack.client.workflow.getHandle(`identity/${source}/${key}`).query(statusQuery);

/** The SCIM id `tenure sandbox assign` printed, which the reader pastes where the README says `<id>`. */
let pushedId: string | undefined;

/** A person at the keyboard reads one answer before typing the next command; so does this test. */
async function settle(args: string[], output: string): Promise<void> {
  if (args[0] === 'sandbox' && args[1] === 'assign') {
    pushedId = /scim\/okta\/([\w-]+)/.exec(output)?.[1];
    expect(pushedId).toBeDefined();
    await eventually(async () => expect((await statusOf(pushedId!, 'scim/okta')).lifecycleState).toBe('active'));
  }
  if (args[0] === 'hr' && args[1] === 'send') {
    const { eventId, record } = JSON.parse(await readFile(path.join(projectRoot, args[2]!), 'utf8'));
    await eventually(async () => expect((await statusOf(record.employee_id)).lastEventId).toBe(eventId));
  }
  if (args[0] === 'hr' && args[1] === 'import' && !args.includes('--dry-run')) {
    await eventually(async () => {
      expect((await statusOf('E1001')).record?.title).toBe('Staff Platform Engineer');
      expect((await statusOf('E1002')).lifecycleState).toBe('active');
      expect((await statusOf('E1003')).lifecycleState).toBe('active');
    });
  }
}

describe("the README's Try it, followed top to bottom", () => {
  it('tells one story: a joiner, a title change in the import, then the leaver', { timeout: 180_000 }, async () => {
    const commands = await tryItCommands();
    expect(commands.length).toBeGreaterThan(8);
    const outputs: Array<{ line: string; output: string }> = [];
    for (const line of commands) {
      const [command, ...rest] = words(line.replace('<id>', pushedId ?? '<id>'));
      const args = command === 'npx' ? rest.slice(1) : rest;
      const output = command === 'curl' ? await curl(args) : await tenure(args);
      outputs.push({ line, output });
      await settle(args, output);
    }
    const of = (prefix: string) => outputs.filter(({ line }) => line.startsWith(prefix)).map(({ output }) => output);

    expect(of('npx tenure hr send examples/joiner.json')[0]).toMatch(/^202\b/);
    expect(of('npx tenure mail list')[0]).toContain('grace.hopper@example.com');
    expect(JSON.parse(of('curl ')[0]!)).toMatchObject({ status: 'PASSWORD_EXPIRED', profile: { login: 'zoe.lindqvist@example.com' } });
    // Her Kestra account, made by policies/saas-apps.yaml on the sandbox's emulated Kestra.
    expect(of('curl ')[1]).toContain('zoe.lindqvist@example.com');
    expect(of('npx tenure status hr/E1001')[0]).toMatch(/Accounts:\n(.|\n)*kestra +\S+ \(active\)/);

    // Imported after the joiner and before the leaver, Zoë's new title is a move, not a rehire.
    const [dryRun, imported] = of('npx tenure hr import examples/hr-export.csv');
    expect(dryRun).toMatch(/Dry run: nothing was delivered/);
    expect(imported).toMatch(/joiners\s+2\b/);
    expect(imported).toMatch(/movers\s+1\b/);
    expect(imported).toMatch(/rehires\s+0\b/);
    expect(imported).toMatch(/leavers\s+0\b/);

    expect(of('npx tenure plan')[0]).toContain('DEPROVISION_IDENTITY');
    expect(of('npx tenure test')[0]).toMatch(/\d+ passed, 0 failed/);

    // Okta's SCIM push: a joiner of scim/okta, as Okta sent him, acted on once.
    expect(of('npx tenure sandbox assign kwame.mensah@example.com')[0]).toMatch(/Their identity: scim\/okta\/[\w-]+/);
    expect(of('npx tenure status scim/okta/')[0]).toContain('kwame.mensah@example.com');
    const kwame = await statusOf(pushedId!, 'scim/okta');
    expect(kwame.record).toMatchObject({ userName: 'kwame.mensah@example.com', givenName: 'Kwame', department: 'Sales', active: true });
    expect(kwame.lastError).toBeUndefined();

    const zoe = await statusOf('E1001');
    expect(zoe.lifecycleState).toBe('inactive');
    expect(zoe.lastError).toBeUndefined();
    const user = await stack.okta!.userApi.getUser({ userId: 'zoe.lindqvist@example.com' });
    expect(user.status).toBe('DEPROVISIONED');
    expect(user.profile?.title).toBe('Staff Platform Engineer');
    // The leaver reached every target: her OpsHelm and Kestra accounts are inactive, Kestra's group gone.
    for (const app of ['opshelm', 'kestra'] as const) {
      const response = await fetch(`${stack.scimApps!.adminUrl(app)}/users`, { headers: { authorization: `Bearer ${SANDBOX_SCIM_TOKEN}` } });
      const { users } = (await response.json()) as { users: Array<{ userName: string; active: boolean; groups?: unknown[] }> };
      const accounts = users.filter((account) => account.userName === 'zoe.lindqvist@example.com');
      expect(accounts.map((account) => ({ active: account.active, groups: account.groups ?? [] }))).toEqual([{ active: false, groups: [] }]);
    }
  });
});
