import { describe, expect, it } from 'vitest';
import { tenure } from '../helpers/tenure-cli.ts';

const NOW = '2026-11-24T09:00:00Z';
const HEADER = ['IDENTITY', 'CHANGE', 'POLICY WORKFLOW', 'WHEN', 'ACTION', 'TARGET', 'KEY VALUES'];

/** The plan table of a dry run: its header's columns and each row cut at them. */
function planTable(stdout: string): { header: string[]; rows: string[][] } {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('IDENTITY '));
  expect(start, `a table in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const headerLine = lines[start]!;
  const starts = HEADER.map((name) => headerLine.indexOf(name));
  const cut = (line: string) => starts.map((from, index) => line.slice(from, starts[index + 1]).trim());
  const body = lines.slice(start + 1);
  const rows = body.slice(0, body.findIndex((line) => line === '') < 0 ? undefined : body.findIndex((line) => line === '')).map(cut);
  return { header: cut(headerLine), rows };
}

describe('tenure plan, for people', () => {
  it('prints the leaver of examples/joiner.json -> examples/leaver.json as a table', async () => {
    const { code, stdout } = await tenure(['plan', '--old', 'examples/joiner.json', '--new', 'examples/leaver.json', '--now', NOW]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^hr\/E1001: employees leaver, saas-apps leaver \(policy set [0-9a-f]+, planned at 2026-11-24T09:00:00Z\)$/);
    const { header, rows } = planTable(stdout);
    expect(header).toEqual(HEADER);
    expect(rows).toEqual([
      ['hr/E1001', 'leaver', 'employees/leaver', 'now', 'DEPROVISION_IDENTITY', 'okta', 'deactivate, end sessions, leave groups, keep profile'],
      // A SCIM account has only `active`: the table says no more than the target can do.
      ['hr/E1001', 'leaver', 'saas-apps/leaver', 'now', 'DEPROVISION_IDENTITY', 'opshelm', 'deactivate, keep groups'],
      ['hr/E1001', 'leaver', 'saas-apps/leaver', 'now', 'DEPROVISION_IDENTITY', 'kestra', 'deactivate, leave groups'],
      ['hr/E1001', 'leaver', 'employees/leaver-cleanup', '2026-12-20 09:00 UTC', 'date trigger', '–', 'planned then, against the record of that day'],
    ]);
    // Not `field="json"`: nothing of the machine form leaks into the table.
    expect(stdout).not.toMatch(/\w="|":/);
  });

  it('summarises a joiner’s candidate logins instead of listing them', async () => {
    const { stdout } = await tenure(['plan', '--new', 'examples/joiner.json', '--now', NOW]);
    const sync = planTable(stdout).rows.find((row) => row[4] === 'SYNC_IDENTITIES')!;
    expect(sync.slice(0, 6)).toEqual(['hr/E1001', 'joiner', 'employees/joiner', 'now', 'SYNC_IDENTITIES', 'okta']);
    expect(sync[6]).toMatch(/^create login zoe\.lindqvist@example\.com \(\+10 fallbacks\), email zoe\.lindqvist@example\.com \(\+10 fallbacks\), first_name Zoë, /);
    expect(sync[6]).toContain('title "Platform Engineer"');
    expect(stdout).not.toContain('zoe.lindqvist2@example.com');
    expect(planTable(stdout).rows.map((row) => [row[2], row[4], row[6]])).toEqual([
      ['employees/joiner', 'SYNC_IDENTITIES', sync[6]],
      ['employees/joiner', 'CREATE_ENTITLEMENT', 'group dept-engineering (Everyone in Engineering)'],
      ['employees/joiner', 'MANAGE_RELATIONSHIPS', 'add dept-engineering'],
      ['employees/joiner', 'RESET_PASSWORD', 'temporary password mailed to grace.hopper@example.com (welcome-manager)'],
      ['employees/joiner-staff', 'MANAGE_RELATIONSHIPS', 'add staff'],
      ['saas-apps/opshelm-account', 'SYNC_IDENTITIES', expect.stringMatching(/^create login zoe\.lindqvist@example\.com \(\+10 fallbacks\), /)],
      ['saas-apps/kestra-account', 'SYNC_IDENTITIES', expect.stringMatching(/^create login zoe\.lindqvist@example\.com \(\+10 fallbacks\), .*department Engineering$/)],
      ['saas-apps/kestra-account', 'CREATE_ENTITLEMENT', 'group dept-engineering (Everyone in Engineering)'],
      ['saas-apps/kestra-account', 'MANAGE_RELATIONSHIPS', 'keep only dept-engineering of dept-*'],
    ]);
    expect(planTable(stdout).rows.map((row) => row[5])).toEqual(['okta', 'okta', 'okta', 'okta', 'okta', 'opshelm', 'kestra', 'kestra', 'kestra']);
  });

  it('keeps the machine form, every candidate included, behind --json', async () => {
    const { stdout } = await tenure(['plan', '--new', 'examples/joiner.json', '--now', NOW, '--json']);
    const plan = JSON.parse(stdout) as { steps: Array<{ action: { action: string; fallbacks?: Record<string, string[]> } }> };
    expect(plan.steps[0]!.action.fallbacks!.login).toHaveLength(10);
  });

  it('prints an HR export’s dry run (hr-before.csv -> hr-now.csv) as counts, then one table of every identity', async () => {
    const { code, stdout } = await tenure(['plan', '--snapshot', 'test/fixtures/hr-now.csv', '--previous', 'test/fixtures/hr-before.csv', '--now', NOW]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      [
        '4 identities to change, 1 unchanged.',
        '',
        'Lifecycles per policy:',
        '  employees  none 1, mover 2, joiner 1, leaver 1',
        '  saas-apps  none 1, mover 2, joiner 1, leaver 1',
        '',
        'Actions per target:',
        '  okta',
        '    SYNC_IDENTITIES          3',
        '    CREATE_ENTITLEMENT       2',
        '    MANAGE_RELATIONSHIPS     4',
        '      add dept-engineering   1',
        '      add staff              2',
        '      remove contractors     1',
        '      sync dept-finance      1',
        '    RESET_PASSWORD           1',
        '    DEPROVISION_IDENTITY     1',
        '  kestra',
        '    SYNC_IDENTITIES          2',
        '    CREATE_ENTITLEMENT       2',
        '    MANAGE_RELATIONSHIPS     2',
        '      sync dept-engineering  1',
        '      sync dept-finance      1',
        '    DEPROVISION_IDENTITY     1',
        '  opshelm',
        '    SYNC_IDENTITIES          2',
        '    DEPROVISION_IDENTITY     1',
        '  mail',
        '    NOTIFY                   1',
      ].join('\n'),
    );
    const { header, rows } = planTable(stdout);
    expect(header).toEqual(HEADER);
    expect(rows.map((row) => (row[4] === 'SYNC_IDENTITIES' && row[1] === 'joiner' ? [...row.slice(0, 6), row[6]!.slice(0, 50)] : row))).toEqual([
      ['hr/E2', 'mover', 'employees/department-move', 'now', 'SYNC_IDENTITIES', 'okta', 'update department Finance, title "Controller, EMEA"'],
      ['hr/E2', 'mover', 'employees/department-move', 'now', 'CREATE_ENTITLEMENT', 'okta', 'group dept-finance (Everyone in Finance)'],
      ['hr/E2', 'mover', 'employees/department-move', 'now', 'MANAGE_RELATIONSHIPS', 'okta', 'keep only dept-finance of dept-*'],
      ['hr/E2', 'mover', 'saas-apps/kestra-department-move', 'now', 'SYNC_IDENTITIES', 'kestra', 'update department Finance'],
      ['hr/E2', 'mover', 'saas-apps/kestra-department-move', 'now', 'CREATE_ENTITLEMENT', 'kestra', 'group dept-finance (Everyone in Finance)'],
      ['hr/E2', 'mover', 'saas-apps/kestra-department-move', 'now', 'MANAGE_RELATIONSHIPS', 'kestra', 'keep only dept-finance of dept-*'],
      ['hr/E2', 'mover', 'saas-apps/title-change', 'now', 'SYNC_IDENTITIES', 'opshelm', 'update title "Controller, EMEA"'],
      ['hr/E3', 'mover', 'employees/contractor-conversion', 'now', 'SYNC_IDENTITIES', 'okta', 'update user_type Employee'],
      ['hr/E3', 'mover', 'employees/contractor-conversion', 'now', 'MANAGE_RELATIONSHIPS', 'okta', 'add staff, remove contractors'],
      ['hr/E3', 'mover', 'employees/contractor-conversion', 'now', 'NOTIFY', 'mail', 'mail to ada.lovelace@example.com (conversion)'],
      ['hr/E5', 'joiner', 'employees/joiner', 'now', 'SYNC_IDENTITIES', 'okta', 'create login ines.moreau@example.com (+10 fallback'],
      ['hr/E5', 'joiner', 'employees/joiner', 'now', 'CREATE_ENTITLEMENT', 'okta', 'group dept-engineering (Everyone in Engineering)'],
      ['hr/E5', 'joiner', 'employees/joiner', 'now', 'MANAGE_RELATIONSHIPS', 'okta', 'add dept-engineering'],
      ['hr/E5', 'joiner', 'employees/joiner', 'now', 'RESET_PASSWORD', 'okta', 'temporary password mailed to grace.hopper@example.com (welcome-manager)'],
      ['hr/E5', 'joiner', 'employees/joiner-staff', 'now', 'MANAGE_RELATIONSHIPS', 'okta', 'add staff'],
      ['hr/E5', 'joiner', 'saas-apps/opshelm-account', 'now', 'SYNC_IDENTITIES', 'opshelm', 'create login ines.moreau@example.com (+10 fallback'],
      ['hr/E5', 'joiner', 'saas-apps/kestra-account', 'now', 'SYNC_IDENTITIES', 'kestra', 'create login ines.moreau@example.com (+10 fallback'],
      ['hr/E5', 'joiner', 'saas-apps/kestra-account', 'now', 'CREATE_ENTITLEMENT', 'kestra', 'group dept-engineering (Everyone in Engineering)'],
      ['hr/E5', 'joiner', 'saas-apps/kestra-account', 'now', 'MANAGE_RELATIONSHIPS', 'kestra', 'keep only dept-engineering of dept-*'],
      ['hr/E5', 'joiner', 'employees/pre-hire', '2026-12-07 09:00 UTC', 'date trigger', '–', 'planned then, against the record of that day'],
      ['hr/E4', 'leaver', 'employees/leaver', 'now', 'DEPROVISION_IDENTITY', 'okta', 'deactivate, end sessions, leave groups, keep profile'],
      ['hr/E4', 'leaver', 'saas-apps/leaver', 'now', 'DEPROVISION_IDENTITY', 'opshelm', 'deactivate, keep groups'],
      ['hr/E4', 'leaver', 'saas-apps/leaver', 'now', 'DEPROVISION_IDENTITY', 'kestra', 'deactivate, leave groups'],
    ]);
    expect(stdout).not.toContain('ines.moreau2@example.com');
    expect(stdout).not.toMatch(/\w="|":/);
  });
});
