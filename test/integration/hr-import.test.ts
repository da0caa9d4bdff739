import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/emulator/okta/system-log.ts';
import { heldBatchOf } from '../../src/guard/held-batch.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { listKnownIdentities } from '../../src/sources/known-identities.ts';
import type { ImportSummary } from '../../src/sources/snapshot-import.ts';
import { statusQuery, type IdentityStatus } from '../../workflows/definitions.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';
import { signInOperator } from '../helpers/operator.ts';

/*
 * `tenure hr import` and the scheduled pull against the real dev server, worker and Okta
 * emulator: an export's new rows join, changed rows move, missing rows leave, and rows Tenure
 * already holds cost nothing — no event, no Okta call.
 */
let stack: TenureStack;
let dir: string;
/** Where the scheduled pull reads its export. */
let pulled: string;
/** The held empty export, which a later import waits behind. */
let heldEmpty: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenure-hr-import-'));
  pulled = path.join(dir, 'pulled.csv');
  stack = await startTestStack({ hrExportPath: pulled });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const COLUMNS = ['employee_id', 'first_name', 'last_name', 'department', 'title', 'manager_id', 'manager_email', 'employment_type', 'status', 'start_date'] as const;
type Person = Record<(typeof COLUMNS)[number], string>;

const person = (key: string, first: string, last: string, department: string): Person => ({
  employee_id: key,
  first_name: first,
  last_name: last,
  department,
  title: 'Analyst',
  manager_id: 'E0042',
  manager_email: 'grace.hopper@example.com',
  employment_type: 'FTE',
  status: 'active',
  start_date: '2020-01-06',
});

const staff = [
  person('E601', 'Ama', 'Owusu', 'Engineering'),
  person('E602', 'Bo', 'Lindgren', 'Sales'),
  person('E603', 'Chen', 'Wei', 'Finance'),
  person('E604', 'Dara', 'Nolan', 'Finance'),
  person('E605', 'Efe', 'Adeyemi', 'People'),
  person('E606', 'Femi', 'Bello', 'Engineering'),
];
const unchanged = ['E603', 'E604', 'E605', 'E606'];
/** E601 moves to Sales, E602 has left. */
const day2 = [{ ...staff[0]!, department: 'Sales' }, ...staff.slice(2)];
/** E603 is promoted. */
const day3 = day2.map((row) => (row.employee_id === 'E603' ? { ...row, title: 'Senior Analyst' } : row));

async function file(name: string, text: string): Promise<string> {
  const at = path.join(dir, name);
  await writeFile(at, text);
  return at;
}

const csv = (people: Person[]) => [COLUMNS.join(','), ...people.map((row) => COLUMNS.map((column) => row[column]).join(','))].join('\n') + '\n';

const run = promisify(execFile);

/** Runs `tenure` as an administrator would, against this test's Temporal and task queue. */
async function tenure(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['bin/tenure.mjs', ...args], {
    cwd: projectRoot,
    env: { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, TENURE_TASK_QUEUE: stack.taskQueue, ...env },
  });
}

async function importJson(...args: string[]): Promise<{ rows: number; summary: ImportSummary }> {
  return JSON.parse((await tenure(['hr', 'import', ...args, '--json'])).stdout) as { rows: number; summary: ImportSummary };
}

const statusOf = (key: string): Promise<IdentityStatus> => stack.client.workflow.getHandle(`identity/hr/${key}`).query(statusQuery);

/** How many changes were ever signalled to an identity: its history says so, whether or not it has acted on them yet. */
async function signalsTo(key: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(`identity/hr/${key}`).fetchHistory();
  return history.events!.filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'change').length;
}

/** How many changes an identity set out to apply: a change dropped as a repeat is never planned. */
async function plannedChanges(key: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(`identity/hr/${key}`).fetchHistory();
  return history.events!.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'planChange').length;
}

async function applied(key: string, count: number): Promise<IdentityStatus> {
  const status = await eventually(async () => {
    const current = await statusOf(key);
    expect(current.pending).toBe(0);
    expect(current.applied).toBe(count);
    return current;
  });
  expect(status.lastError).toBeUndefined();
  return status;
}

async function oktaUser(key: string) {
  return stack.okta!.userApi.getUser({ userId: (await statusOf(key)).oktaUserId! });
}

