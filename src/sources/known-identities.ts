import type { Client } from '@temporalio/client';
import type { IdentityRecord } from '../policy/schema.ts';
import { RECORD_MEMO, WorkflowType } from '../../workflows/definitions.ts';
import { IdentityKey } from '../runtime/search-attributes.ts';

export interface KnownIdentity {
  /** What the source last said, as the workflow applied it; null once it said the identity is gone. */
  record: IdentityRecord | null;
}

const identitiesOf = (source: string) => `WorkflowType = '${WorkflowType.identity}' AND IdentitySource = '${source}' AND ExecutionStatus = 'Running'`;

/**
 * Every identity of a source that Tenure knows, read from Temporal's visibility store (the
 * workflows' memos and search attributes) rather than from each workflow: an export of 50,000
 * rows is compared in a few pages. Visibility trails the workflows by moments; a change it has
 * not caught up with is delivered again and dropped by the workflow as already applied.
 */
export async function listKnownIdentities(client: Client, source: string): Promise<Map<string, KnownIdentity>> {
  const known = new Map<string, KnownIdentity>();
  for await (const execution of client.workflow.list({ query: identitiesOf(source), pageSize: 1000 })) {
    const key = execution.typedSearchAttributes.get(IdentityKey);
    const memo = execution.memo?.[RECORD_MEMO] as { value: IdentityRecord | null } | undefined;
    if (key === undefined || memo === undefined) continue;
    known.set(key, { record: memo.value });
  }
  return known;
}

/** How many identities of a source are active now, the base of the guard's share. */
export async function countActiveIdentities(client: Client, source: string): Promise<number> {
  const { count } = await client.workflow.count(`${identitiesOf(source)} AND LifecycleState IN ('active', 'leaving', 'awaiting-approval', 'held')`);
  return count;
}
