import type { Client } from '@temporalio/client';
import { Gauge } from 'prom-client';
import { WorkflowType } from '../../workflows/definitions.ts';
import { heldBatchOf } from '../guard/held-batch.ts';
import { IdentitySource, LifecycleState } from '../runtime/search-attributes.ts';
import { registry } from './registry.ts';

/** A scrape must answer even when Temporal does not: past this the gauge is left out of it. */
const VISIBILITY_WAIT_MS = 2_000;

/** The intakes of this process: their Temporal clients and the sources their policies name. */
const reporters = new Set<{ client: Client; sources: readonly string[] }>();

/** Reports the held batches of `sources` from `client`'s Temporal from now on; the returned function stops it (a stopped stack). */
export function reportHeldBatches(client: Client, sources: readonly string[]): () => void {
  const reporter = { client, sources };
  reporters.add(reporter);
  return () => reporters.delete(reporter);
}

/**
 * Whether the source's mass-change guard holds deprovisionings now: the identities it holds say
 * so in their search attribute `LifecycleState`, so visibility answers without asking the guard's
 * workflow (which would need a worker to answer a query).
 */
async function guardHolds(client: Client, source: string): Promise<boolean> {
  const query = `WorkflowType = '${WorkflowType.identity}' AND ExecutionStatus = 'Running' AND ${IdentitySource.name} = '${source}' AND ${LifecycleState.name} = 'held'`;
  return (await client.workflow.count(query)).count > 0;
}

new Gauge({
  name: 'tenure_held_batches',
  help: 'Batches held for an administrator, by source and kind: import (a whole import held) or guard (the mass-change guard holding deprovisionings); 0 or 1 each',
  labelNames: ['source', 'kind'] as const,
  registers: [registry],
  // Read from Temporal's visibility at each scrape, so every intake reports the cluster's truth.
  async collect() {
    this.reset();
    for (const { client, sources } of reporters) {
      try {
        await client.connection.withDeadline(Date.now() + VISIBILITY_WAIT_MS, async () => {
          for (const source of sources) {
            this.set({ source, kind: 'import' }, (await heldBatchOf(client, source)) === undefined ? 0 : 1);
            this.set({ source, kind: 'guard' }, (await guardHolds(client, source)) ? 1 : 0);
          }
        });
      } catch {
        // Temporal does not answer: /readyz says so; a gauge read from nothing would claim nothing is held.
        this.reset();
      }
    }
  },
});
