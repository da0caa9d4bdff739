import { loadPolicySet } from '../../policy/loader.ts';
import { loadConfig } from '../../runtime/config.ts';
import { reportValidationProblems } from '../policy-problems.ts';

export async function run(positionals: string[], values: { policies?: string; templates?: string }): Promise<void> {
  const config = loadConfig();
  // Paths are policy files or folders; `--policies DIR` is the same as one folder.
  const paths = positionals.length > 0 ? positionals : [values.policies ?? config.policiesDir];
  await reportValidationProblems(async () => {
    const policySet = await loadPolicySet(paths, values.templates ?? config.templatesDir);
    console.log(`${policySet.policies.length} policies and ${policySet.templates.size} templates are valid (hash ${policySet.hash}).`);
  });
}
