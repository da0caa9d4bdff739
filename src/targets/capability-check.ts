import type { PolicySet, TargetedActionSite } from '../policy/loader.ts';
import type { Problem } from '../policy/problems.ts';
import type { TargetCapabilities } from './target.ts';

export interface CapabilityCheck {
  /** Actions their target cannot carry out, at the action's `target:`. */
  problems: Problem[];
  /** Targets that did not say what they can do, and why; their actions are not checked. */
  unreachable: Array<{ target: string; reason: string }>;
  /** What each target that answered says it can do, by name. */
  reachable: Map<string, TargetCapabilities>;
}

/** What an action needs groups for, or undefined when it needs none. */
function groupUse(site: TargetedActionSite): string | undefined {
  switch (site.action.action) {
    case 'MANAGE_RELATIONSHIPS':
      return 'MANAGE_RELATIONSHIPS cannot manage its groups';
    case 'CREATE_ENTITLEMENT':
      return 'CREATE_ENTITLEMENT cannot create a group in it';
    case 'DEPROVISION_IDENTITY':
      return site.action.removeGroups ? 'DEPROVISION_IDENTITY cannot remove its groups; set removeGroups: false' : undefined;
    default:
      return undefined;
  }
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/**
 * Asks each SCIM target the policies act on what it can do, once, and reports the actions it
 * cannot carry out, which the schema alone cannot know: a target's capabilities are its own
 * answer. A target that does not answer is reported and its actions left unchecked, and the
 * others are still checked: one application down does not hide another's problems.
 */
export async function checkTargetCapabilities(policySet: PolicySet, capabilitiesOf: (target: string) => Promise<TargetCapabilities>): Promise<CapabilityCheck> {
  const sites = policySet.policies.flatMap((policy) => policy.targeted).filter((site) => policySet.targets.has(site.target));
  const names = [...new Set(sites.map((site) => site.target))].sort();
  // Asked together: each is a remote round trip, and a slow one should not hold the others.
  const answers = await Promise.allSettled(names.map((name) => Promise.resolve().then(() => capabilitiesOf(name))));

  const result: CapabilityCheck = { problems: [], unreachable: [], reachable: new Map() };
  names.forEach((name, i) => {
    const answer = answers[i]!;
    if (answer.status === 'rejected') result.unreachable.push({ target: name, reason: reasonOf(answer.reason) });
    else result.reachable.set(name, answer.value);
  });
  for (const site of sites) {
    if (result.reachable.get(site.target)?.groups !== false) continue;
    const use = groupUse(site);
    if (use) result.problems.push({ ...site.at, message: `target ${site.target} has no /Groups (its /ResourceTypes lists no Group): ${use}` });
  }
  return result;
}

/** What a target supports, in a few words for `tenure validate`. */
export function describeCapabilities(capabilities: TargetCapabilities): string {
  return [capabilities.groups ? 'users and groups' : 'users only, no groups', capabilities.patch ? 'PATCH' : 'no PATCH (changes by PUT)'].join(', ');
}
