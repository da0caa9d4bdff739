import type { Targets } from '../src/targets/registry.ts';
import type {
  CreateEntitlementInput,
  DeleteIdentityInput,
  DeprovisionIdentityInput,
  ManageRelationshipsInput,
  SyncIdentityInput,
} from '../src/targets/target.ts';

/** An operation's input, with the name of the target it acts on. */
export type OnTarget<I> = I & { target: string };

/**
 * The actions on accounts, each run by the target the step names (src/targets/). Their failures
 * are classified by the target: passing ones retried, final ones carrying the system's words.
 */
export function targetActivities(targets: Targets) {
  return {
    targetSyncIdentity: (input: OnTarget<SyncIdentityInput>) => targets.get(input.target).syncIdentity(input),
    targetManageRelationships: (input: OnTarget<ManageRelationshipsInput>) => targets.get(input.target).manageRelationships(input),
    targetGroupsToRemove: (input: OnTarget<{ accountId: string }>) => targets.get(input.target).groupsToRemove(input),
    targetDeprovisionIdentity: (input: OnTarget<DeprovisionIdentityInput>) => targets.get(input.target).deprovisionIdentity(input),
    targetDeleteIdentity: (input: OnTarget<DeleteIdentityInput>) => targets.get(input.target).deleteIdentity(input),
    targetCreateEntitlement: (input: OnTarget<CreateEntitlementInput>) => targets.get(input.target).createEntitlement(input),
  };
}
