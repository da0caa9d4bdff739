import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Client } from '@temporalio/client';
import { ENDPOINT_FAMILIES, type EndpointFamily } from '../src/emulator/okta/endpoint-families.ts';
import type { RateLimitUsage } from '../src/emulator/okta/rate-limits.ts';
import type { OktaStore } from '../src/emulator/okta/store.ts';
import { identityWorkflowId } from '../src/identity/change-event.ts';
import { ensureGroups } from '../src/okta/groups.ts';
import { projectRoot } from '../src/runtime/config.ts';
import type { TenureStack } from '../src/runtime/stack.ts';
import { startWorker } from '../src/runtime/worker.ts';
import { HR_SIGNATURE_HEADER, signHrBody } from '../src/sources/hr-signature.ts';
import { statusQuery } from '../workflows/definitions.ts';
import { goSignal, noopWorkflow } from './noop-workflow.ts';
import { inParallel } from './in-parallel.ts';
import { percentile, printTable } from './report.ts';
import { startBenchStack } from './stack.ts';
import { startScimAppsPair, type ScimAppsPair } from '../test/helpers/scim-apps-pair.ts';

/**
 * Joiners from the HR intake to Okta through the whole of Tenure, against an emulator held to 600
 * requests a minute per endpoint family: how many joiners a minute, and how long each one takes
 * from the intake's 202 until Okta holds the user as the policy asks. Beside them, as many bare
 * Temporal workflows running as many no-op activities as a joiner does, on the same dev server:
 * what Temporal alone costs. TENURE_BENCH_JOINERS sets the number of joiners.
 *
 * The policy is the chaos test's, not the example: a fixed workload keeps figures comparable as
 * the example grows. Its joiner is created, added to two groups and welcomed by one email. A
 * second run, on a stack of its own, adds test/fixtures/chaos/apps: each joiner also gets an
 * account in two SCIM applications (PyPI's scim2-server and Tenure's own SCIM service provider),
 * and is done when all three hold it.
 */

const DEFAULT_JOINERS = 1_000;
const LIMIT_PER_WINDOW = 600;
const WINDOW_SECONDS = 60;
/** HR webhook requests in flight at once, one event each. */
const CONCURRENT_POSTS = 8;
const SECRET = 'bench-webhook-secret';
const POLICIES_DIR = path.join(projectRoot, 'test/fixtures/chaos/policies');
const TEMPLATES_DIR = path.join(projectRoot, 'test/fixtures/chaos/templates');
const DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'People'];
const GROUPS = ['staff', ...DEPARTMENTS.map((department) => `dept-${department.toLowerCase()}`)];
const PROGRESS_EVERY_MS = 5_000;
/** A run that finishes nothing for this long is broken, not slow: Temporal's retry backoff tops out at 5 minutes. */
const STALL_MS = 10 * 60_000;

interface Joiner {
  key: string;
  login: string;
  record: Record<string, string>;
}

function joiner(index: number): Joiner {
  const key = `B${String(index).padStart(5, '0')}`;
  const record = {
    employee_id: key,
    first_name: 'Bench',
    last_name: `Joiner${index}`,
    department: DEPARTMENTS[index % DEPARTMENTS.length]!,
    title: 'Analyst',
    manager_email: `manager${index % 20}@example.com`,
    status: 'active',
  };
  return { key, login: `bench.joiner${index}@example.com`, record };
}

const joinEventId = (joiner: Joiner) => `${joiner.key}-joins`;

/** Whether Okta holds the joiner as the policy asks: provisioned, with its profile and groups. */
function inOkta(store: OktaStore, { key, login, record }: Joiner): boolean {
  const user = store.findUser(login);
  if (user?.status !== 'PROVISIONED') return false;
  const profile = {
    login,
    email: login,
    firstName: record.first_name,
    lastName: record.last_name,
    department: record.department,
    title: record.title,
    employeeNumber: key,
  };
  if (!isDeepStrictEqual(user.profile, profile)) return false;
  const groups = store.groupsOf(user.id).map((group) => String(group.profile.name)).sort();
  return isDeepStrictEqual(groups, ['Everyone', `dept-${record.department!.toLowerCase()}`, 'staff']);
}

interface RunResult {
  label: string;
  count: number;
  /** From the first acceptance to the last completion. */
  seconds: number;
  latenciesMs: Float64Array;
}

