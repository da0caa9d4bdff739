import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicySet, type PolicySet } from '../../src/policy/loader.ts';
import { plan, type Plan } from '../../src/policy/planner.ts';
import type { IdentityRecord } from '../../src/policy/schema.ts';
import { policyRecord } from '../../src/scim/directory/policy-record.ts';
import type { StoredUser } from '../../src/scim/directory/types.ts';
import { ENTERPRISE_USER_SCHEMA } from '../../src/scim/directory/user-schema.ts';
import { policyFixture, scimPolicy } from '../helpers/policy-fixture.ts';

/*
 * The echo rule (src/policy/echo.ts) through the planner, on records as the SCIM directory builds
 * them from what Okta pushes, against the example policy policies/scim-okta.yaml.
 */

const projectRoot = path.resolve(import.meta.dirname, '../..');
let policySet: PolicySet;
beforeAll(async () => {
  policySet = await loadPolicySet(path.join(projectRoot, 'policies'), path.join(projectRoot, 'templates'));
});

/** A SCIM user as Okta provisions it (OIN shape), with the enterprise extension Okta maps department into. */
function oktaUser(overrides: { active?: boolean; department?: string; displayName?: string; title?: string; primaryPhone?: string } = {}): StoredUser {
  return {
    id: 'c0ffee00-0000-4000-8000-000000000001',
    userName: 'ada.okafor@example.com',
    externalId: '00u1ada0000000000001',
    active: overrides.active ?? true,
    resource: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER_SCHEMA],
      name: { givenName: 'Ada', familyName: 'Okafor' },
      emails: [{ value: 'ada.okafor@example.com', type: 'work', primary: true }],
      title: overrides.title ?? 'Platform Engineer',
      ...(overrides.displayName ? { displayName: overrides.displayName } : {}),
      // As the emulator and Okta push Okta's primaryPhone: the primary work phone.
      ...(overrides.primaryPhone ? { phoneNumbers: [{ value: overrides.primaryPhone, type: 'work', primary: true }] } : {}),
      [ENTERPRISE_USER_SCHEMA]: { department: overrides.department ?? 'Engineering' },
    },
    created: '2026-11-24T09:00:00.000Z',
    lastModified: '2026-11-24T09:00:00.000Z',
    version: 1,
  };
}

/** A policy set from one policy file of a fixture folder, with the templates its notices name. */
async function fixturePolicySet(name: string, text: string): Promise<PolicySet> {
  const dirs = await policyFixture({ policies: { [name]: text }, templates: { 'team-welcome.yaml': `subject: 'Welcome'\ntext: 'Welcome to the team'\n` } });
  return loadPolicySet(dirs.policiesDir, dirs.templatesDir);
}

const change = (previous: IdentityRecord | undefined, next: IdentityRecord, source = 'scim/okta'): Plan =>
  plan(policySet, { source, key: String(next.id), previous, next, now: '2026-11-24T09:00:00Z', everActive: previous !== undefined });

/** The policy of a SCIM source `scim/acme` with these workflows. */
const acmePolicy = (workflows: string) =>
  scimPolicy({ name: 'apps', source: 'scim/acme', attributes: '[id, active, department, groups]', moverAttributes: '[department, groups]', workflows });

/** Okta's app- groups made exactly the person's department's. */
const APP_GROUP_SYNC = `  - name: app-group
    on: [joiner, mover]
    actions:
      - action: MANAGE_RELATIONSHIPS
        sync:
          prefix: app-
          groups: ['app-{department | LOWER}']
`;

