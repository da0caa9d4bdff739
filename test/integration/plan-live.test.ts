import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OktaClient } from '../../src/okta/client.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { statusQuery } from '../../workflows/definitions.ts';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.ts';
import { policyFixture } from '../helpers/policy-fixture.ts';
import { startScim2Server, type Scim2Server } from '../helpers/scim2-server.ts';
import { eventually, postHr, startTestStack } from '../helpers/stack.ts';
import { tenure, type CliResult } from '../helpers/tenure-cli.ts';

/*
 * `tenure plan --live` through the real CLI, against a running stack: its Okta emulator, and
 * PyPI's scim2-server as the SCIM target "apps" (behind a proxy that counts the requests and can
 * take it down). A joiner is made by the stack itself; the CLI then reads what it made.
 */
const attributes = `
          login: '{first_name}.{last_name} | LOWER | APPEND,"@example.com"'
          email: '{first_name}.{last_name} | LOWER | APPEND,"@example.com"'
          first_name: '{first_name}'
          last_name: '{last_name}'
          title: '{title}'
          department: '{department}'`;

/** An action's `target:` line; Okta's actions name none, as most policies write them. */
const on = (target: string) => (target === 'okta' ? '' : `\n        target: ${target}`);

/** The same workflows on Okta and on a SCIM target. */
const perTarget = (target: string) => `
  - name: ${target}-account
    on: joiner
    actions:
      - action: SYNC_IDENTITIES${on(target)}
        create: true
        attributes:${attributes}
      - action: CREATE_ENTITLEMENT${on(target)}
        name: 'dept-{department | LOWER}'
      - action: MANAGE_RELATIONSHIPS${on(target)}
        sync: { prefix: dept-, groups: ['dept-{department | LOWER}'] }
  - name: ${target}-move
    on: mover
    actions:
      - action: SYNC_IDENTITIES${on(target)}
        attributes:${attributes}
      - action: CREATE_ENTITLEMENT${on(target)}
        name: 'dept-{department | LOWER}'
      - action: MANAGE_RELATIONSHIPS${on(target)}
        sync: { prefix: dept-, groups: ['dept-{department | LOWER}'] }
  - name: ${target}-leaver
    on: leaver
    actions:
      - action: DEPROVISION_IDENTITY${on(target)}
        removeGroups: true
`;

const policy = `apiVersion: tenure/v1
kind: LifecyclePolicy
metadata: { name: live }
source: hr
identity:
  key: employee_id
  attributes: [employee_id, first_name, last_name, title, department, status]
  moverAttributes: [title, department]
  inactive: status eq "terminated"
workflows:${perTarget('okta')}${perTarget('apps')}`;

const targetsDocument = (url: string) => `apiVersion: tenure/v1
kind: Targets
targets:
  apps:
    kind: scim
    url: ${url}
    auth: { bearerToken: { env: TENURE_TEST_LIVE_APPS_TOKEN } }
`;

const OKTA_TOKEN = randomBytes(24).toString('base64url');

let scim2: Scim2Server;
let proxy: FaultyProxy;
let stack: TenureStack;
let okta: OktaClient;
let dirs: { policiesDir: string; templatesDir: string };
let records: string;

const joiner = { employee_id: 'L1', first_name: 'ada', last_name: 'nilsen', title: 'Analyst', department: 'Research', status: 'active' };

