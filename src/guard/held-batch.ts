import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import {
  heldBatchWorkflowId,
  heldChunksQuery,
  heldEventsSignal,
  heldPartDecisionSignal,
  heldPartsSignal,
  heldPartWorkflowId,
  SAMPLE_SIZE,
  WorkflowType,
  type heldBatch,
  type heldBatchPart,
  type HeldBatchInput,
} from '../../workflows/definitions.ts';
import type { ChangeEvent } from '../identity/change-event.ts';

/**
 * Changes per part workflow (or per signal, for a batch older Tenure started): far below
 * Temporal's 2 MB payload limit even with full records, and a part's history (its input, then
 * the same changes handed to delivery) stays near a megabyte, far below the 50 MB limit.
 */
export const HELD_PART_SIZE = 1_000;
/** Part workflows started at once, then announced to the batch in one signal. */
const PARTS_AT_ONCE = 8;
/** The memo that tells a batch held in parts from one older Tenure started with its changes. */
const HELD_IN_MEMO = 'heldIn';

export interface BatchToHold {
  source: string;
  batchId: string;
  reason: string;
  summary: Record<string, number>;
  events: ChangeEvent[];
  /** The keys whose changes deprovision: leavers absent from the export and those it marks as gone alike. */
  deprovisioning: string[];
  admins: string;
}

/** The running held batch of a source, if there is one. */
export async function heldBatchOf(client: Client, source: string): Promise<string | undefined> {
  const query = `WorkflowType = '${WorkflowType.heldBatch}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${heldBatchWorkflowId(source, '')}'`;
  for await (const execution of client.workflow.list({ query, pageSize: 1 })) return execution.workflowId;
  return undefined;
}

export interface HoldOptions {
  /** Changes per part workflow; small in tests, so that a few thousand changes make many parts. */
  partSize?: number;
  /** Hears how many changes are held so far, of all of them, after each group of parts. */
  onHeld?: (done: number, total: number) => void;
}

/**
 * Holds a whole batch until an administrator decides: the workflow `held/<source>/<batchId>`
 * keeps its counts and the first leavers, and its changes wait in part workflows
 * (`held/<source>/<batchId>/part/<n>`), so that no history comes near Temporal's limits
 * however large the import. While a source has a batch held, a later one (the next scheduled
 * pass, tomorrow's export) is not held beside it, nor applied: the first decision settles the
 * incident, and the source's next import after it is compared with what was then applied. The
 * same batch held again starts the parts it lacks, which completes a batch whose first holder
 * died mid-way. Returns the held workflow's id.
 */
export async function holdBatch(client: Client, taskQueue: string, batch: BatchToHold, options: HoldOptions | number = {}): Promise<string> {
  const { partSize = HELD_PART_SIZE, onHeld } = typeof options === 'number' ? { partSize: options } : options;
  if (!Number.isInteger(partSize) || partSize < 1) throw new Error(`a held batch's part size must be a whole number of changes above 0, not ${partSize}`);
  const workflowId = heldBatchWorkflowId(batch.source, batch.batchId);
  const waiting = await heldBatchOf(client, batch.source);
  if (waiting !== undefined && waiting !== workflowId) return waiting;
  const { events, deprovisioning, ...rest } = batch;
  const parts = Math.ceil(events.length / partSize);
  const started = await client.workflow
    .start<typeof heldBatch>(WorkflowType.heldBatch, {
      workflowId,
      taskQueue,
      args: [
        {
          ...rest,
          parts,
          changes: events.length,
          deprovisioningSample: deprovisioning.slice(0, SAMPLE_SIZE),
          deprovisioningCount: deprovisioning.length,
        } satisfies HeldBatchInput,
      ],
      memo: { [HELD_IN_MEMO]: 'parts' },
      staticSummary: `Held ${batch.source} import ${batch.batchId}: ${batch.reason}`,
    })
    .then(
      () => true,
      (error: unknown) => {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw error;
      },
    );
  const handle = client.workflow.getHandle<typeof heldBatch>(workflowId);
  // A batch started before may lack some of its parts (or chunks): its holder may have died mid-way.
  const received = new Set(started ? [] : await handle.query(heldChunksQuery));
  if (!started && (await handle.describe()).memo?.[HELD_IN_MEMO] !== 'parts') {
    await sendMissingChunks(handle, events, partSize, received);
    return workflowId;
  }
  const missing = Array.from({ length: parts }, (_, index) => index).filter((index) => !received.has(index));
  let held = (parts - missing.length) * partSize;
  onHeld?.(Math.min(held, events.length), events.length);
  for (let at = 0; at < missing.length; at += PARTS_AT_ONCE) {
    const indexes = missing.slice(at, at + PARTS_AT_ONCE);
    await Promise.all(indexes.map((index) => startPart(client, taskQueue, workflowId, batch.batchId, index, events.slice(index * partSize, (index + 1) * partSize))));
    const announced = await handle.signal(heldPartsSignal, { indexes }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      },
    );
    if (!announced) {
      // Decided (rejected) while this holder was still starting parts: what it started must not wait for ever.
      await Promise.all(indexes.map((index) => client.workflow.getHandle(heldPartWorkflowId(workflowId, index)).signal(heldPartDecisionSignal, { decision: 'rejected' })));
      return workflowId;
    }
    held += indexes.reduce((sum, index) => sum + Math.min(partSize, events.length - index * partSize), 0);
    onHeld?.(Math.min(held, events.length), events.length);
  }
  return workflowId;
}

/** Starts one part of a held batch with its changes; a part that is there already holds them. */
async function startPart(client: Client, taskQueue: string, batch: string, batchId: string, index: number, events: ChangeEvent[]): Promise<void> {
  await client.workflow
    .start<typeof heldBatchPart>(WorkflowType.heldBatchPart, {
      workflowId: heldPartWorkflowId(batch, index),
      taskQueue,
      args: [{ batch, batchId, index, events }],
      staticSummary: `Part ${index + 1} of ${batch}`,
    })
    .catch((error: unknown) => {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    });
}

/** Completes a batch that older Tenure started with its changes in its own history, as that Tenure did: by signal. */
async function sendMissingChunks(handle: WorkflowHandle<typeof heldBatch>, events: ChangeEvent[], chunkSize: number, received: Set<number>): Promise<void> {
  for (let start = 0, index = 0; start < events.length; start += chunkSize, index++) {
    if (!received.has(index)) await handle.signal(heldEventsSignal, { index, events: events.slice(start, start + chunkSize) });
  }
}