describe('the echo rule: a SCIM push of what Tenure itself made Okta hold starts nothing', () => {
  const joined = policyRecord(oktaUser(), ['Engineering']);

  it('the groups and display name the joiner gave, pushed back, are an echo: an update with no steps, and the plan says why', () => {
    const joiner = change(undefined, joined);
    expect(joiner.lifecycles['scim-okta']).toBe('joiner');
    expect(joiner.steps.length).toBeGreaterThan(0);

    const pushedBack = policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering', 'github-users']);
    const echo = change(joined, pushedBack);
    expect(echo.lifecycles['scim-okta']).toBe('update');
    expect(echo.steps).toEqual([]);
    expect(echo.echo['scim-okta']!.attributes).toEqual(['displayName', 'groups']);
    expect(echo.echo['scim-okta']!.reason).toContain('+dept-engineering');
    expect(echo.echo['scim-okta']!.reason).toContain("displayName is what SYNC_IDENTITIES writes to Okta's displayName");
  });

  it("each group of a pushed-back membership counts on its own: one push at a time is an echo too", () => {
    // Okta pushes a display name always (first and last name when none is set), so the one the joiner wrote is there.
    const named = policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering']);
    const one = policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering']);
    expect(change(named, one).echo['scim-okta']?.attributes).toEqual(['groups']);
    expect(change(one, policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering', 'github-users'])).steps).toEqual([]);
    // A record that does not show the display name cannot show the display-name step held: it runs again.
    const unnamed = change(joined, policyRecord(oktaUser(), ['Engineering', 'dept-engineering']));
    expect(unnamed.echo).toEqual({});
    expect(unnamed.steps.map((step) => step.workflow)).toEqual(['display-name']);
  });

  it('a group a person is given by hand is a real change: a mover whose workflows run', () => {
    const settled = policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering', 'github-users']);
    const byHand = change(settled, policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'Finance-Admins', 'dept-engineering', 'github-users']));
    expect(byHand.lifecycles['scim-okta']).toBe('mover');
    expect(byHand.echo).toEqual({});
    expect(byHand.steps.map((step) => step.workflow)).toEqual(['display-name']);
  });

  it('a group taken away by hand is a real change, whether the policy gives it or never touches it', () => {
    const settled = policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering', 'github-users']);
    const withoutEngineering = change(settled, policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['dept-engineering', 'github-users']));
    expect(withoutEngineering.lifecycles['scim-okta']).toBe('mover');
    expect(withoutEngineering.steps.map((step) => step.workflow)).toEqual(['display-name', 'engineering-tools-removed']);
    const withoutDepartmentGroup = change(settled, policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'github-users']));
    expect(withoutDepartmentGroup.lifecycles['scim-okta']).toBe('mover');
    expect(withoutDepartmentGroup.echo).toEqual({});
  });

  it('a group the policy gives only to Engineering members is a real change for anyone else', () => {
    const sales = policyRecord(oktaUser({ department: 'Sales', displayName: 'Ada Okafor' }), ['dept-sales']);
    const next = change(sales, policyRecord(oktaUser({ department: 'Sales', displayName: 'Ada Okafor' }), ['dept-sales', 'github-users']));
    expect(next.lifecycles['scim-okta']).toBe('mover');
    expect(next.echo).toEqual({});
  });

  it('a department moved in Okta is a mover; the group move Tenure makes for it, pushed back, is an echo', () => {
    const settled = policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering', 'github-users']);
    const moved = policyRecord(oktaUser({ department: 'Sales', displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering', 'github-users']);
    const move = change(settled, moved);
    expect(move.lifecycles['scim-okta']).toBe('mover');
    expect(move.steps.find((step) => step.workflow === 'department-group' && step.action.action === 'MANAGE_RELATIONSHIPS')?.action).toMatchObject({
      sync: { prefix: 'dept-', groups: ['dept-sales'] },
    });

    const pushedBack = change(moved, policyRecord(oktaUser({ department: 'Sales', displayName: 'Ada Okafor' }), ['Engineering', 'dept-sales', 'github-users']));
    expect(pushedBack.lifecycles['scim-okta']).toBe('update');
    expect(pushedBack.echo['scim-okta']!.reason).toMatch(/\+dept-sales -dept-engineering/);
    expect(pushedBack.steps).toEqual([]);
  });

  it('an echo that arrives with a real change is a real change', () => {
    const next = policyRecord(oktaUser({ displayName: 'Ada Okafor', title: 'Staff Engineer' }), ['Engineering', 'dept-engineering', 'github-users']);
    const result = change(joined, next);
    expect(result.lifecycles['scim-okta']).toBe('mover');
    expect(result.echo).toEqual({});
    expect(result.steps.map((step) => step.workflow)).toEqual(['display-name']);
  });

  it('a display name typed in Okta is a real change, and one the policy computes from the record before is an echo', () => {
    const settled = policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering', 'github-users']);
    const typed = policyRecord(oktaUser({ displayName: 'Ada O.' }), ['Engineering', 'dept-engineering', 'github-users']);
    expect(change(settled, typed).echo).toEqual({});
    expect(change(settled, typed).steps.map((step) => step.action)).toMatchObject([{ action: 'SYNC_IDENTITIES', attributes: { display_name: 'Ada Okafor' } }]);
    expect(change(typed, settled).echo['scim-okta']?.attributes).toEqual(['displayName']);
  });

  it('a leaver is never an echo, even when its groups are what the policy removes', () => {
    const settled = policyRecord(oktaUser({ displayName: 'Ada Okafor' }), ['Engineering', 'dept-engineering', 'github-users']);
    const left = change(settled, policyRecord(oktaUser({ active: false, displayName: 'Ada Okafor' }), []));
    expect(left.lifecycles['scim-okta']).toBe('leaver');
    expect(left.echo).toEqual({});
    expect(left.steps.map((step) => step.action.action)).toEqual(['DEPROVISION_IDENTITY']);
  });

  it('a value the policy passes through unchanged never explains a change: a department moved in Okta stays a mover', async () => {
    const dirs = await policyFixture({
      policies: {
        'mirror.yaml': scimPolicy({ name: 'mirror', source: 'scim/acme', attributes: '[id, active, givenName, familyName, department, title, groups]', moverAttributes: '[department]', workflows: `  - name: profile
    on: [joiner, mover, update]
    actions:
      - action: SYNC_IDENTITIES
        attributes:
          department: '{department}'
          title: '{title | UPPER}'
` }),
      },
    });
    const set = await loadPolicySet(dirs.policiesDir, dirs.templatesDir);
    const before = policyRecord(oktaUser(), []);
    const at = (next: IdentityRecord) => plan(set, { source: 'scim/acme', key: String(next.id), previous: before, next, now: '2026-11-24T09:00:00Z' });
    const moved = at(policyRecord(oktaUser({ department: 'Sales' }), []));
    expect(moved.lifecycles.mirror).toBe('mover');
    expect(moved.echo).toEqual({});
    // The title Tenure wrote (upper-cased from the record before) comes back: an echo.
    const upper = at(policyRecord(oktaUser({ title: 'PLATFORM ENGINEER' }), []));
    expect(upper.echo.mirror?.attributes).toEqual(['title']);
    expect(upper.steps).toEqual([]);
  });

  it('applies to SCIM sources only: another source is trusted to report what it holds', async () => {
    const policy = (source: string) => scimPolicy({ name: 'teams', source, attributes: '[id, active, groups]', moverAttributes: '[groups]', workflows: `  - name: staff
    on: [joiner, mover]
    actions:
      - action: MANAGE_RELATIONSHIPS
        add: [staff]
` });
    const before = { id: 'u1', active: true, groups: [] };
    const after = { id: 'u1', active: true, groups: ['staff'] };
    for (const [source, lifecycle] of [
      ['scim/acme', 'update'],
      ['hr', 'mover'],
    ] as const) {
      const dirs = await policyFixture({ policies: { 'teams.yaml': policy(source) } });
      const set = await loadPolicySet(dirs.policiesDir, dirs.templatesDir);
      const result = plan(set, { source, key: 'u1', previous: before, next: after, now: '2026-11-24T09:00:00Z' });
      expect(result.lifecycles.teams, source).toBe(lifecycle);
    }
  });

  it("a group removed by hand that a sync prefix covers is a real change when the plan it would get removes something: the reviewer's prod-vault-access", async () => {
    const set = await fixturePolicySet(
      'apps.yaml',
      acmePolicy(`${APP_GROUP_SYNC}  - name: prod-admin-removed
    on: mover
    when: old.groups eq "app-prod-admin" and groups ne "app-prod-admin"
    actions:
      - action: MANAGE_RELATIONSHIPS
        remove: [prod-vault-access]
`),
    );
    const at = (previous: IdentityRecord, next: IdentityRecord) => plan(set, { source: 'scim/acme', key: 'ada', previous, next, now: '2026-11-24T09:00:00Z' });
    const admin = { id: 'ada', active: true, department: 'Engineering', groups: ['app-engineering', 'app-prod-admin', 'prod-vault-access'] };
    // An administrator takes Ada out of app-prod-admin by hand in Okta.
    const byHand = at(admin, { ...admin, groups: ['app-engineering', 'prod-vault-access'] });
    expect(byHand.echo).toEqual({});
    expect(byHand.lifecycles.apps).toBe('mover');
    expect(byHand.steps.map((step) => [step.workflow, step.action])).toContainEqual(['prod-admin-removed', { action: 'MANAGE_RELATIONSHIPS', add: [], remove: ['prod-vault-access'] }]);
    // Nor is it Tenure's own when the record still shows a group the sync would take away.
    const legacy = { id: 'ada', active: true, department: 'Engineering', groups: ['app-engineering', 'app-legacy', 'app-sales'] };
    const withStray = at(legacy, { ...legacy, groups: ['app-engineering', 'app-legacy'] });
    expect(withStray.echo).toEqual({});
    expect(withStray.steps.map((step) => step.action)).toEqual([{ action: 'MANAGE_RELATIONSHIPS', add: [], remove: [], sync: { prefix: 'app-', groups: ['app-engineering'] } }]);
    // Her department group, which the sync gives her, pushed back is still an echo.
    const joined = { id: 'ada', active: true, department: 'Engineering', groups: [] };
    const pushedBack = at(joined, { ...joined, groups: ['app-engineering'] });
    expect(pushedBack.echo.apps?.attributes).toEqual(['groups']);
    expect(pushedBack.steps).toEqual([]);
  });

  it('a step on another target does not stop an echo: the push-back of the Okta group is still one, and a real move still runs it', async () => {
    const dirs = await policyFixture({
      policies: {
        'apps.yaml': acmePolicy(`${APP_GROUP_SYNC}  - name: kestra-department
    on: [joiner, mover]
    actions:
      - action: SYNC_IDENTITIES
        target: kestra
        attributes:
          department: '{department}'
`),
        'targets.yaml': `apiVersion: tenure/v1
kind: Targets
targets:
  kestra: { kind: scim, url: https://kestra.example.com/scim/v2, auth: { bearerToken: { env: KESTRA_SCIM_TOKEN } } }
`,
      },
    });
    const set = await loadPolicySet(dirs.policiesDir, dirs.templatesDir);
    const at = (previous: IdentityRecord, next: IdentityRecord) => plan(set, { source: 'scim/acme', key: 'ada', previous, next, now: '2026-11-24T09:00:00Z' });
    const joined = { id: 'ada', active: true, department: 'Engineering', groups: [] };
    const pushedBack = at(joined, { ...joined, groups: ['app-engineering'] });
    expect(pushedBack.echo.apps?.attributes).toEqual(['groups']);
    expect(pushedBack.steps).toEqual([]);
    const moved = at({ ...joined, groups: ['app-engineering'] }, { ...joined, department: 'Sales', groups: ['app-engineering'] });
    expect(moved.echo).toEqual({});
    expect(moved.steps.map((step) => step.action)).toContainEqual({ action: 'SYNC_IDENTITIES', target: 'kestra', create: false, attributes: { department: 'Sales' }, fallbacks: {}, createOnly: [] });
  });

  it('a push of a group Tenure gave is a real change when a workflow whose condition it meets would notify or deprovision', async () => {
    const set = await fixturePolicySet(
      'teams.yaml',
      scimPolicy({ name: 'teams', source: 'scim/acme', attributes: '[id, active, department, groups]', moverAttributes: '[department, groups]', workflows: `  - name: department-group
    on: [joiner, mover]
    when: department pr and (not (old.department pr) or old.department ne new.department)
    actions:
      - action: MANAGE_RELATIONSHIPS
        sync:
          prefix: dept-
          groups: ['dept-{department | LOWER}']
  - name: security-welcome
    on: mover
    when: groups eq "dept-security" and not (old.groups eq "dept-security")
    actions:
      - action: NOTIFY
        template: team-welcome
        to: security-leads@example.com
  - name: offboarding
    on: [mover, update]
    when: groups eq "dept-offboarding"
    actions:
      - action: DEPROVISION_IDENTITY
        mode: suspend
` }),
    );
    const at = (previous: IdentityRecord, next: IdentityRecord) => plan(set, { source: 'scim/acme', key: 'ada', previous, next, now: '2026-11-24T09:00:00Z' });
    const moved = (department: string) => ({ id: 'ada', active: true, department, groups: ['dept-engineering'] });
    const pushedBack = (department: string) => at(moved(department), { ...moved(department), groups: [`dept-${department.toLowerCase()}`] });

    expect(pushedBack('Sales').echo.teams?.attributes).toEqual(['groups']);
    expect(pushedBack('Sales').steps).toEqual([]);

    const security = pushedBack('Security');
    expect(security.echo).toEqual({});
    expect(security.lifecycles.teams).toBe('mover');
    expect(security.steps.map((step) => [step.workflow, step.action.action])).toEqual([['security-welcome', 'NOTIFY']]);

    const offboarding = pushedBack('Offboarding');
    expect(offboarding.echo).toEqual({});
    expect(offboarding.steps.map((step) => [step.workflow, step.action.action])).toEqual([['offboarding', 'DEPROVISION_IDENTITY']]);
  });

  it("a profile value that Okta's mappings do not carry back cannot be verified: a push with it in the plan is a real change", async () => {
    const set = await fixturePolicySet(
      'badges.yaml',
      scimPolicy({ name: 'badges', source: 'scim/acme', attributes: '[id, active, givenName, familyName, displayName]', workflows: `  - name: profile
    on: [joiner, mover, update]
    actions:
      - action: SYNC_IDENTITIES
        attributes:
          display_name: '{givenName} {familyName}'
          badgeNumber: 'B-{id}'
` }),
    );
    const before = policyRecord(oktaUser(), []);
    const result = plan(set, { source: 'scim/acme', key: 'ada', previous: before, next: policyRecord(oktaUser({ displayName: 'Ada Okafor' }), []), now: '2026-11-24T09:00:00Z' });
    expect(result.echo).toEqual({});
    expect(result.steps.map((step) => step.action)).toMatchObject([{ action: 'SYNC_IDENTITIES', attributes: { display_name: 'Ada Okafor' } }]);
  });

  it("Okta's primaryPhone comes back as the record's phoneNumber: the number Tenure wrote, pushed back, is an echo", async () => {
    const set = await fixturePolicySet(
      'phones.yaml',
      scimPolicy({ name: 'phones', source: 'scim/acme', attributes: '[id, active, phoneNumber]', workflows: `  - name: phone
    on: [joiner, mover, update]
    when: phoneNumber pr
    actions:
      - action: SYNC_IDENTITIES
        attributes:
          primaryPhone: '{phoneNumber | REMOVE_WHITESPACE}'
` }),
    );
    const typed = policyRecord(oktaUser({ primaryPhone: '+44 20 7946 0000' }), []);
    const written = policyRecord(oktaUser({ primaryPhone: '+442079460000' }), []);
    const result = plan(set, { source: 'scim/acme', key: 'ada', previous: typed, next: written, now: '2026-11-24T09:00:00Z' });
    expect(result.echo.phones?.reason).toContain("phoneNumber is what SYNC_IDENTITIES writes to Okta's primaryPhone");
    expect(result.steps).toEqual([]);
    // The number typed in Okta with spaces is a real change, which the policy writes back without them.
    const back = plan(set, { source: 'scim/acme', key: 'ada', previous: written, next: typed, now: '2026-11-24T09:00:00Z' });
    expect(back.echo).toEqual({});
    expect(back.steps.map((step) => step.action)).toMatchObject([{ action: 'SYNC_IDENTITIES', attributes: { primaryPhone: '+442079460000' } }]);
  });
});
