import { loadPolicySet, type PolicySet } from '../../policy/loader.ts';
import { PolicyValidationError } from '../../policy/problems.ts';
import { loadConfig } from '../../runtime/config.ts';
import { checkTargetCapabilities, describeCapabilities } from '../../targets/capability-check.ts';
import { scimConnectionFor } from '../../targets/sandbox-address.ts';
import { scimTarget } from '../../targets/scim/scim-target.ts';
import { reportValidationProblems } from '../policy-problems.ts';

/**
 * Asks the SCIM targets the policies act on what they can do. A target that cannot be reached is
 * a warning, not a problem: validation also runs where the applications are out of reach (CI, a
 * laptop offline), and the worker asks again before acting.
 */
async function checkTargets(policySet: PolicySet, sandbox: boolean): Promise<void> {
  const { problems, unreachable, reachable } = await checkTargetCapabilities(policySet, (name) => {
    const { definition } = policySet.targets.get(name)!;
    return scimTarget(name, scimConnectionFor(name, definition, { sandbox })).capabilities();
  });
  for (const { target, reason } of unreachable) console.error(`target ${target} could not be reached (${reason}): its capabilities were not checked`);
  if (problems.length > 0) throw new PolicyValidationError(problems);
  for (const [target, capabilities] of reachable) console.log(`target ${target}: ${describeCapabilities(capabilities)}`);
}

export async function run(positionals: string[], values: { policies?: string; templates?: string; offline?: boolean }): Promise<void> {
  const config = loadConfig();
  // Paths are policy files or folders; `--policies DIR` is the same as one folder.
  const paths = positionals.length > 0 ? positionals : [values.policies ?? config.policiesDir];
  await reportValidationProblems(async () => {
    const policySet = await loadPolicySet(paths, values.templates ?? config.templatesDir);
    // Without a real Okta org this is the sandbox, whose targets are the emulated applications.
    if (!values.offline) await checkTargets(policySet, config.okta === undefined);
    const targets = policySet.targets.size > 0 ? `, ${policySet.targets.size} target${policySet.targets.size === 1 ? '' : 's'}` : '';
    console.log(`${policySet.policies.length} policies${targets} and ${policySet.templates.size} templates are valid (hash ${policySet.hash}).`);
  });
}