/** Times each item from its acceptance to its completion, and tells stderr how far the run is. */
class Stopwatch {
  private readonly acceptedAt: Float64Array;
  private readonly latenciesMs: Float64Array;
  private completed = 0;
  private firstAcceptedAt = Number.POSITIVE_INFINITY;
  private lastCompletedAt = performance.now();
  private readonly finished: Promise<void>;
  private settle!: () => void;
  private abort!: (error: Error) => void;
  private readonly progress: NodeJS.Timeout;

  constructor(
    private readonly label: string,
    private readonly count: number,
  ) {
    this.acceptedAt = new Float64Array(count);
    this.latenciesMs = new Float64Array(count);
    this.finished = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.abort = reject;
    });
    // A failure before anyone awaits the result is reported when the result is awaited.
    this.finished.catch(() => {});
    const startedAt = performance.now();
    this.progress = setInterval(() => {
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);
      process.stderr.write(`  ${label}: ${this.completed.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} done after ${seconds} s\n`);
      if (performance.now() - this.lastCompletedAt > STALL_MS) this.failed(new Error(`${label}: nothing done for ${STALL_MS / 60_000} minutes`));
    }, PROGRESS_EVERY_MS);
  }

  accepted(index: number): void {
    const now = performance.now();
    this.acceptedAt[index] = now;
    this.firstAcceptedAt = Math.min(this.firstAcceptedAt, now);
  }

  done(index: number): void {
    this.lastCompletedAt = performance.now();
    this.latenciesMs[index] = this.lastCompletedAt - this.acceptedAt[index]!;
    this.completed += 1;
    if (this.completed === this.count) this.settle();
  }

  failed(error: Error): void {
    this.abort(error);
  }

  async result(): Promise<RunResult> {
    try {
      await this.finished;
    } finally {
      clearInterval(this.progress);
    }
    const seconds = (this.lastCompletedAt - this.firstAcceptedAt) / 1000;
    return { label: this.label, count: this.count, seconds, latenciesMs: this.latenciesMs };
  }
}


