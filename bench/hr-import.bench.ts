import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { applySeed } from '../src/emulator/okta/seed.ts';
import { FAST_RATE_LIMITS, type RateLimitUsage } from '../src/emulator/okta/rate-limits.ts';
import type { OktaStore } from '../src/emulator/okta/store.ts';
import { identityWorkflowId } from '../src/identity/change-event.ts';
import { ensureGroups } from '../src/okta/groups.ts';
import type { IdentityRecord } from '../src/policy/schema.ts';
import { projectRoot } from '../src/runtime/config.ts';
import { IdentityKey, IdentitySource } from '../src/runtime/search-attributes.ts';
import type { TenureStack } from '../src/runtime/stack.ts';
import { HR_SOURCE } from '../src/sources/hr-events.ts';
import { loadHrExport } from '../src/sources/hr-export.ts';
import { countActiveIdentities } from '../src/sources/known-identities.ts';
import { importSnapshot, type ImportSummary } from '../src/sources/snapshot-import.ts';
import { initialState, statusQuery, type identityWorkflow } from '../workflows/definitions.ts';
import { inParallel } from './in-parallel.ts';
import { printTable } from './report.ts';
import { startBenchStack } from './stack.ts';

/**
 * `tenure hr import` of a 50,000-row export (TENURE_BENCH_IMPORT_ROWS sets the rows) against as
 * many identities Tenure knows, first unchanged, then with a tenth of the rows changed (a
 * department move each): how long reading, planning, delivering and settling take, and how many
 * Okta calls the import costs. Okta's work must follow the changes, never the rows.
 *
 * The known identities are not made by real joiners, which would take hours: the emulator is
 * seeded with their users and groups, and each identity workflow is started with its state
 * carried in, as continue-as-new does. The policy is the chaos test's, a fixed workload.
 */

const DEFAULT_ROWS = 50_000;
/** Every tenth row of the second export moves department. */
const CHANGED_EVERY = 10;
const POLICIES_DIR = path.join(projectRoot, 'test/fixtures/chaos/policies');
const TEMPLATES_DIR = path.join(projectRoot, 'test/fixtures/chaos/templates');
const DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'People'];
const GROUPS = ['staff', ...DEPARTMENTS.map((department) => `dept-${department.toLowerCase()}`)];
/** Identity workflows started at once while the baseline is laid down. */
const CONCURRENT_STARTS = 32;
const PROGRESS_EVERY_MS = 5_000;
const SETTLE_CHECK_MS = 500;
/** A run that settles nothing for this long is broken, not slow: Temporal's retry backoff tops out at 5 minutes. */
const STALL_MS = 10 * 60_000;

const keyOf = (index: number) => `I${String(index).padStart(6, '0')}`;
const loginOf = (index: number) => `import.person${index}@example.com`;

function person(index: number, department: string): IdentityRecord {
  return {
    employee_id: keyOf(index),
    first_name: 'Import',
    last_name: `Person${index}`,
    department,
    title: 'Analyst',
    manager_email: `manager${index % 20}@example.com`,
    status: 'active',
  };
}

const departmentOf = (index: number) => DEPARTMENTS[index % DEPARTMENTS.length]!;
const movedDepartmentOf = (index: number) => DEPARTMENTS[(index + 1) % DEPARTMENTS.length]!;
const changed = (index: number) => index % CHANGED_EVERY === 0;

const COLUMNS = ['employee_id', 'first_name', 'last_name', 'department', 'title', 'manager_email', 'status'];

function exportCsv(rows: number, department: (index: number) => string): string {
  const lines = [COLUMNS.join(',')];
  for (let index = 0; index < rows; index++) {
    const record = person(index, department(index));
    lines.push(COLUMNS.map((column) => record[column]).join(','));
  }
  return `${lines.join('\n')}\n`;
}

const seconds = (ms: number) => (ms / 1000).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const figure = (value: number) => value.toLocaleString('en-US');

