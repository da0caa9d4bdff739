import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { clearanceRequestSignal, guardWorkflowId, WorkflowType, type ClearanceRequest, type massChangeGuard } from '../workflows/definitions.ts';
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

/** Activities that hand changes to identity workflows and consult the mass-change guard. */
export function deliveryActivities({ client, taskQueue, config }: DeliveryDependencies) {
  return {
    /** Hands a chunk of changes to their identity workflows; a retry redelivers, and they drop what they applied. */
    async deliverChanges({ events }: { events: ChangeEvent[] }): Promise<number> {
      await deliverAll(client, taskQueue, events, (done) => Context.current().heartbeat(done));
      return events.length;
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