async function postEvent(stack: TenureStack, event: unknown): Promise<void> {
  const body = JSON.stringify(event);
  const response = await fetch(`${stack.intakeUrl}/hooks/hr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HR_SIGNATURE_HEADER]: signHrBody(body, SECRET) },
    body,
  });
  if (response.status !== 202) throw new Error(`the intake answered ${response.status}: ${await response.text()}`);
}

/** Accounts in the SCIM applications, read from each every so often: what they hold, by externalId. */
class AccountsWatch {
  private readonly active = { third: new Set<string>(), own: new Set<string>() };

  constructor(private readonly apps: ScimAppsPair) {}

  async read(): Promise<void> {
    for (const app of ['third', 'own'] as const) {
      const accounts = await this.apps.accounts(app);
      this.active[app] = new Set([...accounts].filter(([, held]) => held.length === 1 && held[0]!.active === true).map(([key]) => key));
    }
  }

  holds(joiner: Joiner): boolean {
    return this.active.third.has(joiner.key) && this.active.own.has(joiner.key);
  }
}

const ACCOUNTS_READ_EVERY_MS = 250;

/**
 * Posts each joiner's event to the intake and times it until the emulator's store holds the user
 * as expected (and, with `accounts`, both SCIM applications an active account). The store is
 * read directly, after each burst of changes, so that watching costs no API budget; the
 * applications are listed every quarter second.
 */
async function runJoiners(stack: TenureStack, label: string, joiners: readonly Joiner[], accounts?: AccountsWatch): Promise<RunResult> {
  const store = stack.oktaEmulator!.store;
  const stopwatch = new Stopwatch(label, joiners.length);
  const waiting = new Set<number>();
  const check = (index: number) => {
    if (!inOkta(store, joiners[index]!) || (accounts && !accounts.holds(joiners[index]!))) return;
    waiting.delete(index);
    stopwatch.done(index);
  };
  let reading = false;
  const poll =
    accounts &&
    setInterval(() => {
      if (reading) return;
      reading = true;
      accounts
        .read()
        .then(() => [...waiting].forEach(check))
        .catch((error: Error) => stopwatch.failed(error))
        .finally(() => (reading = false));
    }, ACCOUNTS_READ_EVERY_MS);
  let sweepQueued = false;
  const unsubscribe = store.onChange(() => {
    if (sweepQueued) return;
    sweepQueued = true;
    setImmediate(() => {
      sweepQueued = false;
      for (const index of waiting) check(index);
    });
  });
  try {
    await inParallel(joiners.length, CONCURRENT_POSTS, async (index) => {
      const joiner = joiners[index]!;
      await postEvent(stack, { eventId: joinEventId(joiner), record: joiner.record });
      stopwatch.accepted(index);
      waiting.add(index);
      check(index);
    }).catch((error: Error) => stopwatch.failed(error));
    return await stopwatch.result();
  } finally {
    unsubscribe();
    if (poll) clearInterval(poll);
  }
}

/** The baseline: bare workflows, signalled-with-start as the intake does, each running `activities` no-ops. */
async function runNoopWorkflows(client: Client, taskQueue: string, label: string, ids: readonly string[], activities: number): Promise<RunResult> {
  const stopwatch = new Stopwatch(label, ids.length);
  await inParallel(ids.length, CONCURRENT_POSTS, async (index) => {
    const handle = await client.workflow.signalWithStart(noopWorkflow, { workflowId: ids[index]!, taskQueue, args: [activities], signal: goSignal });
    stopwatch.accepted(index);
    handle.result().then(
      () => stopwatch.done(index),
      (error: Error) => stopwatch.failed(error),
    );
  }).catch((error: Error) => stopwatch.failed(error));
  return stopwatch.result();
}


/** The activities an identity workflow ran for an event, from its history, once it has handled it. */
async function activitiesFor(client: Client, workflowId: string, eventId: string): Promise<string[]> {
  const handle = client.workflow.getHandle(workflowId);
  // Okta is done before the welcome email is sent: the workflow may still be at work.
  while ((await handle.query(statusQuery)).lastEventId !== eventId) await sleep(100);
  const history = await handle.fetchHistory();
  return history.events!.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

async function rateLimitUsage(stack: TenureStack, token: string): Promise<RateLimitUsage> {
  const response = await fetch(`${stack.oktaUrl}/emulator/v1/rate-limits`, { headers: { authorization: `SSWS ${token}` } });
  if (!response.ok) throw new Error(`the emulator's rate-limit counts: ${response.status} ${await response.text()}`);
  return (await response.json()) as RateLimitUsage;
}

function figures(result: RunResult) {
  const sorted = result.latenciesMs.slice().sort();
  return {
    perMinute: (result.count / result.seconds) * 60,
    p50: percentile(sorted, 0.5) / 1000,
    p95: percentile(sorted, 0.95) / 1000,
  };
}

const decimal = (value: number, digits: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function printRuns(tenure: RunResult, withApps: RunResult, bare: RunResult): void {
  const t = figures(tenure);
  const b = figures(bare);
  const row = (result: RunResult) => {
    const f = figures(result);
    return [result.label, result.count.toLocaleString('en-US'), decimal(result.seconds, 1), decimal(f.perMinute / 60, 2), decimal(f.perMinute, 1), decimal(f.p50, 2), decimal(f.p95, 2)];
  };
  const ratio = (of: number, to: number) => `${decimal(of / to, 1)}×`;
  printTable(
    ['run', 'joiners', 'seconds', 'per second', 'per minute', 'p50 s', 'p95 s'],
    [row(tenure), row(withApps), row(bare), ['Tenure (Okta) / bare', '', ratio(tenure.seconds, bare.seconds), ratio(t.perMinute, b.perMinute), ratio(t.perMinute, b.perMinute), ratio(t.p50, b.p50), ratio(t.p95, b.p95)]],
  );
}

/**
 * The same joiners again on a stack whose policies add two SCIM applications, so that the cost of
 * the targets stands beside the Okta-only run's: the joiner is done when Okta and both
 * applications hold it.
 */
async function runWithApps(joiners: readonly Joiner[], limits: Record<string, number>): Promise<RunResult> {
  const apps = await startScimAppsPair();
  Object.assign(process.env, apps.env);
  const { stack } = await startBenchStack(
    'End to end, Okta and two SCIM applications',
    { hrWebhookSecret: SECRET, policiesDir: apps.policiesDir, templatesDir: TEMPLATES_DIR },
    { oktaEmulator: { rateLimits: { windowSeconds: WINDOW_SECONDS, limits } } },
  );
  try {
    await ensureGroups(stack.okta!, GROUPS.map((name) => ({ name })));
    const accounts = new AccountsWatch(apps);
    await runJoiners(stack, 'warm-up', [joiner(0)], accounts);
    process.stderr.write(`Tenure with two SCIM applications: ${joiners.length.toLocaleString('en-US')} joiners…\n`);
    return await runJoiners(stack, 'Tenure (Okta + 2 SCIM apps)', joiners, accounts);
  } finally {
    await stack.stop();
    await apps.stop();
  }
}

function printBudget(before: RateLimitUsage, after: RateLimitUsage, windows: number): void {
  const served = (family: EndpointFamily) => after.families[family].served - before.families[family].served;
  const refused = (family: EndpointFamily) => after.families[family].rateLimited - before.families[family].rateLimited;
  const rows = ENDPOINT_FAMILIES.filter((family) => served(family) > 0 || refused(family) > 0).map((family) => {
    const { limit } = after.families[family];
    return [family, limit.toLocaleString('en-US'), served(family).toLocaleString('en-US'), `${decimal((100 * served(family)) / (limit * windows), 1)}%`, refused(family).toLocaleString('en-US')];
  });
  const touched = `${windows} window${windows === 1 ? '' : 's'} of ${after.windowSeconds} s`;
  console.log(`\nRate-limit budget during the Tenure run, which touched ${touched}:\n`);
  printTable(['endpoint family', 'limit', 'served', 'budget used', '429s'], rows);
}

function joinerCount(): number {
  const raw = process.env.TENURE_BENCH_JOINERS;
  if (raw === undefined || raw === '') return DEFAULT_JOINERS;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) throw new Error(`TENURE_BENCH_JOINERS must be a whole number above 0, got "${raw}"`);
  return count;
}

export async function run(): Promise<void> {
  const count = joinerCount();
  const limits = Object.fromEntries(ENDPOINT_FAMILIES.map((family) => [family, LIMIT_PER_WINDOW]));
  const { config, stack } = await startBenchStack(
    'End to end',
    { hrWebhookSecret: SECRET, policiesDir: POLICIES_DIR, templatesDir: TEMPLATES_DIR },
    { oktaEmulator: { rateLimits: { windowSeconds: WINDOW_SECONDS, limits } } },
  );
  let noopWorker: { stop(): Promise<void> } | undefined;
  let stopped = false;
  try {
    await ensureGroups(stack.okta!, GROUPS.map((name) => ({ name })));
    // Unmeasured: the first joiner warms the worker up, and its history says how many activities a joiner runs.
    const warmUp = joiner(0);
    await runJoiners(stack, 'warm-up', [warmUp]);
    const activities = (await activitiesFor(stack.client, identityWorkflowId('hr', warmUp.key), joinEventId(warmUp))).length;

    process.stderr.write(`Tenure: ${count.toLocaleString('en-US')} joiners through the intake, ${activities} activities each…\n`);
    const joiners = Array.from({ length: count }, (_, index) => joiner(index + 1));
    const before = await rateLimitUsage(stack, config.oktaEmulatorToken);
    const startedMs = Date.now();
    const tenure = await runJoiners(stack, 'Tenure (Okta)', joiners);
    const endedMs = Date.now();
    const after = await rateLimitUsage(stack, config.oktaEmulatorToken);
    const windowMs = WINDOW_SECONDS * 1000;
    const windows = Math.floor(endedMs / windowMs) - Math.floor(startedMs / windowMs) + 1;

    const taskQueue = 'bench-noop';
    noopWorker = await startWorker({
      address: stack.temporalAddress,
      namespace: config.temporalNamespace,
      taskQueue,
      workflowsPath: path.join(projectRoot, 'bench/noop-workflow.ts'),
      activities: { noop: async () => {} },
      logLevel: config.logLevel,
    });
    await runNoopWorkflows(stack.client, taskQueue, 'warm-up', ['bench-noop/warm-up'], activities);
    process.stderr.write(`Bare Temporal: ${count.toLocaleString('en-US')} workflows of ${activities} no-op activities…\n`);
    const ids = Array.from({ length: count }, (_, index) => `bench-noop/${index + 1}`);
    const bare = await runNoopWorkflows(stack.client, taskQueue, 'bare Temporal', ids, activities);

    await noopWorker.stop();
    noopWorker = undefined;
    await stack.stop();
    stopped = true;
    const withApps = await runWithApps(joiners, limits);
    console.log(
      `\nEnd to end: ${count.toLocaleString('en-US')} joiners, each from the intake's 202 until Okta holds it as test/fixtures/chaos/policies asks, ` +
        `with the Okta emulator allowing ${LIMIT_PER_WINDOW} requests per ${WINDOW_SECONDS} s per endpoint family; ` +
        `then the same joiners on a second stack whose policies add test/fixtures/chaos/apps (an account in scim2-server and in Tenure's own SCIM service provider), ` +
        `done when all three hold the person; then as many bare Temporal workflows of ${activities} no-op activities (as many as an Okta-only joiner runs), ` +
        `signalled-with-start on the first stack's dev server.\n`,
    );
    printRuns(tenure, withApps, bare);
    printBudget(before, after, windows);
    console.log();
  } finally {
    await noopWorker?.stop();
    if (!stopped) await stack.stop();
  }
}