/** Tells stderr how far a long step is, every few seconds. */
function reporting(label: string, count: () => string): () => void {
  const startedAt = performance.now();
  const timer = setInterval(() => process.stderr.write(`  ${label}: ${count()} after ${seconds(performance.now() - startedAt)} s\n`), PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
}


/**
 * What Tenure would know after `rows` joiners: their Okta users, in their groups, and an identity
 * workflow each holding the record it applied. Returns how long that took.
 */
async function layBaseline(stack: TenureStack, rows: number, policySetHash: string): Promise<{ seedMs: number; startMs: number; visibleMs: number }> {
  const store = stack.oktaEmulator!.store;
  await ensureGroups(stack.okta!, GROUPS.map((name) => ({ name })));
  let startedAt = performance.now();
  const users = Array.from({ length: rows }, (_, index) => {
    const record = person(index, departmentOf(index));
    const login = loginOf(index);
    return {
      profile: { login, email: login, firstName: record.first_name, lastName: record.last_name, department: record.department, title: record.title, employeeNumber: record.employee_id },
      status: 'PROVISIONED',
      groups: ['staff', `dept-${String(record.department).toLowerCase()}`],
    };
  });
  applySeed(store, { users });
  const seedMs = performance.now() - startedAt;

  startedAt = performance.now();
  let started = 0;
  const stopReporting = reporting('identity workflows started', () => `${figure(started)} of ${figure(rows)}`);
  try {
    await inParallel(rows, CONCURRENT_STARTS, async (index) => {
      const record = person(index, departmentOf(index));
      const key = String(record.employee_id);
      const user = store.findUser(loginOf(index))!;
      await startCarried(stack.client, stack.taskQueue, key, {
        ...initialState(HR_SOURCE, key),
        record,
        known: true,
        active: true,
        everActive: true,
        policyVersion: policySetHash,
        accounts: { okta: { id: user.id, profile: { login: loginOf(index) }, removedGroups: [], deleted: false } },
        applied: 1,
        lastEventId: 'bench-baseline',
      });
      started++;
    });
  } finally {
    stopReporting();
  }
  const startMs = performance.now() - startedAt;

  // The workflows show their record and state once the worker has run each one's first task.
  startedAt = performance.now();
  let active = 0;
  const stopCounting = reporting('identity workflows visible as active', () => `${figure(active)} of ${figure(rows)}`);
  try {
    while ((active = await countActiveIdentities(stack.client, HR_SOURCE)) < rows) await new Promise((resolve) => setTimeout(resolve, 1_000));
  } finally {
    stopCounting();
  }
  return { seedMs, startMs, visibleMs: performance.now() - startedAt };
}

async function startCarried(client: Client, taskQueue: string, key: string, status: ReturnType<typeof initialState>): Promise<void> {
  await client.workflow.start<typeof identityWorkflow>('identityWorkflow', {
    workflowId: identityWorkflowId(HR_SOURCE, key),
    taskQueue,
    args: [{ source: HR_SOURCE, key, carried: { status, recentEventIds: [], pending: [] } }],
    typedSearchAttributes: [
      { key: IdentityKey, value: key },
      { key: IdentitySource, value: HR_SOURCE },
    ],
  });
}

async function rateLimitUsage(stack: TenureStack, token: string): Promise<RateLimitUsage> {
  const response = await fetch(`${stack.oktaUrl}/emulator/v1/rate-limits`, { headers: { authorization: `SSWS ${token}` } });
  if (!response.ok) throw new Error(`the emulator's rate-limit counts: ${response.status} ${await response.text()}`);
  return (await response.json()) as RateLimitUsage;
}

const callsBetween = (before: RateLimitUsage, after: RateLimitUsage) =>
  Object.entries(after.families).reduce((sum, [family, usage]) => sum + usage.served - before.families[family as keyof RateLimitUsage['families']].served, 0);

/** Whether Okta holds a moved identity as the policy asks: its new department, and that department's group alone. */
function moved(store: OktaStore, index: number): boolean {
  const user = store.findUser(loginOf(index));
  const department = movedDepartmentOf(index);
  if (user?.profile.department !== department) return false;
  const groups = store.groupsOf(user.id).map((group) => String(group.profile.name)).filter((name) => name.startsWith('dept-'));
  return groups.length === 1 && groups[0] === `dept-${department.toLowerCase()}`;
}

/** Resolves once Okta holds every moved identity as the policy asks; checks the emulator's store directly, so watching costs no API budget. */
async function settled(store: OktaStore, indexes: number[]): Promise<void> {
  const waiting = new Set(indexes);
  let lastProgressAt = performance.now();
  const stopReporting = reporting('changes settled in Okta', () => `${figure(indexes.length - waiting.size)} of ${figure(indexes.length)}`);
  try {
    while (waiting.size > 0) {
      const before = waiting.size;
      for (const index of waiting) if (moved(store, index)) waiting.delete(index);
      if (waiting.size < before) lastProgressAt = performance.now();
      else if (performance.now() - lastProgressAt > STALL_MS) throw new Error(`nothing settled for ${STALL_MS / 60_000} minutes; ${waiting.size} changes wait`);
      if (waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_CHECK_MS));
    }
  } finally {
    stopReporting();
  }
}

