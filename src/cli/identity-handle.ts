import { Client, WorkflowNotFoundError, type Connection, type WorkflowHandle } from '@temporalio/client';
import { ValueError } from '@temporalio/common';
import { correlationClientInterceptor } from '../logging/correlation-context.ts';
import { ENCRYPTED_ENCODING } from '../payload-encryption/codec.ts';
import { identityWorkflowId } from '../../workflows/definitions.ts';
import { tenureDataConverter } from '../payload-encryption/data-converter.ts';
import { loadConfig } from '../runtime/config.ts';
import { connectTemporal, TemporalUnreachableError } from '../runtime/temporal.ts';

/**
 * One short try: a person at the keyboard wants to hear in about a second that Temporal is down,
 * not after a minute of retries meant for a server that is just starting.
 */
export const CLI_CONNECT = { attempts: 1, connectTimeout: 1_000 } as const;

/** Workflow ids that name themselves: an identity's, a source's mass-change guard, a held batch. */
const WORKFLOW_ID_PREFIXES = ['identity/', 'guard/', 'held/'];

/**
 * Accepts a workflow id (`identity/hr/E1001`, `guard/hr`, `held/hr/<batch>`) or an identity
 * (`hr/E1001`), as operators copy either.
 */
export function workflowIdOf(target: string): string {
  if (WORKFLOW_ID_PREFIXES.some((prefix) => target.startsWith(prefix))) return target;
  const slash = target.indexOf('/');
  if (slash <= 0 || slash === target.length - 1) throw new Error(`"${target}" is neither a workflow id (identity/<source>/<key>) nor an identity (<source>/<key>)`);
  return identityWorkflowId(target.slice(0, slash), target.slice(slash + 1));
}

/**
 * Runs `work` with a client of the Temporal that Tenure's configuration names (the dev server on
 * TEMPORAL_PORT unless TEMPORAL_ADDRESS or `address` says otherwise).
 */
export async function withTemporalClient<T>(address: string | undefined, work: (client: Client) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const at = address ?? config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
  let connection: Connection;
  try {
    connection = await connectTemporal(at, { ...CLI_CONNECT, tls: config.temporalTls });
  } catch (error) {
    if (!(error instanceof TemporalUnreachableError)) throw error;
    // A cluster that refuses the handshake answers, but not to us: say which settings decide it.
    const tls = config.temporalTls ? ' With TLS: check TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY and TEMPORAL_TLS_SERVER_NAME against the cluster.' : '';
    throw new Error(
      `cannot reach Temporal at ${at} (${error.tried}). Is Tenure running? Start it with \`npm start\`, ` +
        `or name another Temporal with --address HOST:PORT (or TEMPORAL_ADDRESS).${tls}`,
    );
  }
  try {
    // The workers' keys: queries, updates and signals are encrypted as the workers expect them.
    // An import's changes carry a correlation id from the CLI to their activities, as the intake's do.
    return await work(new Client({ connection, namespace: config.temporalNamespace, dataConverter: tenureDataConverter(config.encryptionKeys), interceptors: { workflow: [correlationClientInterceptor] } }));
  } catch (error) {
    // The SDK's "Unknown encoding" says nothing of the fix.
    if (error instanceof ValueError && error.message.includes(ENCRYPTED_ENCODING)) {
      throw new Error(`Temporal at ${at} holds Tenure's data encrypted: set TENURE_ENCRYPTION_KEYS to the keys Tenure's workers use`);
    }
    throw error;
  } finally {
    await connection.close();
  }
}

/** Runs `work` with the handle of the workflow `target` names. */
export async function withIdentityWorkflow<T>(target: string, address: string | undefined, work: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const workflowId = workflowIdOf(target);
  return withTemporalClient(address, async (client) => {
    try {
      return await work(client.workflow.getHandle(workflowId));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new Error(`no workflow ${workflowId} is running`);
      throw error;
    }
  });
}
