import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { heldEventsSignal } from '../../workflows/definitions.ts';
import type { heldBatch, HeldBatchInput } from '../../workflows/held-batch.ts';
import { heldBatchWorkflowId } from '../../workflows/mass-change.ts';
import type { ChangeEvent } from '../identity/change-event.ts';

/** Events per start input or signal: far below Temporal's 2 MB payload limit even with full records. */
const CHUNK = 1_000;

export interface BatchToHold {
  source: string;
  batchId: string;
  reason: string;
  summary: Record<string, number>;
  events: ChangeEvent[];
  admins: string;
}

/** The running held batch of a source, if there is one. */
async function heldBatchOf(client: Client, source: string): Promise<string | undefined> {
  const query = `WorkflowType = 'heldBatch' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${heldBatchWorkflowId(source, '')}'`;
  for await (const execution of client.workflow.list({ query, pageSize: 1 })) return execution.workflowId;
  return undefined;
}

/**
 * Holds a whole batch in the workflow `held/<source>/<batchId>` until an administrator decides.
 * While a source has a batch held, a later one (the next scheduled pass, tomorrow's export) is
 * not held beside it, nor applied: the first decision settles the incident, and the source's next
 * import after it is compared with what was then applied. Returns the held workflow's id.
 */
export async function holdBatch(client: Client, taskQueue: string, batch: BatchToHold): Promise<string> {
  const waiting = await heldBatchOf(client, batch.source);
  if (waiting) return waiting;
  const workflowId = heldBatchWorkflowId(batch.source, batch.batchId);
  const { events, ...rest } = batch;
  try {
    const handle = await client.workflow.start<typeof heldBatch>('heldBatch', {
      workflowId,
      taskQueue,
      args: [{ ...rest, total: events.length, events: events.slice(0, CHUNK) } satisfies HeldBatchInput],
      staticSummary: `Held ${batch.source} import ${batch.batchId}: ${batch.reason}`,
    });
    for (let start = CHUNK; start < events.length; start += CHUNK) await handle.signal(heldEventsSignal, events.slice(start, start + CHUNK));
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return workflowId;
}
