import { parseArgs } from 'node:util';
import { loadPolicySet } from '../../policy/loader.ts';
import { loadConfig } from '../../runtime/config.ts';
import { reportValidationProblems } from '../policy-problems.ts';

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { policies: { type: 'string' }, templates: { type: 'string' } },
  });
  const config = loadConfig();
  // Paths are policy files or folders; `--policies DIR` is the same as one folder.
  const paths = positionals.length > 0 ? positionals : [values.policies ?? config.policiesDir];
  await reportValidationProblems(async () => {
    const policySet = await loadPolicySet(paths, values.templates ?? config.templatesDir);
    console.log(`${policySet.policies.length} policies and ${policySet.templates.size} templates are valid (hash ${policySet.hash}).`);
  });
}
