import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicySet } from '../../src/policy/loader.ts';
import { PolicyValidationError } from '../../src/policy/problems.ts';
import { policyFixture, validPolicy, welcomeTemplate } from '../helpers/policy-fixture.ts';
import { problemsOf } from '../helpers/policy-problems.ts';

/*
 * The targets document (`kind: Targets`) as an administrator writes it beside the policies: read
 * with them, one per policy set, and every mistake named at its file:line:column.
 */

const targetsDocument = `# yaml-language-server: $schema=./policy.schema.json
apiVersion: tenure/v1
kind: Targets
targets:
  kestra:
    kind: scim
    url: https://kestra.example.com/api/v1/main/integrations/tenure/scim/v2
    auth:
      bearerToken: { env: KESTRA_SCIM_TOKEN }
    rateLimit: { requests: 10, per: 1s }
    sandbox: kestra
  opshelm:
    kind: scim
    url: https://opshelm.example.com/scim/v2
    auth:
      oauth2:
        tokenUrl: https://opshelm.example.com/oauth/token
        clientId: { env: OPSHELM_CLIENT_ID }
        clientSecret: { env: OPSHELM_CLIENT_SECRET }
`;

async function load(policies: Record<string, string>) {
  const dirs = await policyFixture({ policies, templates: { 'welcome.yaml': welcomeTemplate } });
  return { dirs, set: loadPolicySet(dirs.policiesDir, dirs.templatesDir) };
}

const loadProblems = async (policies: Record<string, string>) => problemsOf((await load(policies)).set);

describe('the targets document', () => {
  it('is read beside the policies, its targets by name with where each is declared, and counts in the hash', async () => {
    // The policy sorts before the document and names one of its targets: all documents are read before any is checked.
    const targeted = validPolicy.replace('      - action: MANAGE_RELATIONSHIPS\n', '      - action: MANAGE_RELATIONSHIPS\n        target: kestra\n');
    const { dirs, set } = await load({ 'employees.yaml': targeted, 'targets.yaml': targetsDocument });
    const loaded = await set;
    expect([...loaded.targets.keys()]).toEqual(['kestra', 'opshelm']);
    expect(loaded.targets.get('kestra')).toEqual({
      name: 'kestra',
      file: path.join(dirs.policiesDir, 'targets.yaml'),
      line: 5,
      definition: {
        kind: 'scim',
        url: 'https://kestra.example.com/api/v1/main/integrations/tenure/scim/v2',
        auth: { bearerToken: { env: 'KESTRA_SCIM_TOKEN' } },
        rateLimit: { requests: 10, per: '1s' },
        sandbox: 'kestra',
      },
    });
    expect(loaded.targets.get('opshelm')!.definition.auth).toEqual({
      oauth2: { tokenUrl: 'https://opshelm.example.com/oauth/token', clientId: { env: 'OPSHELM_CLIENT_ID' }, clientSecret: { env: 'OPSHELM_CLIENT_SECRET' } },
    });
    expect(loaded.policies.map(({ policy }) => policy.metadata.name)).toEqual(['employees']);

    const changed = await (await load({ 'employees.yaml': targeted, 'targets.yaml': targetsDocument.replace('requests: 10', 'requests: 5') })).set;
    expect(changed.hash).not.toBe(loaded.hash);
    const same = await (await load({ 'employees.yaml': targeted, 'targets.yaml': targetsDocument })).set;
    expect(same.hash).toBe(loaded.hash);
  });

  it('is optional: without one, the set has no targets and its hash is the policies and templates alone', async () => {
    const without = await (await load({ 'employees.yaml': validPolicy })).set;
    expect(without.targets.size).toBe(0);
    const withDocument = await (await load({ 'employees.yaml': validPolicy, 'targets.yaml': targetsDocument })).set;
    expect(withDocument.hash).not.toBe(without.hash);
  });

  it('names an unknown key at the key, with the keys allowed there', async () => {
    const broken = targetsDocument.replace('    sandbox: kestra\n', '    sandbox: kestra\n    colour: red\n');
    expect(await loadProblems({ 'employees.yaml': validPolicy, 'targets.yaml': broken })).toEqual([
      'targets.yaml:12:5: unknown key "colour"; allowed here: kind, url, auth, rateLimit, sandbox, adoptUnclaimed',
    ]);
  });

  it('refuses a URL that is not http(s), at the value', async () => {
    const broken = targetsDocument.replace('url: https://opshelm.example.com/scim/v2', 'url: opshelm.example.com/scim/v2');
    expect(await loadProblems({ 'employees.yaml': validPolicy, 'targets.yaml': broken })).toEqual(['targets.yaml:14:10: expected an http:// or https:// URL']);
    const ftp = targetsDocument.replace('tokenUrl: https://opshelm.example.com/oauth/token', 'tokenUrl: ftp://opshelm.example.com/token');
    expect(await loadProblems({ 'employees.yaml': validPolicy, 'targets.yaml': ftp })).toEqual(['targets.yaml:17:19: expected an http:// or https:// URL']);
  });

  it('refuses "okta" as a target name, at the name: it is Tenure\'s own org', async () => {
    const broken = targetsDocument.replace('  opshelm:\n', '  okta:\n');
    expect(await loadProblems({ 'employees.yaml': validPolicy, 'targets.yaml': broken })).toEqual([
      'targets.yaml:12:3: "okta": "okta" is Tenure\'s Okta org, configured by OKTA_ORG_URL and its credentials; name this target otherwise',
    ]);
    const upper = targetsDocument.replace('  opshelm:\n', '  OpsHelm:\n');
    expect(await loadProblems({ 'employees.yaml': validPolicy, 'targets.yaml': upper })).toEqual(['targets.yaml:12:3: "OpsHelm": use lower-case letters, digits and dashes']);
  });

  it('wants the name of an environment variable, and does not repeat a secret pasted in its place', async () => {
    const pasted = 'scim-9f8e7d6c5b4a';
    const broken = targetsDocument.replace('{ env: KESTRA_SCIM_TOKEN }', `{ env: ${pasted} }`);
    const problems = await loadProblems({ 'employees.yaml': validPolicy, 'targets.yaml': broken });
    expect(problems).toEqual(['targets.yaml:9:27: write the name of an environment variable (letters, digits and _, not starting with a digit), not its value']);
    expect(problems.join('\n')).not.toContain(pasted);
  });

  it('is one per policy set: a second is refused, naming the first', async () => {
    const { dirs, set } = await load({ 'employees.yaml': validPolicy, 'apps.yaml': targetsDocument, 'targets.yaml': targetsDocument });
    const error = (await set.catch((thrown: unknown) => thrown)) as PolicyValidationError;
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect(error.problems).toEqual([
      {
        file: path.join(dirs.policiesDir, 'targets.yaml'),
        line: 3,
        column: 7,
        message: `a policy set has one targets document, and ${path.join(dirs.policiesDir, 'apps.yaml')} is it: declare these targets there`,
      },
    ]);
  });

  it('names the kinds a document of the policy folder can be when its kind is none of them', async () => {
    expect(await loadProblems({ 'employees.yaml': validPolicy, 'targets.yaml': targetsDocument.replace('kind: Targets', 'kind: Target') })).toEqual([
      'targets.yaml:3:7: unknown kind "Target" (did you mean "Targets"?); a document in the policy folder is one of: LifecyclePolicy, Targets',
    ]);
  });
});
