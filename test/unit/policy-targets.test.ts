import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicySet, type PolicySet } from '../../src/policy/loader.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import { checkTargetCapabilities } from '../../src/targets/capability-check.ts';
import { SANDBOX_SCIM_TOKEN, scimConnectionFor } from '../../src/targets/sandbox-address.ts';
import type { TargetCapabilities } from '../../src/targets/target.ts';
import { hrPolicy, policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';
import { problemsOf } from '../helpers/policy-problems.ts';
import { startScim2Server, type Scim2Server } from '../helpers/scim2-server.ts';
import { closedPort, tenure } from '../helpers/tenure-cli.ts';

/*
 * Policies whose actions name a target: validation knows the targets the targets document
 * declares, what a SCIM application cannot do by its nature (reset a password, hold an attribute
 * SCIM has no place for), and, by asking each application, what this one cannot do (groups).
 */

const targets = (kestraUrl = 'https://kestra.example.com/scim/v2', opshelmUrl = 'https://opshelm.example.com/scim/v2') => `apiVersion: tenure/v1
kind: Targets
targets:
  kestra:
    kind: scim
    url: ${kestraUrl}
    auth: { bearerToken: { env: KESTRA_SCIM_TOKEN } }
  opshelm:
    kind: scim
    url: ${opshelmUrl}
    auth: { bearerToken: { env: OPSHELM_SCIM_TOKEN } }
`;

/** Joiners get an OpsHelm account and a Kestra group; leavers lose both (Kestra's groups too). Lines are counted in the tests. */
const appsPolicy = hrPolicy({ name: 'apps', attributes: '[employee_id, first_name, last_name, email, department, manager_email, status]', workflows: `
  - name: joiner
    on: joiner
    actions:
      - action: SYNC_IDENTITIES
        target: opshelm
        create: true
        attributes:
          login: '{email}'
          email: '{email}'
          department: '{department}'
      - action: MANAGE_RELATIONSHIPS
        target: kestra
        add: ['dept-{department | LOWER}']
  - name: leaver
    on: leaver
    actions:
      - action: DEPROVISION_IDENTITY
        target: opshelm
      - action: DEPROVISION_IDENTITY
        target: kestra
        removeGroups: true
      - action: DELETE_IDENTITY
` });

async function load(policies: Record<string, string>): Promise<PolicySet> {
  const dirs = await policyFixture({ policies, templates: { 'welcome.yaml': welcomeTemplate } });
  return loadPolicySet(dirs.policiesDir, dirs.templatesDir);
}

const loadProblems = (policies: Record<string, string>) => problemsOf(load(policies));

describe('a policy action that names its target', () => {
  it('loads, each targeted action kept with where its target is written; a SCIM account is created with login alone', async () => {
    const set = await load({ 'apps.yaml': appsPolicy, 'targets.yaml': targets() });
    const [apps] = set.policies;
    expect(apps!.targeted.map(({ workflow, action, target, at }) => [workflow, action.action, target, at.line, at.column])).toEqual([
      ['joiner', 'SYNC_IDENTITIES', 'opshelm', 15, 17],
      ['joiner', 'MANAGE_RELATIONSHIPS', 'kestra', 22, 17],
      ['leaver', 'DEPROVISION_IDENTITY', 'opshelm', 28, 17],
      ['leaver', 'DEPROVISION_IDENTITY', 'kestra', 30, 17],
    ]);
    const action = apps!.policy.workflows[0]!.actions[0]!;
    expect(action.action === 'SYNC_IDENTITIES' && action.target).toBe('opshelm');
  });

  it('names an unknown target at its value, with the closest declared one and the targets there are', async () => {
    const misspelt = appsPolicy.replace('target: kestra\n        add:', 'target: kestrel\n        add:');
    expect(await loadProblems({ 'apps.yaml': misspelt, 'targets.yaml': targets() })).toEqual([
      expect.stringMatching(/^apps\.yaml:22:17: unknown target "kestrel" \(did you mean "kestra"\?\); besides okta, the targets document \S*targets\.yaml declares: kestra, opshelm$/),
    ]);
  });

  it('says when there is no targets document at all, rather than only that the name is unknown', async () => {
    const none = 'besides okta, no targets document (kind: Targets) is among the policy files read; name it too when checking single files';
    expect(await loadProblems({ 'apps.yaml': appsPolicy })).toEqual([
      `apps.yaml:15:17: unknown target "opshelm"; ${none}`,
      `apps.yaml:22:17: unknown target "kestra"; ${none}`,
      `apps.yaml:28:17: unknown target "opshelm"; ${none}`,
      `apps.yaml:30:17: unknown target "kestra"; ${none}`,
    ]);
  });

  it('refuses RESET_PASSWORD on a SCIM target, which has no reset that mails the temporary password', async () => {
    const reset = appsPolicy.replace(
      "        add: ['dept-{department | LOWER}']\n",
      "        add: ['dept-{department | LOWER}']\n      - action: RESET_PASSWORD\n        target: opshelm\n        notify: { template: welcome, to: '{manager_email}' }\n",
    );
    expect(await loadProblems({ 'apps.yaml': reset, 'targets.yaml': targets() })).toEqual([
      'apps.yaml:25:17: RESET_PASSWORD acts on Okta only: SCIM applications have no password reset that mails the temporary password; remove `target: opshelm` or use Okta',
    ]);
    await expect(load({ 'apps.yaml': reset.replace('target: opshelm\n        notify', 'target: okta\n        notify'), 'targets.yaml': targets() })).resolves.toBeDefined();
  });

  it('refuses, at its key, an attribute a SCIM user has no place for, listing those it has', async () => {
    const unmappable = appsPolicy.replace("          department: '{department}'\n", "          department: '{department}'\n          cost_centre: '{department}'\n");
    expect(await loadProblems({ 'apps.yaml': unmappable, 'targets.yaml': targets() })).toEqual([
      'apps.yaml:21:11: attribute "cost_centre" has no place in a SCIM user, so target opshelm cannot take it (did you mean "cost_center"?); a SCIM target takes: ' +
        'login, email, first_name, last_name, display_name, nickName, title, user_type, preferred_language, locale, timezone, employee_id, department, division, organization, cost_center, manager_id',
    ]);
    // Okta takes any attribute of its profile: the same line is no problem there.
    await expect(load({ 'apps.yaml': unmappable.replace('target: opshelm\n        create', 'target: okta\n        create').replace("login: '{email}'", "login: '{email}'\n          first_name: '{first_name}'\n          last_name: '{last_name}'"), 'targets.yaml': targets() })).resolves.toBeDefined();
  });

  it('wants login, the userName, to create an account in a SCIM target', async () => {
    expect(await loadProblems({ 'apps.yaml': appsPolicy.replace("          login: '{email}'\n", ''), 'targets.yaml': targets() })).toEqual([
      'apps.yaml:18:11: creating an account in target opshelm needs the attribute login, its SCIM userName',
    ]);
  });

  it('leaves policies without targets as they were: no targets, nothing targeted, Okta by default or by name', async () => {
    const set = await load({ 'employees.yaml': validPolicy });
    expect(set.targets.size).toBe(0);
    expect(set.policies.flatMap((policy) => policy.targeted)).toEqual([]);
    const named = await load({ 'employees.yaml': validPolicy.replace('      - action: MANAGE_RELATIONSHIPS\n', '      - action: MANAGE_RELATIONSHIPS\n        target: okta\n') });
    expect(named.policies[0]!.targeted.map((site) => site.target)).toEqual(['okta']);
    // The project's policies written before targets existed load beside its targets document, acting on Okta alone.
    const project = await loadPolicySet(path.join(projectRoot, 'policies'), path.join(projectRoot, 'templates'));
    for (const name of ['employees', 'okta-deactivations', 'scim-okta']) {
      expect(project.policies.find(({ policy }) => policy.metadata.name === name)?.targeted).toEqual([]);
    }
  });
});

describe('the targets capability check', () => {
  const usersOnly: TargetCapabilities = { groups: false, patch: true };
  const everything: TargetCapabilities = { groups: true, patch: true };

  /** The policy with group actions on OpsHelm too: its MANAGE_RELATIONSHIPS, CREATE_ENTITLEMENT and `removeGroups: true`. */
  const onOpsHelm = appsPolicy
    .replace('target: kestra\n        add:', 'target: opshelm\n        add:')
    .replace('target: kestra\n        removeGroups: true', 'target: opshelm\n        removeGroups: true')
    .concat(`      - action: CREATE_ENTITLEMENT
        target: opshelm
        name: 'alumni'
`);

  it('puts each group action on a target without groups at its target: line, asking each target once and Okta never', async () => {
    const set = await load({ 'apps.yaml': onOpsHelm, 'targets.yaml': targets() });
    const asked: string[] = [];
    const check = await checkTargetCapabilities(set, async (target) => {
      asked.push(target);
      return target === 'opshelm' ? usersOnly : everything;
    });
    expect(asked).toEqual(['opshelm']);
    expect(check.unreachable).toEqual([]);
    expect(check.problems.map(({ line, column, message }) => `${line}:${column}: ${message}`)).toEqual([
      '22:17: target opshelm has no /Groups (its /ResourceTypes lists no Group): MANAGE_RELATIONSHIPS cannot manage its groups',
      '30:17: target opshelm has no /Groups (its /ResourceTypes lists no Group): DEPROVISION_IDENTITY cannot remove its groups; set removeGroups: false',
      '34:17: target opshelm has no /Groups (its /ResourceTypes lists no Group): CREATE_ENTITLEMENT cannot create a group in it',
    ]);
    expect(new Set(check.problems.map((problem) => path.basename(problem.file)))).toEqual(new Set(['apps.yaml']));
    // The deprovisioning without removeGroups (line 28) and the account sync need no groups.
    const capable = await checkTargetCapabilities(set, async () => everything);
    expect(capable.problems).toEqual([]);
    expect(capable.reachable).toEqual(new Map([['opshelm', everything]]));
  });

  it('reports a target that does not answer, and still checks the others', async () => {
    const set = await load({ 'apps.yaml': onOpsHelm.replace('target: opshelm\n        create', 'target: kestra\n        create'), 'targets.yaml': targets() });
    const check = await checkTargetCapabilities(set, (target) => {
      if (target === 'kestra') throw new Error('kestra answered 503\nwith a long body');
      return Promise.resolve(usersOnly);
    });
    expect(check.unreachable).toEqual([{ target: 'kestra', reason: 'kestra answered 503' }]);
    expect(check.problems.map(({ line }) => line)).toEqual([22, 30, 34]);
    expect([...check.reachable.keys()]).toEqual(['opshelm']);
  });
});

describe('the sandbox address of a target', () => {
  const definition = { kind: 'scim' as const, url: 'https://kestra.example.com/scim/v2', auth: { bearerToken: { env: 'KESTRA_SCIM_TOKEN' } }, sandbox: 'kestra' as const };

  it('is the emulated application without a real Okta org, and the real one with it', () => {
    expect(scimConnectionFor('kestra', definition, { sandbox: true }, {})).toEqual({ url: 'http://127.0.0.1:8092/kestra/scim/v2', credentials: { bearerToken: SANDBOX_SCIM_TOKEN } });
    expect(scimConnectionFor('kestra', definition, { sandbox: true }, { TENURE_SCIM_APPS_PORT: '9001' }).url).toBe('http://127.0.0.1:9001/kestra/scim/v2');
    expect(scimConnectionFor('kestra', definition, { sandbox: false }, { KESTRA_SCIM_TOKEN: 'real' })).toEqual({ url: definition.url, credentials: { bearerToken: 'real' } });
    const { sandbox: _, ...real } = definition;
    expect(scimConnectionFor('kestra', real, { sandbox: true }, { KESTRA_SCIM_TOKEN: 'real' }).url).toBe(definition.url);
    expect(() => scimConnectionFor('kestra', definition, { sandbox: true }, { TENURE_SCIM_APPS_PORT: 'http' })).toThrow('TENURE_SCIM_APPS_PORT must be a port number (1-65535), got "http"');
  });
});

describe('tenure validate with a real SCIM application', () => {
  let server: Scim2Server;
  beforeAll(async () => {
    server = await startScim2Server({ groups: false });
  }, 60_000);
  afterAll(() => server?.stop());

  it('fails a group action on the application without groups, warns of one it cannot reach, and says what the others support', async () => {
    const down = `http://127.0.0.1:${await closedPort()}/scim/v2`;
    const onOpsHelm = appsPolicy.replace('target: kestra\n        add:', 'target: opshelm\n        add:');
    const dirs = await policyFixture({ policies: { 'apps.yaml': onOpsHelm, 'targets.yaml': targets(down, server.url) }, templates: { 'welcome.yaml': welcomeTemplate } });
    const env = { OPSHELM_SCIM_TOKEN: server.token, KESTRA_SCIM_TOKEN: 'kestra-token' };
    const failed = await tenure(['validate', dirs.policiesDir, '--templates', dirs.templatesDir], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr.replaceAll(`${dirs.policiesDir}${path.sep}`, '')).toMatch(
      new RegExp(
        [
          // Said once: not "(reading what kestra can do: kestra could not be reached (ECONNREFUSED))".
          '^target kestra could not be reached \\(ECONNREFUSED\\): its capabilities were not checked',
          'apps\\.yaml:22:17: target opshelm has no /Groups \\(its /ResourceTypes lists no Group\\): MANAGE_RELATIONSHIPS cannot manage its groups',
          '1 problem\\.',
          '$',
        ].join('\n'),
      ),
    );

    // Without the group action OpsHelm can do all the policy asks: the set is valid, and each target is named with what it supports.
    const fine = await policyFixture({ policies: { 'apps.yaml': appsPolicy.replace('target: kestra\n        add:', 'target: okta\n        add:').replace('target: kestra\n        removeGroups', 'target: okta\n        removeGroups'), 'targets.yaml': targets(down, server.url) }, templates: { 'welcome.yaml': welcomeTemplate } });
    const valid = await tenure(['validate', fine.policiesDir, '--templates', fine.templatesDir], env);
    expect(valid.stderr).toBe('');
    expect(valid.stdout).toMatch(/^target opshelm: users only, no groups, PATCH\n1 policies, 2 targets and 1 templates are valid \(hash [0-9a-f]{16}\)\.\n$/);
    expect(valid.code).toBe(0);
    for (const output of [failed.stdout, failed.stderr, valid.stdout]) expect(output).not.toContain(server.token);
  }, 60_000);
});
