import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { createDecisionActivities, oktaGroupsReader } from '../activities/decisions.ts';
import { notifyActivities, templateRenderer } from '../activities/notify.ts';
import { deliveryActivities } from '../activities/source-delivery.ts';
import { withTemporalClient } from '../src/cli/identity-handle.ts';
import { signDecision } from '../src/decisions/proof.ts';
import { decisionKeysFrom } from '../src/decisions/keys.ts';
import { createMailer } from '../src/notify/mailer.ts';
import { tenureDataConverter } from '../src/payload-encryption/data-converter.ts';
import { HELD_PART_SIZE } from '../src/guard/held-batch.ts';
import { loadPolicySet } from '../src/policy/loader.ts';
import { loadConfig, projectRoot } from '../src/runtime/config.ts';
import { startWorker } from '../src/runtime/worker.ts';
import { HR_SOURCE } from '../src/sources/hr-events.ts';
import { loadHrExport } from '../src/sources/hr-export.ts';
import type { KnownIdentity } from '../src/sources/known-identities.ts';
import { importSnapshot, type ImportSummary } from '../src/sources/snapshot-import.ts';
import { approveUpdate, heldPartWorkflowId, type heldBatch, type HeldBatchResult } from '../workflows/definitions.ts';
import { printTable } from './report.ts';
import { startBenchStack } from './stack.ts';

/**
 * A held import end to end (issue 15, point 4): an export of TENURE_BENCH_ROWS rows (default
 * 1,000,000) from which 60% of the previous export is missing is imported, held by the
 * mass-change guard in part workflows, approved with a signed decision, and delivered. Prints how
 * long each phase takes, the peak memory of the importing process and of the worker, and the
 * largest history Temporal holds for the batch.
 *
 * TENURE_BENCH_DELIVERY_MINUTES stops watching delivery after that long and extrapolates from its
 * rate: delivering 600,000 changes takes hours on a busy 2-core machine.
 *
 * Two shortcuts keep it within an hour on a small machine, and both are said in the output:
 * - What Tenure knows is the previous export, handed to the import (`known`) instead of read from
 *   a million identity workflows' memos in Temporal's visibility, which would take some ten hours
 *   to lay down here. Reading the exports, planning, the guard, holding and delivering are real.
 * - The held batch and its parts run on a worker of their own whose deliveries go to a task queue
 *   no worker polls: delivery is the signalWithStart that hands each change to its identity
 *   workflow, as in production, but the identity workflows' own work (Okta) is not run or timed.
 */

const DEFAULT_ROWS = 1_000_000;
/** Of the previous export, this share is missing from the new one: each missing row is a leaver. */
const MISSING_SHARE = 0.6;
const POLICY = path.join(projectRoot, 'test/fixtures/chaos/policies/chaos.yaml');
const TEMPLATES = [path.join(projectRoot, 'test/fixtures/chaos/templates/welcome.yaml'), path.join(projectRoot, 'templates/mass-change-held.yaml')];
const DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'People'];
const COLUMNS = ['employee_id', 'first_name', 'last_name', 'department', 'title', 'manager_email', 'status'];
const APPROVER = 'bench-approver@example.com';
const PROGRESS_EVERY_MS = 10_000;
/** The importing process: this file run with these arguments. */
const CHILD_FLAG = '--held-import-child';

