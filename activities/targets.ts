import { Context } from '@temporalio/activity';
import { countedAction } from '../src/metrics/registry.ts';
import type { Targets } from '../src/targets/registry.ts';
import type {
  AccountOf,
  CreateEntitlementInput,
  DeleteIdentityInput,
  DeprovisionIdentityInput,
  ManageRelationshipsInput,
  SyncIdentityInput,
} from '../src/targets/target.ts';

/** An operation's input, with the name of the target it acts on. */
export type OnTarget<I> = I & { target: string };

/** How often an action on a target tells Temporal it is alive; the SDK sends at most one a minute without a heartbeat timeout. */
const HEARTBEAT_EVERY_MS = 10_000;

/**
 * Runs the work heartbeating: Temporal answers a heartbeat with the news that the attempt was
 * cancelled or timed out, which aborts the activity's signal, and the SCIM target then drops a
 * request still waiting under its rate limit instead of sending it after a newer attempt.
 */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}

/** An action on `target`, heartbeating, and counted in Tenure's metrics by how it ended. */
function acting<T>(action: string, target: string, work: () => Promise<T>): Promise<T> {
  return countedAction(action, target, () => heartbeating(work));
}

/**
 * The actions on accounts, each run by the target the step names (src/targets/). Their failures
 * are classified by the target: passing ones retried, final ones carrying the system's words.
 */
export function targetActivities(targets: Targets) {
  return {
    targetSyncIdentity: (input: OnTarget<SyncIdentityInput>) => acting('syncIdentity', input.target, () => targets.get(input.target).syncIdentity(input)),
    targetManageRelationships: (input: OnTarget<ManageRelationshipsInput>) => acting('manageRelationships', input.target, () => targets.get(input.target).manageRelationships(input)),
    // A read, not an action: not counted.
    targetGroupsToRemove: (input: OnTarget<AccountOf>) => heartbeating(() => targets.get(input.target).groupsToRemove(input)),
    targetDeprovisionIdentity: (input: OnTarget<DeprovisionIdentityInput>) => acting('deprovisionIdentity', input.target, () => targets.get(input.target).deprovisionIdentity(input)),
    targetDeleteIdentity: (input: OnTarget<DeleteIdentityInput>) => acting('deleteIdentity', input.target, () => targets.get(input.target).deleteIdentity(input)),
    targetCreateEntitlement: (input: OnTarget<CreateEntitlementInput>) => acting('createEntitlement', input.target, () => targets.get(input.target).createEntitlement(input)),
  };
}
