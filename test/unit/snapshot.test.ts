import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CsvError, csvRecords, parseCsv } from '../../src/policy/csv.ts';
import { projectRoot } from '../../src/runtime/config.ts';

describe('HR exports (CSV)', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks; an empty cell is an absent attribute', () => {
    expect(parseCsv('\ufeffid,title,note\r\n1,"Controller, ""EMEA""","two\nlines"\r\n2,,x\n\n', 'hr.csv')).toEqual([
      { id: '1', title: 'Controller, "EMEA"', note: 'two\nlines' },
      { id: '2', note: 'x' },
    ]);
  });

  it('names the file and line of a malformed row', () => {
    expect(() => parseCsv('id,title\n1,a,b\n', 'hr.csv')).toThrow(new CsvError('hr.csv:2: 3 cells, but the header names 2'));
    expect(() => parseCsv('id,title\n1,"open\n', 'hr.csv')).toThrow(new CsvError('hr.csv:2: a quoted cell is never closed'));
    expect(() => parseCsv('', 'hr.csv')).toThrow(new CsvError('hr.csv: no header row'));
  });

  it('gives the records one at a time, so a large export is never held as rows and records at once', () => {
    const records = csvRecords('id,title\n1,Analyst\n2,"Controller\n3,Clerk\n', 'hr.csv');
    // The first record comes before the file's end is read: the unclosed quote two rows on is not reached yet.
    expect(records.next()).toEqual({ done: false, value: { id: '1', title: 'Analyst' } });
    expect(() => records.next()).toThrow(new CsvError('hr.csv:3: a quoted cell is never closed'));
  });
});

describe('tenure plan --snapshot', () => {
  const run = promisify(execFile);
  const plan = async (...args: string[]) =>
    (await run(process.execPath, ['bin/tenure.mjs', 'plan', '--snapshot', 'test/fixtures/hr-now.csv', '--previous', 'test/fixtures/hr-before.csv', '--now', '2026-11-24T09:00:00Z', ...args], { cwd: projectRoot })).stdout;

  it('counts joiners, movers and leavers, and the actions per target', async () => {
    const result = JSON.parse(await plan('--json')) as { lifecycles: unknown; actions: Record<string, Record<string, number>>; unchanged: number; plans: Array<{ key: string; steps: Array<{ workflow: string }> }> };
    expect(result.lifecycles).toEqual({ employees: { none: 1, mover: 2, joiner: 1, leaver: 1 }, 'saas-apps': { none: 1, mover: 2, joiner: 1, leaver: 1 } });
    expect(result.unchanged).toBe(1);
    expect(result.actions.okta).toMatchObject({ DEPROVISION_IDENTITY: 1, '  add dept-engineering': 1, '  add staff': 2, '  remove contractors': 1, '  sync dept-finance': 1 });
    expect(result.actions.kestra).toEqual({ SYNC_IDENTITIES: 2, CREATE_ENTITLEMENT: 2, MANAGE_RELATIONSHIPS: 2, '  sync dept-engineering': 1, '  sync dept-finance': 1, DEPROVISION_IDENTITY: 1 });
    expect(result.actions.opshelm).toEqual({ SYNC_IDENTITIES: 2, DEPROVISION_IDENTITY: 1 });
    expect(result.actions.mail).toEqual({ NOTIFY: 1 });
    expect(Object.fromEntries(result.plans.map((planned) => [planned.key, [...new Set(planned.steps.map((step) => step.workflow))]]))).toEqual({
      E2: ['department-move', 'kestra-department-move', 'title-change'],
      E3: ['contractor-conversion'],
      E5: ['joiner', 'joiner-staff', 'opshelm-account', 'kestra-account'],
      E4: ['leaver'],
    });
  });

  it('prints the same as a readable summary and each identity with its steps', async () => {
    const text = await plan();
    expect(text).toContain('Lifecycles per policy:\n  employees  none 1, mover 2, joiner 1, leaver 1\n  saas-apps  none 1, mover 2, joiner 1, leaver 1');
    expect(text).toMatch(/^hr\/E4 +leaver +employees\/leaver +now +DEPROVISION_IDENTITY +okta /m);
    expect(text).toMatch(/^hr\/E5 +joiner +employees\/pre-hire +2026-12-07 09:00 UTC +date trigger /m);
  });
});
