import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdBatch } from '../../src/guard/held-batch.ts';
import type { ChangeEvent } from '../../src/identity/change-event.ts';
import type { IdentityRecord } from '../../src/policy/schema.ts';
import { projectRoot } from '../../src/runtime/config.ts';
import type { TenureStack } from '../../src/runtime/stack.ts';
import { listKnownIdentities } from '../../src/sources/known-identities.ts';
import { importSnapshot, type ImportSummary } from '../../src/sources/snapshot-import.ts';
import {
  heldBatchWorkflowId,
  heldChunksQuery,
  heldEventsSignal,
  heldPartWorkflowId,
  statusQuery,
  type ApprovalAnswer,
  type heldBatch,
  type HeldBatchInput,
  type HeldBatchPartResult,
  type HeldBatchResult,
  type IdentityStatus,
} from '../../workflows/definitions.ts';
import { saveHistoryIfRecording } from '../helpers/histories.ts';
import { createOktaUserStep, hrPolicy, policyFixture } from '../helpers/policy-fixture.ts';
import { decideAsOperator, OPERATOR_LOGIN, signInOperator, type SignedInOperator } from '../helpers/operator.ts';
import { eventually, startTestStack } from '../helpers/stack.ts';

/*
 * Held imports too large for one workflow's history, with the real dev server and worker: the
 * held batch keeps counts and part ids, its changes wait in part workflows, and approving it
 * delivers each change once, rejecting it none; a holder that died mid-way is completed by
 * importing again. Batches held by older Tenure (every change in the batch's own history) still
 * decide as they did.
 */
const ADMINS = 'identity-admins@example.com';
let stack: TenureStack;
let operator: SignedInOperator | undefined;

/** Contractors join without a step (no joiner workflow matches them), so thousands cost little; FTEs get an Okta user. */
const policy = hrPolicy({ name: 'employees', attributes: '[employee_id, first_name, last_name, department, employment_type, status]', moverAttributes: '[department]', workflows: `
  - name: joiner
    on: joiner
    when: employment_type eq "FTE"
    actions:
${createOktaUserStep}  - name: leaver
    on: leaver
    when: old.employment_type eq "FTE"
    actions:
      - action: DEPROVISION_IDENTITY
` });