interface ImportRun {
  label: string;
  rows: number;
  summary: ImportSummary;
  readMs: number;
  /** Listing what Tenure knows, planning, and the guard's pre-check. */
  planMs: number;
  deliverMs: number | undefined;
  settleMs: number | undefined;
  oktaCalls: number;
}

/** Imports an export as `tenure hr import` does, timing each phase; with `changes`, waits until Okta holds them. */
async function runImport(stack: TenureStack, deps: Parameters<typeof importSnapshot>[0], token: string, label: string, file: string, changes: number[]): Promise<ImportRun> {
  const before = await rateLimitUsage(stack, token);
  let startedAt = performance.now();
  const hrExport = await loadHrExport(deps.policySet, file, { source: HR_SOURCE, columnsFile: undefined });
  const readMs = performance.now() - startedAt;

  startedAt = performance.now();
  let plannedAt: number | undefined;
  let deliveredAt: number | undefined;
  let done = 0;
  const stopReporting = reporting('changes delivered', () => `${figure(done)} of ${figure(changes.length)}`);
  let summary: ImportSummary;
  try {
    ({ summary } = await importSnapshot(deps, { ...hrExport, now: new Date().toISOString() }, {
      onProgress: (delivered, total) => {
        done = delivered;
        if (delivered === 0) plannedAt = performance.now();
        if (delivered === total) deliveredAt = performance.now();
      },
    }));
  } finally {
    stopReporting();
  }
  if (summary.held) throw new Error(`the import was held: ${summary.held.reason}`);
  const planMs = (plannedAt ?? performance.now()) - startedAt;
  let settleMs: number | undefined;
  if (changes.length > 0) {
    await settled(stack.oktaEmulator!.store, changes);
    settleMs = performance.now() - startedAt;
  }
  const after = await rateLimitUsage(stack, token);
  return {
    label,
    rows: hrExport.records.length,
    summary,
    readMs,
    planMs,
    deliverMs: deliveredAt === undefined || plannedAt === undefined ? undefined : deliveredAt - plannedAt,
    settleMs,
    oktaCalls: callsBetween(before, after),
  };
}

/** Identities of unchanged rows that got an event anyway; a sample is queried, as asking all of them would take long. */
async function signalledUnchanged(client: Client, rows: number): Promise<number> {
  const sample = Array.from({ length: Math.min(200, rows) }, (_, at) => Math.floor((at * rows) / Math.min(200, rows))).filter((index) => !changed(index));
  const statuses = await Promise.all(sample.map((index) => client.workflow.getHandle(identityWorkflowId(HR_SOURCE, keyOf(index))).query(statusQuery)));
  return statuses.filter((status) => status.lastEventId !== 'bench-baseline').length;
}