beforeAll(async () => {
  scim2 = await startScim2Server();
  proxy = await startFaultyProxy(scim2.url);
  process.env.TENURE_TEST_LIVE_APPS_TOKEN = scim2.token;
  dirs = await policyFixture({ policies: { 'live.yaml': policy, 'targets.yaml': targetsDocument(proxy.url) } });
  stack = await startTestStack({ ...dirs, oktaEmulatorToken: OKTA_TOKEN });
  okta = stack.okta!;
  records = await mkdtemp(path.join(tmpdir(), 'tenure-plan-live-'));
  await writeFile(path.join(records, 'joiner.json'), JSON.stringify(joiner));
  await writeFile(path.join(records, 'mover.json'), JSON.stringify({ ...joiner, department: 'Sales' }));
  await writeFile(path.join(records, 'leaver.json'), JSON.stringify({ ...joiner, status: 'terminated' }));
  // The person exists because the stack made them, as in production: Okta user and SCIM account, each in dept-research.
  expect((await postHr(stack, JSON.stringify({ eventId: 'l1-join', record: joiner }))).status).toBe(202);
  await eventually(async () => {
    const status = await stack.client.workflow.getHandle('identity/hr/L1').query(statusQuery);
    expect(status.lastEventId).toBe('l1-join');
    expect(status.lastError).toBeUndefined();
    expect(status.accounts.apps?.id).toBeDefined();
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await scim2?.stop();
  delete process.env.TENURE_TEST_LIVE_APPS_TOKEN;
});

/** `tenure plan --live` as an administrator runs it beside the running Tenure: same Okta emulator, same targets. */
function planLive(change: 'mover' | 'leaver', ...extra: string[]): Promise<CliResult> {
  return tenure(
    ['plan', '--old', path.join(records, 'joiner.json'), '--new', path.join(records, `${change}.json`), '--live', '--policies', dirs.policiesDir, '--templates', dirs.templatesDir, ...extra],
    { OKTA_EMULATOR_PORT: new URL(stack.oktaUrl!).port, OKTA_EMULATOR_TOKEN: OKTA_TOKEN, TENURE_TEST_LIVE_APPS_TOKEN: scim2.token },
  );
}

/** The LIVE column of each step row, as `[workflow, action, target, live]`. */
function liveColumn(stdout: string): string[][] {
  const lines = stdout.split('\n');
  const header = lines.find((line) => line.startsWith('IDENTITY '))!;
  expect(header, stdout).toBeDefined();
  const at = (name: string) => header.indexOf(name);
  const cut = (line: string, from: string, to: string) => line.slice(at(from), at(to)).trim();
  return lines
    .slice(lines.indexOf(header) + 1)
    .filter((line) => line.startsWith('hr/L1'))
    .map((line) => [cut(line, 'POLICY WORKFLOW', 'WHEN'), cut(line, 'ACTION', 'TARGET'), cut(line, 'TARGET', 'LIVE'), cut(line, 'LIVE', 'KEY VALUES')]);
}

/** Everything both systems hold, as read directly: what `--live` must leave exactly so. */
async function everything(): Promise<unknown> {
  const users: unknown[] = [];
  for await (const user of await okta.userApi.listUsers({})) {
    const groups: string[] = [];
    for await (const group of await okta.userApi.listUserGroups({ userId: user!.id! })) groups.push(`${group!.id} ${group!.profile!.name}`);
    users.push({ user, groups });
  }
  const oktaGroups: unknown[] = [];
  for await (const group of await okta.groupApi.listGroups({})) oktaGroups.push(group);
  const scim = async (route: string) => (await fetch(`${scim2.url}${route}`, { headers: { authorization: `Bearer ${scim2.token}` } })).json();
  return JSON.parse(JSON.stringify({ users, oktaGroups, scimUsers: await scim('/Users?count=1000'), scimGroups: await scim('/Groups?count=1000') }));
}

/** Runs the CLI and checks that it wrote nothing: both systems as before, and only reads sent to the SCIM app. */
async function withoutWrites(run: () => Promise<CliResult>): Promise<CliResult> {
  const before = await everything();
  // The comparison means something only if it holds the person the stack made.
  expect(JSON.stringify(before)).toContain('ada.nilsen@example.com');
  expect(JSON.stringify(before)).toContain('dept-research');
  const sent = proxy.requests.length;
  const result = await run();
  expect(proxy.requests.slice(sent).filter((request) => !request.startsWith('GET '))).toEqual([]);
  expect(await everything()).toEqual(before);
  expect(result.stdout + result.stderr).not.toContain(OKTA_TOKEN);
  expect(result.stdout + result.stderr).not.toContain(scim2.token);
  return result;
}

describe('tenure plan --live', () => {
  it('shows a mover only the attribute that differs in each target, and the group move', async () => {
    const { code, stdout, stderr } = await withoutWrites(() => planLive('mover'));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(liveColumn(stdout)).toEqual([
      ['live/okta-move', 'SYNC_IDENTITIES', 'okta', 'department: Research → Sales'],
      ['live/okta-move', 'CREATE_ENTITLEMENT', 'okta', 'group dept-sales created if missing'],
      ['live/okta-move', 'MANAGE_RELATIONSHIPS', 'okta', 'add dept-sales, remove dept-research'],
      ['live/apps-move', 'SYNC_IDENTITIES', 'apps', 'department: Research → Sales'],
      ['live/apps-move', 'CREATE_ENTITLEMENT', 'apps', 'group dept-sales created if missing'],
      ['live/apps-move', 'MANAGE_RELATIONSHIPS', 'apps', 'add dept-sales, remove dept-research'],
    ]);
  });

  it('shows a leaver "deactivate" in each target, with the groups it would take', async () => {
    const { code, stdout } = await withoutWrites(() => planLive('leaver'));
    expect(code).toBe(0);
    expect(liveColumn(stdout)).toEqual([
      ['live/okta-leaver', 'DEPROVISION_IDENTITY', 'okta', 'deactivate, remove dept-research'],
      ['live/apps-leaver', 'DEPROVISION_IDENTITY', 'apps', 'deactivate, remove dept-research'],
    ]);
  });

  it('adds what would change to each step of the JSON plan', async () => {
    const { code, stdout } = await withoutWrites(() => planLive('leaver', '--json'));
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as { steps: Array<{ action: { action: string; target?: string }; live: unknown[] }> };
    expect(plan.steps.map((step) => [step.action.target ?? 'okta', step.live])).toEqual([
      ['okta', [{ effect: 'deactivate' }, { effect: 'remove', group: 'dept-research' }]],
      ['apps', [{ effect: 'deactivate' }, { effect: 'remove', group: 'dept-research' }]],
    ]);
  });

  it('says a target that cannot be reached is unknown, and still shows the others', async () => {
    await proxy.down();
    try {
      const { code, stdout } = await withoutWrites(() => planLive('leaver'));
      expect(code).toBe(0);
      expect(liveColumn(stdout)).toEqual([
        ['live/okta-leaver', 'DEPROVISION_IDENTITY', 'okta', 'deactivate, remove dept-research'],
        ['live/apps-leaver', 'DEPROVISION_IDENTITY', 'apps', 'unknown: apps could not be reached (ECONNREFUSED)'],
      ]);
    } finally {
      await proxy.up();
    }
  });

  it('prints the plan as before without --live, reading no target', async () => {
    const sent = proxy.requests.length;
    const { code, stdout } = await tenure(['plan', '--old', path.join(records, 'joiner.json'), '--new', path.join(records, 'leaver.json'), '--policies', dirs.policiesDir, '--templates', dirs.templatesDir]);
    expect(code).toBe(0);
    expect(stdout).not.toContain('LIVE');
    expect(stdout).toMatch(/^IDENTITY +CHANGE +POLICY WORKFLOW +WHEN +ACTION +TARGET +KEY VALUES$/m);
    expect(proxy.requests.length).toBe(sent);
  });
});