const keyOf = (index: number) => `H${String(index).padStart(7, '0')}`;
const seconds = (ms: number) => (ms / 1000).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const figure = (value: number) => value.toLocaleString('en-US');
const megabytes = (bytes: number) => `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;

/** An export of the rows `keep` keeps, written a block at a time: a million rows are never one string. */
async function writeExport(file: string, rows: number, keep: (index: number) => boolean): Promise<void> {
  const out = createWriteStream(file);
  // events.once rejects on an error and removes its listeners, so that a million rows leave none behind.
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${COLUMNS.join(',')}\n`);
  let block: string[] = [];
  for (let index = 0; index < rows; index++) {
    if (keep(index)) {
      const department = DEPARTMENTS[index % DEPARTMENTS.length];
      block.push(`${keyOf(index)},Held,Person${index},${department},Analyst,manager${index % 20}@example.com,active`);
    }
    if (block.length === 10_000 || index === rows - 1) {
      await write(`${block.join('\n')}\n`);
      block = [];
    }
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

interface ChildResult {
  summary: ImportSummary;
  readMs: number;
  /** Planning and the guard's check, until the held batch is started. */
  planMs: number;
  holdMs: number;
  maxRssBytes: number;
}

/**
 * The importing process: reads the previous export as what Tenure knows, then imports the new one
 * as `tenure hr import` does (src/sources/snapshot-import.ts), and prints its figures as JSON.
 */
async function importInChild(previousFile: string, currentFile: string, taskQueue: string): Promise<void> {
  const config = loadConfig();
  const policySet = await loadPolicySet(config.policiesDir, config.templatesDir);
  let startedAt = performance.now();
  const previous = await loadHrExport(policySet, previousFile, { source: HR_SOURCE, columnsFile: undefined });
  const known = new Map<string, KnownIdentity>(previous.records.map((record) => [String(record.employee_id), { record }]));
  const current = await loadHrExport(policySet, currentFile, { source: HR_SOURCE, columnsFile: undefined });
  const readMs = performance.now() - startedAt;
  startedAt = performance.now();
  let heldFrom: number | undefined;
  const { summary } = await withTemporalClient(undefined, (client) =>
    importSnapshot(
      { client, taskQueue, policySet, guard: config.guard, admins: config.adminEmail, known },
      { ...current, now: new Date().toISOString() },
      { onHeld: (done) => void (done === 0 && (heldFrom ??= performance.now())) },
    ),
  );
  const heldAt = performance.now();
  const result: ChildResult = {
    summary,
    readMs,
    planMs: (heldFrom ?? heldAt) - startedAt,
    holdMs: heldAt - (heldFrom ?? heldAt),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** TENURE_BENCH_DELIVERY_MINUTES: how long to watch delivery before stopping and extrapolating; unset, until it is done. */
function deliveryLimitMs(): number | undefined {
  const raw = process.env.TENURE_BENCH_DELIVERY_MINUTES;
  if (raw === undefined || raw === '') return undefined;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`TENURE_BENCH_DELIVERY_MINUTES must be a number of minutes above 0, got "${raw}"`);
  return minutes * 60_000;
}

function rowCount(): number {
  const raw = process.env.TENURE_BENCH_ROWS;
  if (raw === undefined || raw === '') return DEFAULT_ROWS;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 100) throw new Error(`TENURE_BENCH_ROWS must be a whole number of at least 100, got "${raw}"`);
  return count;
}

/** Says every few seconds how far a long phase is. */
function reporting(label: string, count: () => Promise<string> | string): () => void {
  const startedAt = performance.now();
  const timer = setInterval(async () => process.stderr.write(`  ${label}: ${await count()} after ${seconds(performance.now() - startedAt)} s\n`), PROGRESS_EVERY_MS);
  return () => clearInterval(timer);
}

export async function run(): Promise<void> {
  const rows = rowCount();
  const { config, stack } = await startBenchStack('Held import', {});
  const benchQueue = `${stack.taskQueue}-held-bench`;
  const unpolledQueue = `${stack.taskQueue}-unpolled`;
  try {
    const policiesDir = path.join(config.dataDir, 'held-bench-policies');
    const templatesDir = path.join(config.dataDir, 'held-bench-templates');
    await mkdir(policiesDir, { recursive: true });
    await mkdir(templatesDir, { recursive: true });
    await copyFile(POLICY, path.join(policiesDir, path.basename(POLICY)));
    await Promise.all(TEMPLATES.map((file) => copyFile(file, path.join(templatesDir, path.basename(file)))));
    const policySet = await loadPolicySet(policiesDir, templatesDir);

    // The held batch and its parts, on a worker whose deliveries go to a queue no worker polls.
    const mailer = createMailer(stack.mailCatcher!.smtpUrl, config.mailFrom);
    const keys = decisionKeysFrom(process.env, config.dataDir, config.okta === undefined);
    const worker = await startWorker({
      address: stack.temporalAddress,
      namespace: config.temporalNamespace,
      dataConverter: tenureDataConverter(config.encryptionKeys),
      taskQueue: benchQueue,
      logLevel: 'ERROR',
      tls: null,
      activities: {
        ...deliveryActivities({ client: stack.client, taskQueue: unpolledQueue, config }),
        ...notifyActivities(templateRenderer(policySet.templates), mailer),
        ...createDecisionActivities({ verifying: keys.verifying, groupsOf: oktaGroupsReader(stack.okta!), guardApprovers: config.guardApprovers }),
      },
    });
    try {
      const previousFile = path.join(config.dataDir, 'previous.csv');
      const currentFile = path.join(config.dataDir, 'current.csv');
      process.stderr.write(`Held import: writing the previous export (${figure(rows)} rows) and the new one without ${MISSING_SHARE * 100}% of them…\n`);
      await writeExport(previousFile, rows, () => true);
      // Every row whose index ends in 0–5 of ten is missing: 60%, spread through the file.
      await writeExport(currentFile, rows, (index) => index % 10 >= MISSING_SHARE * 10);

      process.stderr.write('Held import: importing (a process of its own), held by the guard…\n');
      const startedAt = performance.now();
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG, previousFile, currentFile, benchQueue], {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: stack.temporalAddress,
          TEMPORAL_NAMESPACE: config.temporalNamespace,
          TENURE_POLICIES_DIR: policiesDir,
          TENURE_TEMPLATES_DIR: templatesDir,
          TENURE_ADMIN_EMAIL: config.adminEmail,
        },
        maxBuffer: 16 * 1024 * 1024,
      });
      const imported = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
      const importMs = performance.now() - startedAt;
      const held = imported.summary.held;
      if (!held) throw new Error(`the import was not held: ${JSON.stringify(imported.summary)}`);
      const changes = imported.summary.leavers + imported.summary.joiners + imported.summary.movers + imported.summary.rehires + imported.summary.updates;

      const handle = stack.client.workflow.getHandle<typeof heldBatch>(held.workflowId);
      let approveMs = performance.now();
      const proof = await signDecision(keys.signing!, { workflowId: held.workflowId, approval: held.workflowId, decision: 'approved', by: APPROVER });
      await handle.executeUpdate(approveUpdate, { args: [{ by: APPROVER, proof }] });
      approveMs = performance.now() - approveMs;

      const parts = Math.ceil(changes / HELD_PART_SIZE);
      // Each change is one identity's: the identity workflows started on the unpolled queue are the changes delivered.
      const deliveredSoFar = async () => (await stack.client.workflow.count(`TaskQueue = '${unpolledQueue}'`)).count;
      let deliverMs = performance.now();
      const stopReporting = reporting('changes delivered', async () => `${figure(await deliveredSoFar())} of ${figure(changes)}`);
      const limitMs = deliveryLimitMs();
      let result: HeldBatchResult | undefined;
      const stopWaiting = new AbortController();
      try {
        result = await Promise.race([
          handle.result() as Promise<HeldBatchResult>,
          ...(limitMs === undefined ? [] : [delay(limitMs, undefined, { signal: stopWaiting.signal })]),
        ]);
      } finally {
        stopWaiting.abort();
        stopReporting();
      }
      deliverMs = performance.now() - deliverMs;
      const delivered = result?.delivered ?? (await deliveredSoFar());
      const histories = await historySizes(stack.client, held.workflowId, parts);
      // Stopped early, the batch still delivers, and its worker would wait for it before shutting down.
      if (!result) await terminateBatch(stack.client, held.workflowId, parts);
      const deliverNote = result
        ? `${figure(delivered)} changes handed to identity workflows`
        : `stopped at TENURE_BENCH_DELIVERY_MINUTES: about ${figure(delivered)} of ${figure(changes)} delivered, ` +
          `${figure(Math.round(delivered / (deliverMs / 1000)))}/s; all would take about ${seconds(changes / (delivered / deliverMs))} s`;

      console.log(
        `\nHeld import: ${figure(rows)} rows in the previous export, ${figure(imported.summary.unchanged)} of them in the new one unchanged, ` +
          `${figure(imported.summary.leavers)} missing (leavers), policy test/fixtures/chaos/policies. What Tenure knew was the previous export, handed to ` +
          `the import rather than read from identity workflows in Temporal's visibility (laying down ${figure(rows)} of those would take hours here). ` +
          `The held batch and its parts ran on a worker of their own; each change was delivered (signalWithStart) to an identity workflow on a task ` +
          `queue no worker polls, so "deliver" is the hand-over to Temporal, not the identity workflows' Okta work.\n`,
      );
      printTable(
        ['phase', 'seconds', 'note'],
        [
          ['read both exports', seconds(imported.readMs), 'in the importing process'],
          ['plan + guard', seconds(imported.planMs), `${figure(imported.summary.deprovisions)} deprovisionings: ${held.reason}`],
          ['hold', seconds(imported.holdMs), `${figure(parts)} part workflows started`],
          ['importing process, in all', seconds(importMs), 'including its start (tsx, policies)'],
          ['approve', seconds(approveMs), 'the signed update, answered'],
          ['deliver', seconds(deliverMs), deliverNote],
        ],
      );
      console.log('');
      printTable(
        ['measure', 'value'],
        [
          ['peak RSS, importing process', megabytes(imported.maxRssBytes)],
          ['peak RSS, worker process (with the idle Tenure stack: emulator, mail catcher, intake, worker)', megabytes(process.resourceUsage().maxRSS * 1024)],
          ['history of the held workflow', `${megabytes(histories.held)} (${figure(histories.held)} bytes)`],
          [`largest part's history (${histories.largestPart})`, `${megabytes(histories.largest)} (${figure(histories.largest)} bytes)`],
        ],
      );
      console.log('');
    } finally {
      await worker.stop();
      mailer.close();
    }
  } finally {
    await stack.stop();
  }
}

