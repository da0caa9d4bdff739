import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { heldBatchWorkflowId, heldChunksQuery, heldEventsSignal, SAMPLE_SIZE, WorkflowType, type heldBatch, type HeldBatchInput } from '../../workflows/definitions.ts';
import type { ChangeEvent } from '../identity/change-event.ts';

/** Events per start input or signal: far below Temporal's 2 MB payload limit even with full records. */
const CHUNK = 1_000;

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

/**
 * Holds a whole batch in the workflow `held/<source>/<batchId>` until an administrator decides.
 * While a source has a batch held, a later one (the next scheduled pass, tomorrow's export) is
 * not held beside it, nor applied: the first decision settles the incident, and the source's next
 * import after it is compared with what was then applied. The same batch held again sends the chunks it
 * lacks, which completes a batch whose first holder died before sending them all. Returns
 * the held workflow's id.
 */
export async function holdBatch(client: Client, taskQueue: string, batch: BatchToHold, chunkSize = CHUNK): Promise<string> {
  const workflowId = heldBatchWorkflowId(batch.source, batch.batchId);
  const waiting = await heldBatchOf(client, batch.source);
  if (waiting !== undefined && waiting !== workflowId) return waiting;
  const { events, deprovisioning, ...rest } = batch;
  const chunks: ChangeEvent[][] = [];
  for (let start = 0; start < events.length; start += chunkSize) chunks.push(events.slice(start, start + chunkSize));
  const started = await client.workflow
    .start<typeof heldBatch>(WorkflowType.heldBatch, {
      workflowId,
      taskQueue,
      args: [
        {
          ...rest,
          chunks: chunks.length,
          events: chunks[0] ?? [],
          deprovisioningSample: deprovisioning.slice(0, SAMPLE_SIZE),
          deprovisioningCount: deprovisioning.length,
        } satisfies HeldBatchInput,
      ],
      staticSummary: `Held ${batch.source} import ${batch.batchId}: ${batch.reason}`,
    })
    .then(
      () => true,
      (error: unknown) => {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw error;
      },
    );
  // A batch started before may lack some of its chunks: its holder may have died mid-way.
  const handle = client.workflow.getHandle(workflowId);
  const received = new Set(started ? [0] : await handle.query(heldChunksQuery));
  for (let index = 0; index < chunks.length; index++) if (!received.has(index)) await handle.signal(heldEventsSignal, { index, events: chunks[index]! });
  return workflowId;
}