beforeAll(async () => {
  const dirs = await policyFixture({
    policies: { 'employees.yaml': policy },
    templates: { 'mass-change-held.yaml': await readFile(path.join(projectRoot, 'templates/mass-change-held.yaml'), 'utf8') },
  });
  // Two deprovisionings an hour: the third is a mass change.
  stack = await startTestStack({ ...dirs, adminEmail: ADMINS, guard: { maxCount: 2, maxShare: 1, windowMs: 3_600_000 } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Record values no held batch's own history may carry: its parts hold them. */
const FIRST_NAME = 'Zephyrine';
const DEPARTMENT = 'Xylography';
const contractor = (key: string): IdentityRecord => ({ employee_id: key, first_name: FIRST_NAME, last_name: `Quill${key}`, department: DEPARTMENT, employment_type: 'contractor', status: 'active' });
const fte = (key: string): IdentityRecord => ({ employee_id: key, first_name: 'Fen', last_name: `Tee${key}`, department: 'Finance', employment_type: 'FTE', status: 'active' });
const keys = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(5, '0')}`);

const statusOf = (key: string): Promise<IdentityStatus> => stack.client.workflow.getHandle(`identity/hr/${key}`).query(statusQuery);

/** Decides a held batch as an administrator does: signed in, through the intake, which signs the decision. */
async function decide(decision: 'approve' | 'reject', workflowId: string): Promise<ApprovalAnswer> {
  operator ??= await signInOperator(stack);
  return (await decideAsOperator(stack, operator, decision, { workflowId })) as unknown as ApprovalAnswer;
}

async function importHr(batchId: string, records: IdentityRecord[], options: { heldPartSize?: number; onHeld?: (done: number, total: number) => void } = {}): Promise<ImportSummary> {
  const deps = { client: stack.client, taskQueue: stack.taskQueue, policySet: stack.policySet, guard: { maxCount: 2, maxShare: 1, windowMs: 3_600_000 }, admins: ADMINS, heldPartSize: options.heldPartSize };
  return (await importSnapshot(deps, { source: 'hr', records, batchId, now: new Date().toISOString() }, { onHeld: options.onHeld })).summary;
}

/** Imports FTEs Tenure did not know (joiners, nothing held) and waits until the next import compares with them. */
async function joined(batchId: string, records: IdentityRecord[], ftes: string[]): Promise<void> {
  const summary = await importHr(batchId, [...records, ...ftes.map(fte)]);
  expect(summary.held).toBeUndefined();
  await eventually(async () => {
    const known = await listKnownIdentities(stack.client, 'hr');
    for (const key of ftes) expect(known.get(key)?.record).toMatchObject({ employment_type: 'FTE' });
  });
}

/** A workflow's history as Temporal stores it: its size in bytes, from Temporal, and its encoded payloads, searchable. */
async function historyOf(workflowId: string): Promise<{ bytes: number; raw: Buffer }> {
  const handle = stack.client.workflow.getHandle(workflowId);
  const { raw } = await handle.describe();
  const history = await handle.fetchHistory();
  return { bytes: Number(raw.workflowExecutionInfo?.historySizeBytes), raw: Buffer.from(temporal.api.history.v1.History.encode(history).finish()) };
}

const partResults = (batch: string, parts: number) =>
  Promise.all(Array.from({ length: parts }, (_, index) => stack.client.workflow.getHandle(heldPartWorkflowId(batch, index)).result() as Promise<HeldBatchPartResult>));

describe('a held import larger than a part', { timeout: 400_000 }, () => {
  const PART = 100;
  const CONTRACTORS = keys('C', 1_000);

  it('keeps its changes in parts, its own history small and free of record values; approved, it delivers every change once', async () => {
    await joined('parts-known', [], ['F1', 'F2', 'F3']);
    // The FTEs are missing from this export: three leavers beyond a limit of two hold it all.
    const summary = await importHr('parts-1', CONTRACTORS.map(contractor), { heldPartSize: PART });
    const workflowId = heldBatchWorkflowId('hr', 'parts-1');
    expect(summary).toMatchObject({ joiners: 1_000, leavers: 3, deprovisions: 3, delivered: 0, held: { workflowId } });
    const parts = Math.ceil(1_003 / PART);
    expect((await stack.client.workflow.getHandle(workflowId).query(heldChunksQuery)).sort((a, b) => a - b)).toEqual(Array.from({ length: parts }, (_, index) => index));

    const batch = await historyOf(workflowId);
    const part = await historyOf(heldPartWorkflowId(workflowId, 0));
    // The part holds the records, in plain text in this test's history; the batch none of them.
    expect(part.raw.includes(DEPARTMENT)).toBe(true);
    expect(batch.raw.includes(DEPARTMENT)).toBe(false);
    expect(batch.raw.includes(FIRST_NAME)).toBe(false);
    // 1,003 records in one history would be some 200 KB; the batch keeps counts and part ids.
    expect(batch.bytes).toBeLessThan(16 * 1024);
    expect(batch.bytes * 4).toBeLessThan(part.bytes);

    expect(await decide('approve', workflowId)).toMatchObject({ decision: 'approved' });
    expect((await stack.client.workflow.getHandle(workflowId).result()) as HeldBatchResult).toEqual({ decision: 'approved', by: OPERATOR_LOGIN, delivered: 1_003 });
    const delivered = await partResults(workflowId, parts);
    expect(delivered.map((result) => result.delivered)).toEqual([...Array<number>(parts - 1).fill(PART), 1_003 - (parts - 1) * PART]);
    await saveHistoryIfRecording(stack.client.workflow.getHandle(workflowId), 'held-batch-parts-approved');
    await saveHistoryIfRecording(stack.client.workflow.getHandle(heldPartWorkflowId(workflowId, 0)), 'held-batch-part-approved');
    await eventually(
      async () => {
        const known = await listKnownIdentities(stack.client, 'hr');
        for (const key of CONTRACTORS) expect(known.get(key)?.record, key).toEqual(contractor(key));
        for (const key of ['F1', 'F2', 'F3']) expect(known.get(key)?.record).toBeNull();
      },
      { within: 240_000, every: 2_000 },
    );
    // Delivered once: a contractor's joiner is all its workflow applied; an FTE's joiner, then its leaver.
    for (const key of [CONTRACTORS[0]!, CONTRACTORS[500]!, CONTRACTORS[999]!]) expect((await statusOf(key)).applied).toBe(1);
    expect((await statusOf('F1')).applied).toBe(2);
  });

  it('rejected, delivers none of it and leaves no part waiting', async () => {
    const rows = keys('R', 300);
    const events: ChangeEvent[] = rows.map((key) => ({ source: 'hr', key, eventId: `parts-2-${key}`, record: contractor(key), receivedAt: new Date().toISOString() }));
    const workflowId = await holdBatch(
      stack.client,
      stack.taskQueue,
      { source: 'hr', batchId: 'parts-2', reason: '3 deprovisionings exceed the limit of 2', summary: { joiners: 300 }, events, deprovisioning: ['X1', 'X2', 'X3'], admins: ADMINS },
      { partSize: 50 },
    );
    await eventually(async () => expect(await stack.client.workflow.getHandle(workflowId).query(heldChunksQuery)).toHaveLength(6));
    expect(await decide('reject', workflowId)).toMatchObject({ decision: 'rejected' });
    expect((await stack.client.workflow.getHandle(workflowId).result()) as HeldBatchResult).toEqual({ decision: 'rejected', by: OPERATOR_LOGIN, delivered: 0 });
    expect(await partResults(workflowId, 6)).toEqual(Array<HeldBatchPartResult>(6).fill({ decision: 'rejected', delivered: 0 }));
    for (const key of [rows[0]!, rows[150]!, rows[299]!]) await expect(statusOf(key)).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('whose holder died mid-way cannot be approved until the import runs again, which completes it, each change once', async () => {
    const others = keys('K', 500);
    await joined('parts-known-2', CONTRACTORS.map(contractor), ['G1', 'G2', 'G3']);
    const records = [...CONTRACTORS, ...others].map(contractor);
    const dying = () => {
      throw new Error('the holder died');
    };
    // The holder dies once its first parts are started and announced.
    await expect(importHr('parts-3', records, { heldPartSize: 50, onHeld: (done) => done > 0 && dying() })).rejects.toThrow('the holder died');
    const workflowId = heldBatchWorkflowId('hr', 'parts-3');
    const parts = Math.ceil(503 / 50);
    await expect(decide('approve', workflowId)).rejects.toThrow(`is still receiving its changes (8 of ${parts} parts)`);

    const again = await importHr('parts-3', records, { heldPartSize: 50 });
    expect(again).toMatchObject({ joiners: 500, leavers: 3, held: { workflowId } });
    expect(await decide('approve', workflowId)).toMatchObject({ decision: 'approved' });
    expect((await stack.client.workflow.getHandle(workflowId).result()) as HeldBatchResult).toEqual({ decision: 'approved', by: OPERATOR_LOGIN, delivered: 503 });
    expect((await partResults(workflowId, parts)).reduce((sum, result) => sum + result.delivered, 0)).toBe(503);
    await eventually(
      async () => {
        const known = await listKnownIdentities(stack.client, 'hr');
        for (const key of others) expect(known.get(key)?.record, key).toEqual(contractor(key));
      },
      { within: 240_000, every: 2_000 },
    );
  });
});

describe('a held batch started by older Tenure, its changes in its input and signals', { timeout: 120_000 }, () => {
  it('is approved and applied as before', async () => {
    const batchId = 'older-1';
    const workflowId = heldBatchWorkflowId('hr', batchId);
    const events: ChangeEvent[] = ['O1', 'O2', 'O3'].map((key) => ({ source: 'hr', key, eventId: `${batchId}-${key}`, record: contractor(key), receivedAt: new Date().toISOString() }));
    const input: HeldBatchInput = {
      source: 'hr',
      batchId,
      reason: '3 deprovisionings exceed the limit of 2',
      summary: { joiners: 3, unchanged: 0 },
      chunks: 3,
      events: events.slice(0, 1),
      deprovisioningSample: [],
      deprovisioningCount: 3,
      admins: ADMINS,
    };
    const handle = await stack.client.workflow.start<typeof heldBatch>('heldBatch', { workflowId, taskQueue: stack.taskQueue, args: [input] });
    for (const index of [1, 2]) await handle.signal(heldEventsSignal, { index, events: [events[index]!] });
    await eventually(async () => expect(await decide('approve', workflowId)).toMatchObject({ decision: 'approved', action: 'the held hr import older-1' }));
    expect((await handle.result()) as HeldBatchResult).toEqual({ decision: 'approved', by: OPERATOR_LOGIN, delivered: 3 });
    await eventually(async () => {
      for (const key of ['O1', 'O2', 'O3']) expect((await statusOf(key)).applied).toBe(1);
    });
    await saveHistoryIfRecording(handle, 'held-batch-events-approved');
  });
});