/**
 * The held workflow's history and the largest of its parts', serialized as Temporal returns
 * them: every part's size from its description, then the largest fetched and measured.
 */
async function historySizes(client: Client, held: string, parts: number) {
  const serialized = async (workflowId: string) => {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return proto.temporal.api.history.v1.History.encode(history).finish().length;
  };
  let largestPart = heldPartWorkflowId(held, 0);
  let largestReported = -1;
  for (let index = 0; index < parts; index++) {
    const workflowId = heldPartWorkflowId(held, index);
    const size = Number((await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.historySizeBytes ?? 0);
    if (size > largestReported) [largestPart, largestReported] = [workflowId, size];
  }
  return { held: await serialized(held), largest: await serialized(largestPart), largestPart };
}

/** Ends a batch that is still delivering, and its parts; a part that has finished is left as it is. */
async function terminateBatch(client: Client, held: string, parts: number): Promise<void> {
  const terminate = (workflowId: string) =>
    client.workflow
      .getHandle(workflowId)
      .terminate('the benchmark stopped watching delivery')
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      });
  await terminate(held);
  for (let index = 0; index < parts; index++) await terminate(heldPartWorkflowId(held, index));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === CHILD_FLAG) {
  const [previousFile, currentFile, taskQueue] = process.argv.slice(3);
  await importInChild(previousFile!, currentFile!, taskQueue!);
}
