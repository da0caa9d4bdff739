import type { Client } from '@temporalio/client';
import type { identityWorkflow } from '../../workflows/identity.ts';
import { changeSignal } from '../../workflows/definitions.ts';
import { IdentityKey, IdentitySource } from '../runtime/search-attributes.ts';
import { identityWorkflowId, type ChangeEvent } from './change-event.ts';

/**
 * Hands a change to its identity's workflow, starting the workflow if it is not running. The
 * workflow drops an event id it has seen, so delivering the same event again is harmless.
 */
export async function deliverChange(client: Client, taskQueue: string, event: ChangeEvent): Promise<string> {
  const workflowId = identityWorkflowId(event.source, event.key);
  await client.workflow.signalWithStart<typeof identityWorkflow, [ChangeEvent]>('identityWorkflow', {
    workflowId,
    taskQueue,
    args: [{ source: event.source, key: event.key }],
    signal: changeSignal,
    signalArgs: [event],
    staticSummary: `Lifecycle of ${event.source} identity ${event.key}`,
    typedSearchAttributes: [
      { key: IdentityKey, value: event.key },
      { key: IdentitySource, value: event.source },
    ],
  });
  return workflowId;
}
