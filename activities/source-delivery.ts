import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  clearanceRequestSignal,
  guardWorkflowId,
  heldPartDecisionSignal,
  heldPartWorkflowId,
  WorkflowType,
  type ClearanceRequest,
  type HeldBatchPartResult,
  type massChangeGuard,
} from '../workflows/definitions.ts';
import { deliverAll } from '../src/identity/deliver.ts';
import { clearanceRequests } from '../src/metrics/registry.ts';
import type { ChangeEvent } from '../src/identity/change-event.ts';
import { countActiveIdentities } from '../src/sources/known-identities.ts';
import type { TenureConfig } from '../src/runtime/config.ts';

export interface DeliveryDependencies {
  client: Client;
  taskQueue: string;
  config: Pick<TenureConfig, 'guard' | 'adminEmail'>;
}

/** Parts delivering at once, each with its own bounded delivery (src/identity/deliver.ts). */
const PARTS_DELIVERING = 4;
/** Parts told of a rejection at once: they only finish. */
const PARTS_DROPPING = 16;
/** Waiting for a part's deliveries sends no heartbeat of its own. */
const HEARTBEAT_EVERY_MS = 10_000;

/** Activities that hand changes to identity workflows and consult the mass-change guard. */
export function deliveryActivities({ client, taskQueue, config }: DeliveryDependencies) {
  return {
    /** Hands a chunk of changes to their identity workflows; a retry redelivers, and they drop what they applied. */
    async deliverChanges({ events }: { events: ChangeEvent[] }): Promise<number> {
      await deliverAll(client, taskQueue, events, (done) => Context.current().heartbeat(done));
      return events.length;
    },

    /**
     * Passes a held batch's decision on to its parts and, once approved, waits for their
     * deliveries: a few parts at a time, so that a batch of a million changes does not flood
     * Temporal. Returns how many changes were delivered. A retry asks again: a part decided
     * already keeps its first decision, and a finished one answers with its result.
     */
    async settleHeldParts({ batch, parts, decision }: { batch: string; parts: number; decision: HeldBatchPartResult['decision'] }): Promise<number> {
      const context = Context.current();
      let settled = 0;
      const beating = setInterval(() => context.heartbeat(settled), HEARTBEAT_EVERY_MS);
      try {
        let next = 0;
        let delivered = 0;
        const settleNext = async () => {
          while (next < parts && !context.cancellationSignal.aborted) {
            const handle = client.workflow.getHandle(heldPartWorkflowId(batch, next++));
            await handle.signal(heldPartDecisionSignal, { decision }).catch((error: unknown) => {
              // A part that has finished was settled by an earlier attempt; one never started holds nothing.
              if (!(error instanceof WorkflowNotFoundError)) throw error;
            });
            // Awaited before adding: `delivered += await …` would add to the total read before the wait.
            const result = decision === 'approved' ? ((await handle.result()) as HeldBatchPartResult) : undefined;
            delivered += result?.delivered ?? 0;
            context.heartbeat(++settled);
          }
        };
        await Promise.all(Array.from({ length: Math.min(decision === 'approved' ? PARTS_DELIVERING : PARTS_DROPPING, parts) }, settleNext));
        return delivered;
      } finally {
        clearInterval(beating);
      }
    },

    /** Asks the source's guard to clear a deprovisioning; the answer comes back as a signal. Returns the guard's workflow id. */
    async requestClearance({ source, key, eventId }: { source: string; key: string; eventId: string }): Promise<string> {
      const workflowId = guardWorkflowId(source);
      const { workflowExecution } = Context.current().info;
      if (!workflowExecution) throw new Error('requestClearance runs only for an identity workflow');
      await client.workflow.signalWithStart<typeof massChangeGuard, [ClearanceRequest]>(WorkflowType.massChangeGuard, {
        workflowId,
        taskQueue,
        args: [{ source }],
        signal: clearanceRequestSignal,
        signalArgs: [{ workflowId: workflowExecution.workflowId, key, eventId, limits: config.guard, admins: config.adminEmail }],
        staticSummary: `Mass-change guard of source ${source}`,
      });
      clearanceRequests.inc({ source });
      return workflowId;
    },

    async countActiveIdentities({ source }: { source: string }): Promise<number> {
      return countActiveIdentities(client, source);
    },
  };
}