function rowCount(): number {
  const raw = process.env.TENURE_BENCH_IMPORT_ROWS;
  if (raw === undefined || raw === '') return DEFAULT_ROWS;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < CHANGED_EVERY) throw new Error(`TENURE_BENCH_IMPORT_ROWS must be a whole number of at least ${CHANGED_EVERY}, got "${raw}"`);
  return count;
}

export async function run(): Promise<void> {
  const rows = rowCount();
  const { config, stack } = await startBenchStack(
    'HR import',
    { policiesDir: POLICIES_DIR, templatesDir: TEMPLATES_DIR },
    // The import's own cost is measured, not Okta's quotas: the fast setting keeps pacing out of it.
    { oktaEmulator: { rateLimits: FAST_RATE_LIMITS } },
  );
  try {
    process.stderr.write(`HR import: laying down ${figure(rows)} known identities (seeded Okta users, identity workflows started with their state)…\n`);
    const baseline = await layBaseline(stack, rows, stack.policySet.hash);
    const deps = { client: stack.client, taskQueue: stack.taskQueue, policySet: stack.policySet, guard: config.guard, admins: config.adminEmail };

    const unchangedFile = path.join(config.dataDir, 'unchanged.csv');
    await writeFile(unchangedFile, exportCsv(rows, departmentOf));
    const changedFile = path.join(config.dataDir, 'changed.csv');
    await writeFile(changedFile, exportCsv(rows, (index) => (changed(index) ? movedDepartmentOf(index) : departmentOf(index))));
    const changes = Array.from({ length: rows }, (_, index) => index).filter(changed);

    process.stderr.write('HR import: the export Tenure holds already…\n');
    const still = await runImport(stack, deps, config.oktaEmulatorToken, 'unchanged export', unchangedFile, []);
    process.stderr.write(`HR import: the export with ${figure(changes.length)} rows changed…\n`);
    const moves = await runImport(stack, deps, config.oktaEmulatorToken, `${100 / CHANGED_EVERY}% changed`, changedFile, changes);
    const strays = await signalledUnchanged(stack.client, rows);

    console.log(
      `\nHR import: an export of ${figure(rows)} rows (test/fixtures/chaos/policies), against as many identities Tenure knows. ` +
        `The baseline is not made by real joiners: the emulator was seeded with the users (${seconds(baseline.seedMs)} s) and the identity workflows ` +
        `started with their state carried in (${seconds(baseline.startMs)} s to start, ${seconds(baseline.visibleMs)} s more until visibility showed them all active). ` +
        `Okta calls are the emulator's rate-limit counts before and after, its limits 100 times Okta's; plan includes listing the known identities and the guard's pre-check; ` +
        `settle runs until Okta holds every change.\n`,
    );
    const cell = (ms: number | undefined) => (ms === undefined ? '–' : seconds(ms));
    printTable(
      ['export', 'rows', 'changes', 'unchanged', 'read s', 'plan s', 'deliver s', 'settle s', 'Okta calls', 'calls/change'],
      [still, moves].map((result) => {
        const count = result.summary.delivered;
        return [
          result.label,
          figure(result.rows),
          figure(count),
          figure(result.summary.unchanged),
          cell(result.readMs),
          cell(result.planMs),
          cell(result.deliverMs),
          cell(result.settleMs),
          figure(result.oktaCalls),
          count === 0 ? '–' : (result.oktaCalls / count).toLocaleString('en-US', { maximumFractionDigits: 2 }),
        ];
      }),
    );
    console.log(
      `\nOkta calls for the ${figure(still.rows)} rows of the unchanged export: ${figure(still.oktaCalls)}. ` +
        `Unchanged identities of the changed export that received an event (a sample of ${Math.min(200, rows)} queried): ${strays}.\n`,
    );
  } finally {
    await stack.stop();
  }
}