/** What the emulator's System Log holds since `since`: every change made to the org. */
async function systemLogSince(since: string): Promise<LogEvent[]> {
  const response = await fetch(`${stack.oktaUrl}/api/v1/logs?since=${encodeURIComponent(since)}&limit=1000`, {
    headers: { authorization: 'SSWS tenure-sandbox-token', accept: 'application/json' },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as LogEvent[];
}

describe('tenure hr import', () => {
  it('imports a first export (JSON, with a column mapping) as joiners, who reach Okta', async () => {
    // The HR system's own column names; the address is not Tenure's to hold.
    const exported = staff.map((row) => ({ 'Worker ID': row.employee_id, 'Legal First Name': row.first_name, 'Legal Last Name': row.last_name, 'Cost Center': row.department, 'Job Title': row.title, 'Manager ID': row.manager_id, 'Manager Email': row.manager_email, 'Worker Type': row.employment_type, 'Worker Status': row.status, 'Hire Date': row.start_date, 'Home Address': '1 Main St' }));
    const mapping = await file('columns.json', JSON.stringify({
      'Worker ID': 'employee_id', 'Legal First Name': 'first_name', 'Legal Last Name': 'last_name', 'Cost Center': 'department', 'Job Title': 'title',
      'Manager ID': 'manager_id', 'Manager Email': 'manager_email', 'Worker Type': 'employment_type', 'Worker Status': 'status', 'Hire Date': 'start_date',
    }));
    const { stdout, stderr } = await tenure(['hr', 'import', await file('day1.json', JSON.stringify({ records: exported })), '--columns', mapping]);
    expect(stderr.split('\n').filter((line) => line.includes('changes delivered'))).toEqual([
      '1 of 6 changes delivered (16%)', '2 of 6 changes delivered (33%)', '3 of 6 changes delivered (50%)',
      '4 of 6 changes delivered (66%)', '5 of 6 changes delivered (83%)', '6 of 6 changes delivered (100%)',
    ]);
    expect(stdout).toMatch(/day1\.json \(batch [0-9a-f]{12}\): 6 rows\n {2}joiners {3}6\n {2}movers {4}0\n {2}leavers {3}0\n {2}rehires {3}0\n {2}updates {3}0\n {2}unchanged 0\nDelivered 6 changes to the identity workflows\.\n$/);

    for (const { employee_id: key } of staff) {
      const status = await applied(key, 1);
      expect(status.record).toEqual(staff.find((row) => row.employee_id === key));
    }
    expect((await oktaUser('E601')).profile).toMatchObject({ login: 'ama.owusu@example.com', department: 'Engineering', employeeNumber: 'E601' });
    // Later imports compare with what the workflows show in Temporal's visibility store.
    await eventually(async () => expect([...(await listKnownIdentities(stack.client, 'hr')).values()].filter(({ record }) => record !== null)).toHaveLength(6));
  });

  it('prints the plan of a dry run and delivers nothing', async () => {
    const { stdout } = await tenure(['hr', 'import', await file('day2-preview.csv', csv(day2)), '--dry-run']);
    expect(stdout).toMatch(/^hr\/E601 +mover +employees\/\S+ +now +\S+ +okta /m);
    expect(stdout).toMatch(/^hr\/E602 +leaver +employees\/leaver +now +DEPROVISION_IDENTITY +okta /m);
    expect(stdout).toMatch(/ {2}movers {4}1\n {2}leavers {3}1\n {2}rehires {3}0\n {2}updates {3}0\n {2}unchanged 4\nDry run: nothing was delivered\.\n$/);
    for (const { employee_id: key } of staff) expect(await signalsTo(key)).toBe(1);
  });

  it('delivers a later export’s mover and leaver only: unchanged rows get no event and cost no Okta call', async () => {
    const before = Object.fromEntries(await Promise.all(unchanged.map(async (key) => [key, await statusOf(key)] as const)));
    const unchangedUsers = await Promise.all(unchanged.map(async (key) => (await oktaUser(key)).id!));
    const since = new Date().toISOString();

    const { rows, summary } = await importJson(await file('day2.csv', csv(day2)));
    expect(rows).toBe(5);
    expect(summary).toMatchObject({ joiners: 0, movers: 1, leavers: 1, rehires: 0, updates: 0, unchanged: 4, deprovisions: 1, delivered: 2 });

    await applied('E601', 2);
    await applied('E602', 2);
    expect((await oktaUser('E601')).profile?.department).toBe('Sales');
    expect((await oktaUser('E602')).status).toBe('DEPROVISIONED');
    for (const key of unchanged) {
      expect(await signalsTo(key)).toBe(1);
      const status = await statusOf(key);
      expect({ applied: status.applied, lastEventId: status.lastEventId }).toEqual({ applied: before[key]!.applied, lastEventId: before[key]!.lastEventId });
    }
    const touched = new Set((await systemLogSince(since)).flatMap(({ target }) => target.map(({ id }) => id)));
    expect(touched).toContain((await oktaUser('E601')).id);
    expect(touched).toContain((await oktaUser('E602')).id);
    expect(unchangedUsers.filter((id) => touched.has(id))).toEqual([]);
  });

  it('applies each change once when the same export is imported twice at once', async () => {
    const export3 = await file('day3.csv', csv(day3));
    // Both imports compare with what Tenure knew before either delivered: each sends E603's change.
    const [first, second] = await Promise.all([importJson(export3), importJson(export3)]);
    expect(second.summary.batchId).toBe(first.summary.batchId);
    await applied('E603', 2);
    expect((await oktaUser('E603')).profile?.title).toBe('Senior Analyst');
    await eventually(async () => expect((await statusOf('E603')).pending).toBe(0));
    expect(await plannedChanges('E603')).toBe(2);
  });

  it('fails with the file and line of a bad row, and imports nothing', async () => {
    const bad = await file('bad.csv', `${csv(day3)}${csv([{ ...staff[3]!, department: 'Legal' }]).split('\n')[1]}\n`);
    await expect(tenure(['hr', 'import', bad])).rejects.toMatchObject({ code: 1, stderr: `tenure: ${bad}:7: employee_id E604 again, first at ${bad}:4\n` });
    expect(await signalsTo('E604')).toBe(1);
  });

  it('holds an empty export over the guard limits for an administrator: nothing is deprovisioned', async () => {
    const active = ['E601', ...unchanged];
    const signalled = await Promise.all(active.map(signalsTo));
    const empty = await file('empty.csv', `${COLUMNS.join(',')}\n`);
    const { stdout } = await tenure(['hr', 'import', empty], { TENURE_GUARD_MAX_COUNT: '2' });
    const [, batchId] = /\(batch ([0-9a-f]{12})\)/.exec(stdout)!;
    expect(stdout).toContain(`  leavers   5\n`);
    expect(stdout).toContain('Held for approval, nothing applied: 5 deprovisionings exceed the limit of 2.\n');
    expect(stdout).toContain(`  tenure approve held/hr/${batchId}   applies the whole import\n`);

    heldEmpty = `held/hr/${batchId}`;
    const held = await stack.client.workflow.getHandle(heldEmpty).describe();
    expect(held.status.name).toBe('RUNNING');
    expect(await Promise.all(active.map(signalsTo))).toEqual(signalled);
    for (const key of active) expect((await oktaUser(key)).status).toBe('PASSWORD_EXPIRED');
  });

  it('applies nothing of a later export within the limits while an earlier one is held, and names the held one', async () => {
    const signalled = await signalsTo('E601');
    const { summary } = await importJson(await file('day4.csv', csv(day3.map((row) => (row.employee_id === 'E601' ? { ...row, title: 'Interim Lead' } : row)))));
    expect(summary).toMatchObject({ movers: 1, deprovisions: 0, delivered: 0, held: { workflowId: heldEmpty, reason: "an earlier import of hr waits for an administrator's decision" } });
    expect(await signalsTo('E601')).toBe(signalled);
    expect((await oktaUser('E601')).profile?.title).toBe('Analyst');

    // Once the held export is decided, the source's imports are applied again.
    await tenure(['reject', heldEmpty], (await signInOperator(stack)).env);
    await eventually(async () => expect(await heldBatchOf(stack.client, 'hr')).toBeUndefined());
  });
});

describe('the scheduled pull of an HR export', () => {
  it('imports the configured export as `tenure hr import` does, and returns its summary', async () => {
    await writeFile(pulled, csv(day3.map((row) => (row.employee_id === 'E601' ? { ...row, title: 'Lead' } : row))));
    const summary = await stack.client.workflow.execute('hrExportPull', { taskQueue: stack.taskQueue, workflowId: 'hr-export-pull-test' });
    expect(summary).toMatchObject({ movers: 1, unchanged: 4, delivered: 1 });
    expect(summary.held).toBeUndefined();
    await applied('E601', 3);
    expect((await oktaUser('E601')).profile?.title).toBe('Lead');
  });

  it('fails for good, saying so, when the export is missing', async () => {
    await rm(pulled);
    const failure = await stack.client.workflow.execute('hrExportPull', { taskQueue: stack.taskQueue, workflowId: 'hr-export-pull-missing' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(((failure as WorkflowFailedError).cause?.cause as Error | undefined)?.message).toBe(`${pulled}: no such file`);
  });
});
