import type { Client } from '@temporalio/client';
import { withCorrelationId } from '../logging/correlation-context.ts';
import { changeSignal, identityWorkflowId, WorkflowType, type identityWorkflow } from '../../workflows/definitions.ts';
import { IdentityKey, IdentitySource } from '../runtime/search-attributes.ts';
import type { ChangeEvent } from './change-event.ts';
import { identityLabel } from './display-name.ts';

/**
 * Hands a change to its identity's workflow, starting the workflow if it is not running. The
 * workflow drops an event id it has seen, so delivering the same event again is harmless. With a
 * correlation id (the intake's request), a client with Tenure's interceptor carries it to the
 * workflow (src/logging/correlation-context.ts); without, the call's context or a new one does.
 */
export async function deliverChange(client: Client, taskQueue: string, event: ChangeEvent, correlationId?: string): Promise<string> {
  const workflowId = identityWorkflowId(event.source, event.key);
  await withCorrelationId(correlationId, () => client.workflow.signalWithStart<typeof identityWorkflow, [ChangeEvent]>(WorkflowType.identity, {
    workflowId,
    taskQueue,
    args: [{ source: event.source, key: event.key }],
    signal: changeSignal,
    signalArgs: [event],
    // Set when this delivery starts the workflow; a running workflow keeps the summary it started with.
    staticSummary: identityLabel(event.source, event.key, event.record),
    typedSearchAttributes: [
      { key: IdentityKey, value: event.key },
      { key: IdentitySource, value: event.source },
    ],
  }));
  return workflowId;
}

/** How many identity workflows a bulk delivery signals at once. */
const PARALLEL_DELIVERIES = 16;

/** Delivers many changes with bounded concurrency, reporting how many are done after each. */
export async function deliverAll(client: Client, taskQueue: string, events: ChangeEvent[], onDelivered: (done: number) => void = () => {}): Promise<void> {
  let next = 0;
  let done = 0;
  const deliverNext = async () => {
    while (next < events.length) {
      await deliverChange(client, taskQueue, events[next++]!);
      onDelivered(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_DELIVERIES, events.length) }, deliverNext));
}
